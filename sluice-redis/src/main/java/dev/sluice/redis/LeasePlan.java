package dev.sluice.redis;

import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.internal.algorithm.Model;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * How the hybrid backend treats one policy: its bucket's arithmetic and its keys on this instance,
 * or {@link #DELEGATE} for a policy that is not leased (everything goes to the wrapped backend).
 */
final class LeasePlan {

  /** The plan of a policy that is not leased. */
  static final LeasePlan DELEGATE = new LeasePlan(null, 0, 0, 1, 1, 0);

  final Policy policy;
  final long capacity;

  /** Units when full, units per microsecond, units per token: the model's parameters. */
  final long full;

  final long rate;
  final long unit;
  final long maxLease;
  final ConcurrentHashMap<String, LeaseEntry> entries = new ConcurrentHashMap<>();

  private LeasePlan(Policy policy, long capacity, long full, long rate, long unit, long maxLease) {
    this.policy = policy;
    this.capacity = capacity;
    this.full = full;
    this.rate = rate;
    this.unit = unit;
    this.maxLease = maxLease;
  }

  /**
   * The plan of a policy: leased if it is a single token bucket that {@code selected} accepts and
   * whose largest lease ({@code capacity x maxLeaseFraction}, rounded down) is at least 2 tokens.
   */
  static LeasePlan of(Policy policy, Predicate<Policy> selected, double maxLeaseFraction) {
    if (policy.limits().size() != 1
        || !(policy.limits().get(0) instanceof Limit.TokenBucket bucket)) {
      return DELEGATE;
    }
    long maxLease = (long) Math.floor(bucket.capacity() * maxLeaseFraction);
    if (maxLease < 2 || !selected.test(policy)) {
      return DELEGATE;
    }
    long[] parameters = Model.of(bucket).parameters();
    return new LeasePlan(
        policy, bucket.capacity(), parameters[0], parameters[1], parameters[2], maxLease);
  }
}

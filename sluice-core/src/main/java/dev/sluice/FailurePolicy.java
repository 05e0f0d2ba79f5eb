package dev.sluice;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.IntSupplier;

/**
 * What answers for a {@link ResilientBackend} when its backend cannot: the configured {@link
 * ResilientBackend.OnFailure} of each policy, and for {@code LOCAL} an in-memory limiter with each
 * limit scaled to this instance's share of the fleet.
 */
final class FailurePolicy {

  private final ResilientBackend.OnFailure onFailure;
  private volatile Map<String, ResilientBackend.OnFailure> onFailures;
  private final double localShare;
  private final IntSupplier instances;
  private final long denyRetryMicros;
  private final InMemoryBackend local;
  private final CircuitBreaker breaker;
  private final TimeSource time;
  private final Map<Policy, Scaled> scaled = new ConcurrentHashMap<>();

  FailurePolicy(
      ResilientBackend.OnFailure onFailure,
      Map<String, ResilientBackend.OnFailure> onFailures,
      double localShare,
      IntSupplier instances,
      Duration denyRetryAfter,
      long localMaxKeys,
      CircuitBreaker breaker,
      TimeSource time) {
    this.onFailure = onFailure;
    this.onFailures = Map.copyOf(onFailures);
    this.localShare = localShare;
    this.instances = instances;
    this.denyRetryMicros = denyRetryAfter.toNanos() / 1_000;
    this.local = InMemoryBackend.builder().timeSource(time).maxKeys(localMaxKeys).build();
    this.breaker = breaker;
    this.time = time;
  }

  /** Replaces the per-policy answers (a reload). */
  void setOverrides(Map<String, ResilientBackend.OnFailure> answers) {
    this.onFailures = Map.copyOf(answers);
  }

  /** The answer to a call that failed (or, as a probe, timed out): counted by the breaker. */
  Decision failed(Policy policy, String key, long cost, Throwable error, long started) {
    breaker.failure(started, time.nowMicros());
    return answer(
        policy,
        key,
        cost,
        Deadline.isTimeout(error)
            ? Decision.Source.FALLBACK_TIMEOUT
            : Decision.Source.FALLBACK_ERROR);
  }

  /** Releases a permit this instance's local limiter may have granted. */
  void release(Policy policy, String key, String permit) {
    local.release(scaled(policy), key, permit);
  }

  /** Forgets this instance's local state of a key. */
  void reset(Policy policy, String key) {
    local.reset(scaled(policy), key);
  }

  /**
   * The answer to a call that missed its deadline twice while the circuit is closed. A late answer
   * is not an outage: the store is probably alive and slow, and the call may still be carried out.
   * Admitting it locally as well could exceed the limit, so under {@code LOCAL} (and {@code DENY})
   * it is denied; {@code ALLOW} (fail open) admits it, as configured. Once failures have lasted
   * long enough to open the circuit, the failure policy answers every call.
   */
  Decision late(Policy policy, String key, long cost, long started) {
    breaker.failure(started, time.nowMicros());
    ResilientBackend.OnFailure answer = onFailures.getOrDefault(policy.name(), onFailure);
    return answer == ResilientBackend.OnFailure.ALLOW
        ? answer(policy, key, cost, Decision.Source.FALLBACK_TIMEOUT)
        : denied(policy, policy.maxCost(), Decision.Source.FALLBACK_TIMEOUT);
  }

  /** The failure policy's answer, with the source saying why it answered. */
  Decision answer(Policy policy, String key, long cost, Decision.Source source) {
    return switch (onFailures.getOrDefault(policy.name(), onFailure)) {
      case ALLOW -> allowed(policy, source);
      case DENY -> denied(policy, policy.maxCost(), source);
      case LOCAL -> {
        Policy localPolicy = scaled(policy);
        yield cost > localPolicy.maxCost()
            ? denied(policy, localPolicy.maxCost(), source)
            : local.tryAcquire(localPolicy, key, cost).withSource(source);
      }
    };
  }

  /** The answer to a batch whose call failed (or, as a probe, timed out): counted once. */
  List<Decision> failedAll(List<Acquire> requests, Throwable error, long started) {
    breaker.failure(started, time.nowMicros());
    return answerAll(
        requests,
        Deadline.isTimeout(error)
            ? Decision.Source.FALLBACK_TIMEOUT
            : Decision.Source.FALLBACK_ERROR);
  }

  /**
   * The answer to a batch late twice while the circuit is closed, as {@link #late} answers one
   * request: nothing is decided locally (the batch may still be carried out); a request under
   * {@code ALLOW}, or of cost 0, is allowed, any other denied.
   */
  List<Decision> lateAll(List<Acquire> requests, long started) {
    breaker.failure(started, time.nowMicros());
    List<Decision> decisions = new ArrayList<>(requests.size());
    for (Acquire request : requests) {
      Policy policy = request.policy();
      boolean allow =
          request.cost() == 0
              || onFailures.getOrDefault(policy.name(), onFailure)
                  == ResilientBackend.OnFailure.ALLOW;
      decisions.add(
          allow
              ? allowed(policy, Decision.Source.FALLBACK_TIMEOUT)
              : denied(policy, policy.maxCost(), Decision.Source.FALLBACK_TIMEOUT));
    }
    return decisions;
  }

  /**
   * The failure policy's answer to a batch, all or nothing like the store's: requests under {@code
   * ALLOW} are allowed, under {@code DENY} denied (unless of cost 0: a look is always allowed), and
   * those under {@code LOCAL} decided together by the local limiter, which consumes only if no
   * request is denied.
   */
  List<Decision> answerAll(List<Acquire> requests, Decision.Source source) {
    Decision[] decisions = new Decision[requests.size()];
    List<Acquire> locals = new ArrayList<>();
    List<Integer> at = new ArrayList<>();
    boolean refused = false;
    for (int r = 0; r < requests.size(); r++) {
      Acquire request = requests.get(r);
      Policy policy = request.policy();
      switch (onFailures.getOrDefault(policy.name(), onFailure)) {
        case ALLOW -> decisions[r] = allowed(policy, source);
        case DENY -> {
          if (request.cost() == 0) {
            decisions[r] = allowed(policy, source);
          } else {
            decisions[r] = denied(policy, policy.maxCost(), source);
            refused = true;
          }
        }
        case LOCAL -> {
          Policy localPolicy = scaled(policy);
          if (request.cost() > localPolicy.maxCost()) {
            decisions[r] = denied(policy, localPolicy.maxCost(), source);
            refused = true;
          } else {
            locals.add(new Acquire(localPolicy, request.key(), request.cost()));
            at.add(r);
          }
        }
      }
    }
    if (!locals.isEmpty()) {
      List<Decision> decided = local.decideAll(locals, !refused);
      for (int i = 0; i < decided.size(); i++) {
        decisions[at.get(i)] = decided.get(i).withSource(source);
      }
    }
    return List.of(decisions);
  }

  /** An admission by the failure policy, with nothing counted. */
  private static Decision allowed(Policy policy, Decision.Source source) {
    return new Decision(
        policy.name(), policy.ids().get(0), true, policy.maxCost(), 0, 0, 0, source);
  }

  /** A denial by this instance, to be retried after the breaker's next probe at the earliest. */
  private Decision denied(Policy policy, long limit, Decision.Source source) {
    long retry = Math.max(denyRetryMicros, breaker.untilProbe(time.nowMicros()));
    return new Decision(policy.name(), policy.ids().get(0), false, limit, 0, retry, retry, source);
  }

  /** The policy with its limits scaled to this instance's share, cached per share. */
  Policy scaled(Policy policy) {
    double share = share();
    if (share == 1.0) {
      return policy;
    }
    Scaled cached = scaled.get(policy);
    if (cached == null || cached.share != share) {
      cached = new Scaled(share, policy.withEachLimit(limit -> scale(limit, share)));
      scaled.put(policy, cached);
    }
    return cached.policy;
  }

  /** This instance's share of each limit for the local fallback: explicit, or 1 / instances. */
  private double share() {
    if (!Double.isNaN(localShare)) {
      return localShare;
    }
    return 1.0 / Math.max(1, instances.getAsInt());
  }

  /** A policy scaled to a share. */
  private record Scaled(double share, Policy policy) {}

  /**
   * A limit scaled to a share of its capacity and rate: the capacity is rounded down (at least 1)
   * and the rate's period stretched by 1/share; when that period would leave the valid range, the
   * rate's tokens are scaled instead, and failing that the limit stays as it is.
   */
  static Limit scale(Limit limit, double share) {
    long capacity = Math.max(1, (long) Math.floor(limit.capacity() * share));
    Function<Rate, Rate> scaleRate =
        rate -> {
          try {
            return Rate.of(
                rate.tokens(),
                Duration.ofNanos(
                    (long) Math.ceil(rate.period().toNanos() / share / 1_000) * 1_000));
          } catch (IllegalArgumentException tooSlow) {
            return Rate.of(Math.max(1, (long) Math.floor(rate.tokens() * share)), rate.period());
          }
        };
    try {
      if (limit instanceof Limit.TokenBucket tb) {
        return Limit.tokenBucket(capacity, scaleRate.apply(tb.refill()));
      } else if (limit instanceof Limit.LeakyBucket lb) {
        return Limit.leakyBucket(capacity, scaleRate.apply(lb.leak()));
      } else if (limit instanceof Limit.FixedWindow fw) {
        return Limit.fixedWindow(capacity, fw.window());
      } else if (limit instanceof Limit.CalendarWindow cw) {
        return Limit.calendarWindow(capacity, cw.unit());
      } else if (limit instanceof Limit.SlidingWindow sw) {
        return Limit.slidingWindow(capacity, sw.window());
      } else if (limit instanceof Limit.Concurrency c) {
        return Limit.concurrency(capacity, c.lease(), c.retryHint());
      }
      return Limit.slidingLog(capacity, ((Limit.SlidingLog) limit).window());
    } catch (IllegalArgumentException outOfRange) {
      return limit;
    }
  }
}

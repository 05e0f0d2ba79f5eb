package dev.sluice.redis;

import dev.sluice.Decision;
import dev.sluice.Policy;
import dev.sluice.TimeSource;
import dev.sluice.internal.algorithm.Maths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * The hybrid backend's lease state machine (see {@link HybridBackend} for what it promises): per
 * key, spend the lease locally, or make (or wait for) one lease call, or let the wrapped backend
 * decide; top up a hot key's lease ahead of need; give back what sat unused. A decision holds one
 * key's monitor for a few field updates, never across a call.
 */
final class Leasing {

  private final RedisBackend redis;
  private final LeaseCalls calls;
  private final Predicate<Policy> selected;
  private final double maxLeaseFraction;
  private final long horizon;
  private final long returnAfter;
  private final int hotThreshold;
  private final boolean prefetch;
  private final TimeSource time;
  private final long maxKeys;
  private final Map<Policy, LeasePlan> plans = new ConcurrentHashMap<>();
  private final AtomicLong keys = new AtomicLong();

  final LongAdder localDecisions = new LongAdder();
  final LongAdder delegatedDecisions = new LongAdder();
  final LongAdder leaseCalls = new LongAdder();
  final LongAdder returnCalls = new LongAdder();
  final LongAdder otherCalls = new LongAdder();
  final LongAdder tokensLeased = new LongAdder();
  final LongAdder tokensReturned = new LongAdder();
  final LongAdder tokensLost = new LongAdder();

  /** A lease call in flight for one request: what it set aside, needs and wants. */
  private record Lease(LeaseEntry entry, long cost, long reserved, long need, long want) {}

  Leasing(
      RedisBackend redis,
      Predicate<Policy> selected,
      double maxLeaseFraction,
      long horizonMicros,
      int hotThreshold,
      boolean prefetch,
      TimeSource time,
      long maxKeys) {
    this.redis = redis;
    this.calls = redis.leases();
    this.selected = selected;
    this.maxLeaseFraction = maxLeaseFraction;
    this.horizon = horizonMicros;
    this.returnAfter = 2 * horizonMicros;
    this.hotThreshold = hotThreshold;
    this.prefetch = prefetch;
    this.time = time;
    this.maxKeys = maxKeys;
  }

  LeasePlan plan(Policy policy) {
    LeasePlan plan = plans.get(policy);
    return plan != null
        ? plan
        : plans.computeIfAbsent(policy, p -> LeasePlan.of(p, selected, maxLeaseFraction));
  }

  /** The keys tracked, across all plans. */
  long size() {
    return keys.get();
  }

  /**
   * Decides locally when it can, else starts (or joins) a lease call, else delegates.
   *
   * @param count whether to count the request in the key's demand (not when it resumes)
   */
  Step step(LeasePlan plan, Policy policy, String key, long cost, boolean count) {
    while (true) {
      LeaseEntry entry = entry(plan, key);
      if (entry == null) {
        return Step.DELEGATED;
      }
      long now = time.nowMicros();
      Lease lease = null;
      CompletableFuture<Void> join = null;
      Decision prefetched = null;
      synchronized (entry) {
        if (entry.removed) {
          continue;
        }
        if (count) {
          entry.record(now, cost);
        }
        if (entry.held >= cost) {
          entry.held -= cost;
          localDecisions.increment();
          Decision allowed = decision(plan, policy, entry, now, true, 0);
          Lease refill = prefetch ? refill(plan, entry, now) : null;
          if (refill == null) {
            return new Step.Decided(allowed);
          }
          lease = refill;
          prefetched = allowed;
        } else if (entry.pending != null) {
          join = entry.pending;
        } else if (entry.starved && now < entry.nextCallAt) {
          localDecisions.increment();
          return new Step.Decided(
              decision(plan, policy, entry, now, false, entry.nextCallAt - now));
        } else {
          boolean hot = entry.demand.requests(now) >= hotThreshold;
          if (!hot && entry.held == 0) {
            return Step.DELEGATED;
          }
          // The lease takes over what the key holds, so that no other request spends it meanwhile.
          long need = cost - entry.held;
          long batch =
              hot ? Math.min(plan.maxLease, (long) Math.ceil(entry.demand.tokens(now))) : 1;
          lease = new Lease(entry, cost, entry.held, need, Math.max(need, batch));
          entry.held = 0;
          entry.pending = new CompletableFuture<>();
        }
      }
      if (prefetched != null) {
        // A failed top-up is counted (tokens lost) and fails its waiters; none waits here.
        var unused = send(plan, policy, lease);
        return new Step.Decided(prefetched);
      }
      if (lease != null) {
        return new Step.Called(send(plan, policy, lease));
      }
      return new Step.Called(
          join.thenCompose(ignored -> resume(plan, policy, key, cost)).toCompletableFuture());
    }
  }

  /** The decision of a step, without blocking: the wrapped backend's for a delegated one. */
  CompletionStage<Decision> decide(Step step, Policy policy, String key, long cost) {
    if (step instanceof Step.Decided decided) {
      return CompletableFuture.completedFuture(decided.decision());
    }
    if (step instanceof Step.Called called) {
      return called.decision();
    }
    delegatedDecisions.increment();
    return redis.tryAcquireAsync(policy, key, cost);
  }

  /**
   * The lease call that tops up a hot key's lease when a local decision has left it at less than a
   * quarter of a batch, so that requests find tokens instead of waiting for a call; {@code null}
   * when no call is due. It asks only for what brings the key back to one batch, so an instance
   * never holds more than B. Called with the entry's monitor held; marks the call as under way.
   */
  private Lease refill(LeasePlan plan, LeaseEntry entry, long now) {
    if (entry.pending != null || entry.starved || entry.demand.requests(now) < hotThreshold) {
      return null;
    }
    long batch = Math.min(plan.maxLease, (long) Math.ceil(entry.demand.tokens(now)));
    if (entry.held * 4 >= batch) {
      return null;
    }
    entry.pending = new CompletableFuture<>();
    return new Lease(entry, 0, 0, 1, batch - entry.held);
  }

  /** A request that waited for another's lease call decides again (without counting twice). */
  private CompletionStage<Decision> resume(LeasePlan plan, Policy policy, String key, long cost) {
    return decide(step(plan, policy, key, cost, false), policy, key, cost);
  }

  private CompletableFuture<Decision> send(LeasePlan plan, Policy policy, Lease lease) {
    leaseCalls.increment();
    return calls
        .call(plan.policy, lease.entry().key, 0, lease.need(), lease.want())
        .handle(
            (reply, error) -> {
              LeaseEntry entry = lease.entry();
              long now = time.nowMicros();
              Decision decision = null;
              CompletableFuture<Void> waiting;
              synchronized (entry) {
                waiting = entry.pending;
                entry.pending = null;
                if (error != null) {
                  entry.held += lease.reserved();
                } else {
                  tokensLeased.add(reply.granted());
                  entry.saw(reply.level(), now);
                  if (reply.granted() > 0) {
                    entry.leasedAt = now;
                  }
                  entry.starved = reply.granted() < lease.want();
                  if (entry.starved) {
                    entry.nextCallAt = now + Math.max(1, reply.waitMicros());
                  }
                  long have = lease.reserved() + reply.granted();
                  if (have >= lease.cost()) {
                    entry.held += have - lease.cost();
                    decision = decision(plan, policy, entry, now, true, 0);
                  } else {
                    entry.held += have;
                    decision =
                        decision(
                            plan, policy, entry, now, false, Math.max(1, entry.nextCallAt - now));
                  }
                }
              }
              if (error != null) {
                tokensLost.add(lease.want());
                waiting.completeExceptionally(error);
                throw RedisErrors.translate(error, redis.timeout());
              }
              waiting.complete(null);
              return decision;
            });
  }

  /**
   * A decision from what this instance knows: its lease, plus the bucket's level at its last call
   * refilled since then, capped at full.
   */
  private static Decision decision(
      LeasePlan plan, Policy policy, LeaseEntry entry, long now, boolean allowed, long retryAfter) {
    long total = Math.min(plan.full, entry.level(plan, now) + entry.held * plan.unit);
    return new Decision(
        policy.name(),
        policy.ids().get(0),
        allowed,
        plan.capacity,
        total / plan.unit,
        retryAfter,
        Maths.ceilDiv(plan.full - total, plan.rate),
        Decision.Source.LEASE);
  }

  /**
   * A peek: the wrapped backend's (exact) for a key with no lease and no local denial in force;
   * otherwise the bucket's level (one call) plus the tokens this instance holds.
   */
  CompletionStage<Decision> peek(LeasePlan plan, Policy policy, String key) {
    LeaseEntry entry = plan == LeasePlan.DELEGATE ? null : plan.entries.get(key);
    long held = 0;
    long deniedFor = 0;
    if (entry != null) {
      long now = time.nowMicros();
      synchronized (entry) {
        held = entry.held;
        deniedFor = entry.starved && now < entry.nextCallAt ? entry.nextCallAt - now : 0;
      }
    }
    if (held == 0 && deniedFor == 0) {
      otherCalls.add(2);
      return redis.peekAsync(policy, key);
    }
    otherCalls.increment();
    long heldTokens = held;
    long denied = deniedFor;
    return calls
        .call(plan.policy, key, 0, 0, 0)
        .thenApply(
            reply -> {
              long total = Math.min(plan.full, reply.level() + heldTokens * plan.unit);
              boolean allowed = heldTokens >= 1 || (denied == 0 && total >= plan.unit);
              long retryAfter =
                  allowed
                      ? 0
                      : denied > 0
                          ? denied
                          : Math.max(1, Maths.ceilDiv(plan.unit - total, plan.rate));
              return new Decision(
                  policy.name(),
                  policy.ids().get(0),
                  allowed,
                  plan.capacity,
                  total / plan.unit,
                  retryAfter,
                  Maths.ceilDiv(plan.full - total, plan.rate),
                  Decision.Source.BACKEND);
            });
  }

  /** Drops this instance's lease and local denial of a key (after a reset in Redis). */
  void forget(LeasePlan plan, String key) {
    LeaseEntry entry = plan == LeasePlan.DELEGATE ? null : plan.entries.get(key);
    if (entry != null) {
      synchronized (entry) {
        entry.held = 0;
        entry.starved = false;
        entry.known = false;
      }
    }
  }

  /**
   * Gives back leases held longer than two lease horizons and forgets keys idle for as long;
   * give-backs are sent without waiting for their answers.
   *
   * @param closed whether the backend is closing (then tokens are counted as lost, not sent)
   */
  void sweep(boolean closed) {
    long now = time.nowMicros();
    for (LeasePlan plan : plans.values()) {
      for (LeaseEntry entry : plan.entries.values()) {
        long tokens = 0;
        synchronized (entry) {
          if (entry.pending != null || entry.removed) {
            continue;
          }
          if (entry.held > 0) {
            if (since(now, entry.leasedAt) >= returnAfter) {
              tokens = entry.held;
              entry.held = 0;
            }
          } else if ((!entry.starved || now >= entry.nextCallAt)
              && since(now, entry.lastSeen) >= returnAfter) {
            entry.removed = true;
            plan.entries.remove(entry.key, entry);
            keys.decrementAndGet();
          }
        }
        if (tokens > 0 && !closed) {
          // The give-back counts its own failure (tokens lost).
          var unused = giveBack(plan, entry, tokens);
        } else if (tokens > 0) {
          tokensLost.add(tokens);
        }
      }
    }
  }

  /** Gives back every lease; the answers complete the returned stages. */
  List<CompletableFuture<Void>> giveBackAll() {
    List<CompletableFuture<Void>> returns = new ArrayList<>();
    for (LeasePlan plan : plans.values()) {
      for (LeaseEntry entry : plan.entries.values()) {
        long tokens;
        synchronized (entry) {
          tokens = entry.held;
          entry.held = 0;
        }
        if (tokens > 0) {
          returns.add(giveBack(plan, entry, tokens));
        }
      }
    }
    return returns;
  }

  private CompletableFuture<Void> giveBack(LeasePlan plan, LeaseEntry entry, long tokens) {
    returnCalls.increment();
    return calls
        .call(plan.policy, entry.key, tokens, 0, 0)
        .handle(
            (reply, error) -> {
              if (error != null) {
                tokensLost.add(tokens);
              } else {
                tokensReturned.add(tokens);
                long now = time.nowMicros();
                synchronized (entry) {
                  entry.saw(reply.level(), now);
                }
              }
              return null;
            });
  }

  private LeaseEntry entry(LeasePlan plan, String key) {
    LeaseEntry entry = plan.entries.get(key);
    if (entry != null) {
      return entry;
    }
    if (keys.get() >= maxKeys) {
      return null;
    }
    LeaseEntry created = new LeaseEntry(key, horizon);
    entry = plan.entries.putIfAbsent(key, created);
    if (entry != null) {
      return entry;
    }
    keys.incrementAndGet();
    return created;
  }

  private static long since(long now, long then) {
    long elapsed = now - then;
    if (now < then) {
      return 0;
    }
    return elapsed < 0 ? Long.MAX_VALUE : elapsed;
  }
}

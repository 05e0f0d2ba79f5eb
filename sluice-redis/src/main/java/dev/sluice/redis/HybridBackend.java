package dev.sluice.redis;

import dev.sluice.Backend;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.StoreException;
import dev.sluice.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * Local + Redis hybrid: an instance spends tokens of a hot key from a lease it took from the shared
 * Redis bucket in one script call, and decides cold keys exactly as Lua mode does.
 *
 * <pre>{@code
 * RedisBackend redis = RedisBackend.builder().uri("redis://127.0.0.1:6379").build();
 * HybridBackend hybrid = HybridBackend.builder(redis).policies(Set.of("api")).build();
 * RateLimiter limiter = RateLimiter.builder().policy(api).backend(hybrid).build();
 * }</pre>
 *
 * <p><b>Which requests lease.</b> Only policies of a single token bucket that the {@linkplain
 * Builder#policies(Predicate) selection} accepts and whose largest lease (capacity x {@linkplain
 * Builder#maxLeaseFraction max lease fraction}, rounded down) is at least 2 tokens; every other
 * policy goes to the wrapped {@link RedisBackend}, unchanged. Within a leasing policy, a key is
 * <i>hot</i> on this instance when it saw at least {@linkplain Builder#hotThreshold hotThreshold}
 * requests in the last {@linkplain Builder#leaseHorizon lease horizon} (a sliding two-window count
 * on the local clock). A request of a key that is not hot and holds no lease goes to the wrapped
 * backend's {@code acquire.lua}: cold keys (one request now and then) get exactly the decisions of
 * Lua mode.
 *
 * <p><b>Leases.</b> A hot key's request that its lease cannot cover makes one call of {@code
 * lease.lua}, which refills the same Redis hash {@code acquire.lua} uses (server clock, exact
 * integer arithmetic), then takes at least what the request still needs and at most a batch: the
 * key's recent local demand over one lease horizon, capped at the largest lease. It answers how
 * many tokens it granted, the level left and when a full batch would be there. Further requests are
 * decided locally from the lease, with no call. When Redis could not fill the batch, the key is
 * <i>starved</i>: requests that the lease cannot cover are denied locally until a full batch would
 * be back ({@code retryAfter} says when), so that a key demanded far above its rate costs about one
 * call per batch instead of one per request. Tokens held longer than two lease horizons (an idle or
 * slowed key) are given back by a sweep, added to the bucket capped at its capacity; so are all
 * tokens on {@link #close()}. Requests of one key that arrive while its lease call is in flight
 * wait for that call instead of making their own.
 *
 * <p><b>Error.</b> Leased tokens have left the shared bucket, so the fleet never admits more than
 * the bucket hands out: from a fresh (or idle) key, at most {@code capacity + rate x elapsed}, as
 * in Lua mode. In a window that starts while leases are out, the fleet can admit at most the tokens
 * then held on top ({@code <= instances x batch}). It admits less than an exact limiter by at most
 * the tokens idle in leases plus what a starved bucket gathers before the next lease call ({@code
 * <= (instances + 1) x batch + rate x call latency}), and by the tokens of failed calls and of
 * crashed instances. {@code docs/design-decisions.md} states this in full.
 *
 * <p><b>Decisions.</b> A decision made from a lease has {@code remaining} = the tokens this
 * instance holds plus the bucket's level at its last Redis call, refilled since by the local clock,
 * capped at the capacity (other instances' spending since that call is not seen), and {@code
 * resetAfter} = the time that bucket would take to be full. A local denial's {@code retryAfter} is
 * the time until this instance will next ask Redis: never earlier than a request could be admitted
 * here. Every decision has the source {@link Decision.Source#STORE}: leased tokens are the store's.
 *
 * <p>Failure semantics are the wrapped backend's: every call has its deadline, and a failed or late
 * call fails the requests waiting for it ({@link StoreException} from {@link #tryAcquire}); its
 * tokens are counted as lost. {@code tryAcquire} waits at most the deadline, and only when a call
 * is needed; {@code tryAcquireAsync} never blocks (a decision holds one key's monitor for a few
 * field updates, never across a call), so it may run on an event loop.
 *
 * <p>Thread-safe, without a global lock: each key has its own small lock. The wrapped backend must
 * be in {@link RedisBackend.Mode#LUA} mode; it is closed with this backend.
 */
public final class HybridBackend implements Backend {

  private static final Script LEASE = Script.load("/dev/sluice/redis/lease.lua");

  /** The plan of a policy that is not leased: everything goes to the wrapped backend. */
  private static final Plan DELEGATE = new Plan();

  private final RedisBackend redis;
  private final Predicate<Policy> selected;
  private final long horizon;
  private final long returnAfter;
  private final double maxLeaseFraction;
  private final int hotThreshold;
  private final boolean prefetch;
  private final TimeSource time;
  private final long maxKeys;
  private final Duration timeout;
  private final String ttlArgument;
  private final ScheduledExecutorService sweeper;
  private final Map<Policy, Plan> plans = new ConcurrentHashMap<>();
  private final AtomicLong keys = new AtomicLong();
  private volatile boolean closed;

  private final LongAdder decisions = new LongAdder();
  private final LongAdder localDecisions = new LongAdder();
  private final LongAdder delegatedDecisions = new LongAdder();
  private final LongAdder leaseCalls = new LongAdder();
  private final LongAdder returnCalls = new LongAdder();
  private final LongAdder otherCalls = new LongAdder();
  private final LongAdder tokensLeased = new LongAdder();
  private final LongAdder tokensReturned = new LongAdder();
  private final LongAdder tokensLost = new LongAdder();

  private HybridBackend(Builder b) {
    this.redis = b.redis;
    this.selected = b.selected;
    this.horizon = b.leaseHorizon.toNanos() / 1_000;
    this.returnAfter = 2 * horizon;
    this.maxLeaseFraction = b.maxLeaseFraction;
    this.hotThreshold = b.hotThreshold;
    this.prefetch = b.prefetch;
    this.time = b.time;
    this.maxKeys = b.maxKeys;
    this.timeout = redis.timeout();
    this.ttlArgument = Long.toString(redis.minimumTtlMillis());
    if (b.sweepInterval.isZero()) {
      this.sweeper = null;
    } else {
      this.sweeper =
          Executors.newSingleThreadScheduledExecutor(
              task -> {
                Thread thread = new Thread(task, "sluice-hybrid-sweeper");
                thread.setDaemon(true);
                return thread;
              });
      long every = b.sweepInterval.toNanos() / 1_000;
      sweeper.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MICROSECONDS);
    }
  }

  /**
   * A builder around a Redis backend in Lua mode, which this backend then owns (and closes).
   *
   * @param redis the Redis backend that holds the buckets and decides what is not leased
   * @return a new builder
   * @throws IllegalArgumentException if {@code redis} is null or not in {@link
   *     RedisBackend.Mode#LUA}
   */
  public static Builder builder(RedisBackend redis) {
    return new Builder(redis);
  }

  @Override
  public Decision tryAcquire(Policy policy, String key, long cost) {
    decisions.increment();
    Plan plan = plan(policy);
    Object step = plan == DELEGATE ? null : step(plan, policy, key, cost, true);
    if (step == null) {
      delegatedDecisions.increment();
      return redis.tryAcquire(policy, key, cost);
    }
    if (step instanceof Decision decision) {
      return decision;
    }
    return await(stage(step));
  }

  @Override
  public CompletionStage<Decision> tryAcquireAsync(Policy policy, String key, long cost) {
    decisions.increment();
    Object step;
    try {
      Plan plan = plan(policy);
      step = plan == DELEGATE ? null : step(plan, policy, key, cost, true);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (step == null) {
      delegatedDecisions.increment();
      return redis.tryAcquireAsync(policy, key, cost);
    }
    if (step instanceof Decision decision) {
      return CompletableFuture.completedFuture(decision);
    }
    return stage(step);
  }

  /**
   * {@inheritDoc}
   *
   * <p>For a key with no lease and no local denial in force, this is the wrapped backend's peek
   * (exact). Otherwise it reads the bucket's level (one call) and adds the tokens this instance
   * holds; a request of cost 1 is allowed if the lease holds one, or if no local denial is in force
   * and the bucket has one.
   */
  @Override
  public Decision peek(Policy policy, String key) {
    Plan plan = plan(policy);
    Entry entry = plan == DELEGATE ? null : plan.entries.get(key);
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
      return redis.peek(policy, key);
    }
    otherCalls.increment();
    List<Long> reply = await(call(plan, key, 0, 0, 0));
    long total = Math.min(plan.full, reply.get(1) + held * plan.unit);
    boolean allowed = held >= 1 || (deniedFor == 0 && total >= plan.unit);
    long retryAfter =
        allowed
            ? 0
            : deniedFor > 0 ? deniedFor : Math.max(1, ceilDiv(plan.unit - total, plan.rate));
    return new Decision(
        policy.name(),
        policy.ids().get(0),
        allowed,
        plan.capacity,
        total / plan.unit,
        retryAfter,
        ceilDiv(plan.full - total, plan.rate),
        Decision.Source.STORE);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Deletes the bucket in Redis and drops this instance's lease and local denial of the key.
   * Leases other instances hold are spent or given back as usual (a give-back to a fresh bucket is
   * capped at its capacity). Like Lua mode's reset, it is not atomic with requests in flight.
   */
  @Override
  public void reset(Policy policy, String key) {
    otherCalls.increment();
    redis.reset(policy, key);
    Plan plan = plan(policy);
    Entry entry = plan == DELEGATE ? null : plan.entries.get(key);
    if (entry != null) {
      synchronized (entry) {
        entry.held = 0;
        entry.starved = false;
        entry.known = false;
      }
    }
  }

  /**
   * Gives back the tokens of leases held longer than two lease horizons and forgets keys idle for
   * as long; what the background sweep does every {@link Builder#sweepInterval}. Safe to call from
   * any thread; give-backs are sent without waiting for their answers.
   */
  public void cleanUp() {
    sweep();
  }

  /**
   * Counters of this backend's work since it was built.
   *
   * @return a snapshot
   */
  public Stats stats() {
    return new Stats(
        decisions.sum(),
        localDecisions.sum(),
        delegatedDecisions.sum(),
        leaseCalls.sum(),
        returnCalls.sum(),
        otherCalls.sum(),
        tokensLeased.sum(),
        tokensReturned.sum(),
        tokensLost.sum());
  }

  /**
   * The calls this backend made to Redis since it was built: {@link Stats#redisCalls()}.
   *
   * @return the number of calls
   */
  public long redisCalls() {
    return stats().redisCalls();
  }

  /**
   * The keys tracked locally (hot or recently seen), across all leasing policies.
   *
   * @return the number of keys
   */
  public long size() {
    return keys.get();
  }

  /**
   * Gives back every lease (waiting up to the deadline for the answers), stops the sweep and closes
   * the wrapped backend.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (sweeper != null) {
      sweeper.shutdownNow();
    }
    List<CompletableFuture<Void>> returns = new ArrayList<>();
    for (Plan plan : plans.values()) {
      for (Entry entry : plan.entries.values()) {
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
    try {
      CompletableFuture.allOf(returns.toArray(CompletableFuture[]::new))
          .get(timeout.toNanos() * 2, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // Counted as lost by giveBack; closing goes on.
    }
    redis.close();
  }

  // ---- Deciding

  /**
   * Decides locally when it can. Returns a {@link Decision}; or a {@code
   * CompletableFuture<Decision>} when a lease call decides; or {@code null} when the wrapped
   * backend must decide (a key that is not hot and holds no lease, or one more key than {@code
   * maxKeys}).
   */
  private Object step(Plan plan, Policy policy, String key, long cost, boolean count) {
    while (true) {
      Entry entry = entry(plan, key);
      if (entry == null) {
        return null;
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
          record(entry, now, cost);
        }
        if (entry.held >= cost) {
          entry.held -= cost;
          localDecisions.increment();
          Decision allowed = decision(plan, policy, entry, now, true, 0);
          Lease refill = prefetch ? refill(plan, entry, now) : null;
          if (refill == null) {
            return allowed;
          }
          lease = refill;
          join = CompletableFuture.completedFuture(null);
          prefetched = allowed;
        }
        if (entry.pending != null) {
          join = entry.pending;
        } else if (entry.starved && now < entry.nextCallAt) {
          localDecisions.increment();
          return decision(plan, policy, entry, now, false, entry.nextCallAt - now);
        } else {
          boolean hot =
              estimate(entry, now, entry.requests, entry.previousRequests) >= hotThreshold;
          if (!hot && entry.held == 0) {
            return null;
          }
          // The lease takes over what the key holds, so that no other request spends it meanwhile.
          long need = cost - entry.held;
          long batch =
              hot
                  ? Math.min(
                      plan.maxLease,
                      (long) Math.ceil(estimate(entry, now, entry.tokens, entry.previousTokens)))
                  : 1;
          lease = new Lease(entry, cost, entry.held, need, Math.max(need, batch));
          entry.held = 0;
          entry.pending = new CompletableFuture<>();
        }
      }
      if (prefetched != null) {
        send(plan, policy, lease);
        return prefetched;
      }
      if (lease != null) {
        return send(plan, policy, lease);
      }
      return deadline(join.thenCompose(ignored -> resume(plan, policy, key, cost)));
    }
  }

  /**
   * The lease call that tops up a hot key's lease when a local decision has left it at less than a
   * quarter of a batch, so that requests find tokens instead of waiting for a call; {@code null}
   * when no call is due (one is under way, the key is starved or not hot, or it holds enough). The
   * lease asks only for what brings the key back to one batch, so an instance never holds more than
   * B. Called with the entry's monitor held; marks the call as under way.
   */
  private Lease refill(Plan plan, Entry entry, long now) {
    if (entry.pending != null
        || entry.starved
        || estimate(entry, now, entry.requests, entry.previousRequests) < hotThreshold) {
      return null;
    }
    long batch =
        Math.min(
            plan.maxLease,
            (long) Math.ceil(estimate(entry, now, entry.tokens, entry.previousTokens)));
    if (entry.held * 4 >= batch) {
      return null;
    }
    entry.pending = new CompletableFuture<>();
    return new Lease(entry, 0, 0, 1, batch - entry.held);
  }

  /** A request that waited for another's lease call decides again (without counting twice). */
  private CompletionStage<Decision> resume(Plan plan, Policy policy, String key, long cost) {
    Object step = step(plan, policy, key, cost, false);
    if (step == null) {
      delegatedDecisions.increment();
      return redis.tryAcquireAsync(policy, key, cost);
    }
    if (step instanceof Decision decision) {
      return CompletableFuture.completedFuture(decision);
    }
    return stage(step);
  }

  private CompletableFuture<Decision> send(Plan plan, Policy policy, Lease lease) {
    leaseCalls.increment();
    CompletableFuture<Decision> result = new CompletableFuture<>();
    call(plan, lease.entry.key, 0, lease.need, lease.want)
        .whenComplete(
            (reply, error) -> {
              Entry entry = lease.entry;
              long now = time.nowMicros();
              Decision decision = null;
              CompletableFuture<Void> waiting;
              synchronized (entry) {
                waiting = entry.pending;
                entry.pending = null;
                if (error != null) {
                  entry.held += lease.reserved;
                } else {
                  long granted = reply.get(0);
                  tokensLeased.add(granted);
                  entry.level = reply.get(1);
                  entry.levelAt = now;
                  entry.known = true;
                  if (granted > 0) {
                    entry.leasedAt = now;
                  }
                  entry.starved = granted < lease.want;
                  if (entry.starved) {
                    entry.nextCallAt = now + Math.max(1, reply.get(2));
                  }
                  long have = lease.reserved + granted;
                  if (have >= lease.cost) {
                    entry.held += have - lease.cost;
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
                tokensLost.add(lease.want);
                waiting.completeExceptionally(error);
                result.completeExceptionally(error);
              } else {
                waiting.complete(null);
                result.complete(decision);
              }
            });
    return result;
  }

  /**
   * A decision from what this instance knows: its lease, plus the bucket's level at its last call
   * refilled since then, capped at full.
   */
  private static Decision decision(
      Plan plan, Policy policy, Entry entry, long now, boolean allowed, long retryAfter) {
    long total = Math.min(plan.full, level(plan, entry, now) + entry.held * plan.unit);
    return new Decision(
        policy.name(),
        policy.ids().get(0),
        allowed,
        plan.capacity,
        total / plan.unit,
        retryAfter,
        ceilDiv(plan.full - total, plan.rate),
        Decision.Source.LEASE);
  }

  private static long level(Plan plan, Entry entry, long now) {
    if (!entry.known) {
      return 0;
    }
    long elapsed = now - entry.levelAt;
    if (now <= entry.levelAt) {
      return entry.level;
    }
    if (elapsed < 0 || elapsed >= ceilDiv(plan.full - entry.level, plan.rate)) {
      return plan.full;
    }
    return entry.level + elapsed * plan.rate;
  }

  /** Counts a request in the key's demand: two windows of one lease horizon each. */
  private void record(Entry entry, long now, long cost) {
    roll(entry, now);
    entry.requests++;
    entry.tokens += cost;
    entry.lastSeen = now;
  }

  private void roll(Entry entry, long now) {
    if (!entry.started) {
      entry.started = true;
      entry.windowStart = now;
      return;
    }
    long into = now - entry.windowStart;
    if (now < entry.windowStart || (into >= 0 && into < horizon)) {
      return; // still in the window (time that went back counts in it)
    }
    boolean adjacent = into >= 0 && into < 2 * horizon;
    entry.previousRequests = adjacent ? entry.requests : 0;
    entry.previousTokens = adjacent ? entry.tokens : 0;
    entry.requests = 0;
    entry.tokens = 0;
    entry.windowStart = into >= 0 ? now - into % horizon : now;
  }

  /** The count of the current window plus the previous one's weighted by its overlap. */
  private double estimate(Entry entry, long now, long current, long previous) {
    roll(entry, now);
    long into = Math.max(0, Math.min(horizon, now - entry.windowStart));
    return current + (double) previous * (horizon - into) / horizon;
  }

  // ---- Redis

  /**
   * One call of the lease script: give back {@code back}, then take from {@code least} to {@code
   * most}.
   */
  private CompletableFuture<List<Long>> call(
      Plan plan, String key, long back, long least, long most) {
    String[] args = {
      redis.nowArgument(),
      Long.toString(back),
      Long.toString(least),
      Long.toString(most),
      ttlArgument,
      plan.fullArgument,
      plan.rateArgument,
      plan.unitArgument
    };
    String[] redisKey = {Keys.of(redis.keyPrefix(), plan.policy, key)[0]};
    return LEASE
        .run(redis.commands(), redisKey, args)
        .toCompletableFuture()
        .orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private CompletableFuture<Void> giveBack(Plan plan, Entry entry, long tokens) {
    returnCalls.increment();
    return call(plan, entry.key, tokens, 0, 0)
        .handle(
            (reply, error) -> {
              if (error != null) {
                tokensLost.add(tokens);
              } else {
                tokensReturned.add(tokens);
                long now = time.nowMicros();
                synchronized (entry) {
                  entry.level = reply.get(1);
                  entry.levelAt = now;
                  entry.known = true;
                }
              }
              return null;
            });
  }

  private void sweep() {
    try {
      long now = time.nowMicros();
      for (Plan plan : plans.values()) {
        for (Entry entry : plan.entries.values()) {
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
            giveBack(plan, entry, tokens);
          } else if (tokens > 0) {
            tokensLost.add(tokens);
          }
        }
      }
    } catch (RuntimeException e) {
      // A sweep must never stop the next one; the store call failures are counted where they
      // happen.
    }
  }

  private static long since(long now, long then) {
    long elapsed = now - then;
    if (now < then) {
      return 0;
    }
    return elapsed < 0 ? Long.MAX_VALUE : elapsed;
  }

  // ---- Keys and policies

  private Plan plan(Policy policy) {
    Plan plan = plans.get(policy);
    return plan != null ? plan : plans.computeIfAbsent(policy, this::planOf);
  }

  private Plan planOf(Policy policy) {
    if (policy.limits().size() != 1
        || !(policy.limits().get(0) instanceof Limit.TokenBucket bucket)) {
      return DELEGATE;
    }
    long maxLease = (long) Math.floor(bucket.capacity() * maxLeaseFraction);
    if (maxLease < 2 || !selected.test(policy)) {
      return DELEGATE;
    }
    long[] parameters = policy.models().get(0).parameters();
    return new Plan(
        policy, bucket.capacity(), parameters[0], parameters[1], parameters[2], maxLease);
  }

  private Entry entry(Plan plan, String key) {
    Entry entry = plan.entries.get(key);
    if (entry != null) {
      return entry;
    }
    if (keys.get() >= maxKeys) {
      return null;
    }
    Entry created = new Entry(key);
    entry = plan.entries.putIfAbsent(key, created);
    if (entry != null) {
      return entry;
    }
    keys.incrementAndGet();
    return created;
  }

  // ---- Deadlines

  @SuppressWarnings("unchecked")
  private static CompletableFuture<Decision> stage(Object step) {
    return (CompletableFuture<Decision>) step;
  }

  private <T> CompletableFuture<T> deadline(CompletableFuture<T> future) {
    return future.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while waiting for Redis", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof StoreException store) {
        throw store;
      }
      if (cause instanceof TimeoutException) {
        throw new StoreException(
            "Redis did not answer within " + timeout.toMillis() + " ms", cause);
      }
      throw new StoreException("Redis failed: " + cause.getMessage(), cause);
    }
  }

  private static long ceilDiv(long a, long b) {
    long q = a / b;
    return q * b == a ? q : q + 1;
  }

  // ---- State

  /** A leasing policy: its bucket's arithmetic and its keys. */
  private static final class Plan {
    final Policy policy;
    final long capacity;

    /** Units when full, units per microsecond, units per token: the model's parameters. */
    final long full;

    final long rate;
    final long unit;
    final long maxLease;
    final String fullArgument;
    final String rateArgument;
    final String unitArgument;
    final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    Plan() {
      this(null, 0, 0, 1, 1, 0);
    }

    Plan(Policy policy, long capacity, long full, long rate, long unit, long maxLease) {
      this.policy = policy;
      this.capacity = capacity;
      this.full = full;
      this.rate = rate;
      this.unit = unit;
      this.maxLease = maxLease;
      this.fullArgument = Long.toString(full);
      this.rateArgument = Long.toString(rate);
      this.unitArgument = Long.toString(unit);
    }
  }

  /** One key on this instance; every field is guarded by the entry's monitor. */
  private static final class Entry {
    final String key;
    boolean removed;

    /** Tokens leased and not yet spent. */
    long held;

    /** Local time of the last grant. */
    long leasedAt;

    /** Redis could not fill the last batch: no call before {@code nextCallAt}. */
    boolean starved;

    long nextCallAt;

    /** The bucket's level (units) as the last call left it, at local time {@code levelAt}. */
    boolean known;

    long level;
    long levelAt;

    /** Completed when the lease call in flight has answered; null when none is. */
    CompletableFuture<Void> pending;

    /**
     * Demand: requests and tokens asked in the current and previous windows of one lease horizon.
     */
    boolean started;

    long windowStart;
    long requests;
    long previousRequests;
    long tokens;
    long previousTokens;
    long lastSeen;

    Entry(String key) {
      this.key = key;
    }
  }

  /** A lease call in flight for one request. */
  private static final class Lease {
    final Entry entry;
    final long cost;

    /** Tokens the key held when the call was made, set aside for this request. */
    final long reserved;

    final long need;
    final long want;

    Lease(Entry entry, long cost, long reserved, long need, long want) {
      this.entry = entry;
      this.cost = cost;
      this.reserved = reserved;
      this.need = need;
      this.want = want;
    }
  }

  /**
   * What a hybrid backend did since it was built.
   *
   * @param decisions requests decided (every policy, failed ones included)
   * @param localDecisions requests decided from a lease or a local denial, with no call
   * @param delegatedDecisions requests decided by the wrapped backend (one {@code acquire.lua} call
   *     each)
   * @param leaseCalls calls of the lease script that took tokens (each also decides one request)
   * @param returnCalls calls of the lease script that gave tokens back
   * @param otherCalls calls for peeks and resets
   * @param tokensLeased tokens granted by lease calls
   * @param tokensReturned tokens given back
   * @param tokensLost tokens that may be lost: the batch asked by a lease call, or the tokens of a
   *     give-back, that failed or missed its deadline (Redis may or may not have run it)
   */
  public record Stats(
      long decisions,
      long localDecisions,
      long delegatedDecisions,
      long leaseCalls,
      long returnCalls,
      long otherCalls,
      long tokensLeased,
      long tokensReturned,
      long tokensLost) {

    /**
     * Every call made to Redis: delegated decisions, lease and return calls, peeks and resets.
     *
     * @return the number of calls
     */
    public long redisCalls() {
      return delegatedDecisions + leaseCalls + returnCalls + otherCalls;
    }
  }

  /** Builds a {@link HybridBackend}; each setter validates its argument. Not thread-safe. */
  public static final class Builder {
    private final RedisBackend redis;
    private Predicate<Policy> selected = policy -> true;
    private Duration leaseHorizon = Duration.ofMillis(200);
    private double maxLeaseFraction = 0.05;
    private int hotThreshold = 4;
    private boolean prefetch = true;
    private Duration sweepInterval = Duration.ofMillis(50);
    private TimeSource time = TimeSource.system();
    private long maxKeys = 100_000;

    private Builder(RedisBackend redis) {
      if (redis == null) {
        throw new IllegalArgumentException("redis must not be null");
      }
      if (redis.mode() != RedisBackend.Mode.LUA) {
        throw new IllegalArgumentException(
            "redis must be in LUA mode (leases are taken by a script): " + redis.mode());
      }
      this.redis = redis;
    }

    /**
     * The policies that may lease, by name; by default every policy that can (one token bucket
     * whose largest lease is at least 2 tokens). Others always go to the wrapped backend.
     *
     * @param names the policy names
     * @return this builder
     * @throws IllegalArgumentException if null
     */
    public Builder policies(Set<String> names) {
      if (names == null) {
        throw new IllegalArgumentException("policies must not be null");
      }
      Set<String> copy = Set.copyOf(names);
      this.selected = policy -> copy.contains(policy.name());
      return this;
    }

    /**
     * The policies that may lease, chosen by a predicate evaluated once per policy; by default
     * every policy that can.
     *
     * @param selected the selection
     * @return this builder
     * @throws IllegalArgumentException if null
     */
    public Builder policies(Predicate<Policy> selected) {
      if (selected == null) {
        throw new IllegalArgumentException("policies must not be null");
      }
      this.selected = selected;
      return this;
    }

    /**
     * How much of a hot key's recent local demand one lease covers, and the window over which
     * demand is counted; 200 ms by default. Leases unspent after twice this are given back. A key
     * below the largest lease makes about one call per horizon: longer means fewer calls, and
     * slower to notice a change of demand.
     *
     * @param leaseHorizon from 1 ms to 10 s, whole microseconds
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder leaseHorizon(Duration leaseHorizon) {
      if (leaseHorizon == null
          || leaseHorizon.compareTo(Duration.ofMillis(1)) < 0
          || leaseHorizon.compareTo(Duration.ofSeconds(10)) > 0
          || leaseHorizon.getNano() % 1_000 != 0) {
        throw new IllegalArgumentException(
            "leaseHorizon must be between 1 ms and 10 s in whole microseconds: " + leaseHorizon);
      }
      this.leaseHorizon = leaseHorizon;
      return this;
    }

    /**
     * The largest lease, as a fraction of the bucket's capacity (rounded down to whole tokens);
     * 0.05 by default. It bounds the error: see the class comment. A policy whose largest lease
     * would be under 2 tokens never leases.
     *
     * @param maxLeaseFraction above 0 and at most 1
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder maxLeaseFraction(double maxLeaseFraction) {
      if (!(maxLeaseFraction > 0 && maxLeaseFraction <= 1)) {
        throw new IllegalArgumentException(
            "maxLeaseFraction must be above 0 and at most 1: " + maxLeaseFraction);
      }
      this.maxLeaseFraction = maxLeaseFraction;
      return this;
    }

    /**
     * The requests per lease horizon on this instance from which a key is hot and leases; 4 by
     * default. Below it, a key is decided by the wrapped backend exactly as in Lua mode.
     *
     * @param hotThreshold from 1 to 1,000,000
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder hotThreshold(int hotThreshold) {
      if (hotThreshold < 1 || hotThreshold > 1_000_000) {
        throw new IllegalArgumentException(
            "hotThreshold must be between 1 and 1000000: " + hotThreshold);
      }
      this.hotThreshold = hotThreshold;
      return this;
    }

    /**
     * Whether a hot key's lease is topped up in the background when a local decision leaves it at
     * less than a quarter of a batch, so that requests seldom wait for a lease call; on by default.
     * Off, a request that finds the lease empty makes (or waits for) the call itself.
     *
     * @param prefetch true to top up leases ahead of need
     * @return this builder
     */
    public Builder prefetch(boolean prefetch) {
      this.prefetch = prefetch;
      return this;
    }

    /**
     * How often a background thread gives back old leases and forgets idle keys; 50 ms by default.
     * {@link Duration#ZERO} starts no thread: then only {@link HybridBackend#cleanUp()} does it.
     *
     * @param sweepInterval zero, or from 1 ms to 10 s
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder sweepInterval(Duration sweepInterval) {
      if (sweepInterval == null
          || (!sweepInterval.isZero()
              && (sweepInterval.compareTo(Duration.ofMillis(1)) < 0
                  || sweepInterval.compareTo(Duration.ofSeconds(10)) > 0))) {
        throw new IllegalArgumentException(
            "sweepInterval must be 0 or between 1 ms and 10 s: " + sweepInterval);
      }
      this.sweepInterval = sweepInterval;
      return this;
    }

    /**
     * The local clock: for demand, the age of leases and local denials (never for the bucket, which
     * runs on the wrapped backend's clock); {@link TimeSource#system()} by default.
     *
     * @param time the clock
     * @return this builder
     * @throws IllegalArgumentException if null
     */
    public Builder timeSource(TimeSource time) {
      if (time == null) {
        throw new IllegalArgumentException("timeSource must not be null");
      }
      this.time = time;
      return this;
    }

    /**
     * The most keys tracked locally; 100,000 by default. Beyond it, new keys are decided by the
     * wrapped backend until the sweep has forgotten idle ones.
     *
     * @param maxKeys from 1 to 2^31
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder maxKeys(long maxKeys) {
      if (maxKeys < 1 || maxKeys > (1L << 31)) {
        throw new IllegalArgumentException(
            "maxKeys must be between 1 and " + (1L << 31) + ": " + maxKeys);
      }
      this.maxKeys = maxKeys;
      return this;
    }

    /**
     * Builds the backend (and starts its sweep, unless disabled).
     *
     * @return the backend
     */
    public HybridBackend build() {
      return new HybridBackend(this);
    }
  }

  @Override
  public String toString() {
    return "HybridBackend[horizon="
        + horizon
        + "us, maxLeaseFraction="
        + maxLeaseFraction
        + ", hotThreshold="
        + hotThreshold
        + ", "
        + Objects.toString(stats())
        + "]";
  }
}

package dev.sluice.redis;

import dev.sluice.Acquire;
import dev.sluice.Backend;
import dev.sluice.BackendException;
import dev.sluice.Decision;
import dev.sluice.Durations;
import dev.sluice.Policy;
import dev.sluice.TimeSource;
import dev.sluice.internal.Checks;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * here. Every decision has the source {@link Decision.Source#BACKEND}: leased tokens are the
 * store's.
 *
 * <p>Failure semantics are the wrapped backend's: every call has its deadline, and a failed or late
 * call fails the requests waiting for it ({@link BackendException}); its tokens are counted as
 * lost. {@code tryAcquire} waits at most the deadline, and only when a call is needed; {@code
 * tryAcquireAsync} never blocks (a decision holds one key's monitor for a few field updates, never
 * across a call), so it may run on an event loop.
 *
 * <p>Thread-safe, without a global lock: each key has its own small lock. The wrapped backend must
 * be in {@link RedisBackend.Mode#LUA} mode; it is closed with this backend.
 */
public final class HybridBackend implements Backend {

  private final RedisBackend redis;
  private final Leasing leasing;
  private final long horizon;
  private final double maxLeaseFraction;
  private final int hotThreshold;
  private final Duration timeout;
  private final LeaseSweeper sweeper;
  private final LongAdder decisions = new LongAdder();
  private volatile boolean closed;

  private HybridBackend(Builder b) {
    this.redis = b.redis;
    this.horizon = b.leaseHorizon.toNanos() / 1_000;
    this.maxLeaseFraction = b.maxLeaseFraction;
    this.hotThreshold = b.hotThreshold;
    this.timeout = redis.timeout();
    this.leasing =
        new Leasing(
            redis,
            b.selected,
            b.maxLeaseFraction,
            horizon,
            b.hotThreshold,
            b.prefetch,
            b.time,
            b.maxKeys);
    this.sweeper = new LeaseSweeper(this::sweep, b.sweepInterval);
  }

  /**
   * A builder around a Redis backend in Lua mode, which this backend then owns (and closes).
   *
   * @param redis the Redis backend that holds the buckets and decides what is not leased
   * @return a new builder
   * @throws IllegalArgumentException if {@code redis} is not in {@link RedisBackend.Mode#LUA}
   */
  public static Builder builder(RedisBackend redis) {
    return new Builder(redis);
  }

  @Override
  public CompletionStage<Decision> tryAcquireAsync(Policy policy, String key, long cost) {
    decisions.increment();
    Step step;
    try {
      LeasePlan plan = leasing.plan(policy);
      step =
          plan == LeasePlan.DELEGATE ? Step.DELEGATED : leasing.step(plan, policy, key, cost, true);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return leasing.decide(step, policy, key, cost);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Batches are decided by Redis, exactly, never from leases: tokens this instance holds in a
   * lease of one of the keys have left the shared bucket and are not counted for the batch (which
   * can only make it stricter).
   */
  @Override
  public CompletionStage<List<Decision>> tryAcquireAllAsync(List<Acquire> requests) {
    decisions.add(requests.size());
    return redis.tryAcquireAllAsync(requests);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The tokens go back to the shared bucket in Redis, whichever lease the request spent.
   */
  @Override
  public CompletionStage<Decision> refundAsync(Policy policy, String key, long cost) {
    return redis.refundAsync(policy, key, cost);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Concurrency limits are never leased: their permits live in Redis, and the release goes
   * there.
   */
  @Override
  public CompletionStage<Void> releaseAsync(Policy policy, String key, String permit) {
    return redis.releaseAsync(policy, key, permit);
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
  public CompletionStage<Decision> peekAsync(Policy policy, String key) {
    return leasing.peek(leasing.plan(policy), policy, key);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Deletes the bucket in Redis and drops this instance's lease and local denial of the key.
   * Leases other instances hold are spent or given back as usual (a give-back to a fresh bucket is
   * capped at its capacity). Like Lua mode's reset, it is not atomic with requests in flight.
   */
  @Override
  public CompletionStage<Void> resetAsync(Policy policy, String key) {
    leasing.otherCalls.increment();
    return redis.resetAsync(policy, key).thenRun(() -> leasing.forget(leasing.plan(policy), key));
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
  public HybridStats stats() {
    return new HybridStats(
        decisions.sum(),
        leasing.localDecisions.sum(),
        leasing.delegatedDecisions.sum(),
        leasing.leaseCalls.sum(),
        leasing.returnCalls.sum(),
        leasing.otherCalls.sum(),
        leasing.tokensLeased.sum(),
        leasing.tokensReturned.sum(),
        leasing.tokensLost.sum());
  }

  /**
   * The calls this backend made to Redis since it was built: {@link HybridStats#redisCalls()}.
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
    return leasing.size();
  }

  /**
   * Gives back every lease (waiting up to twice the deadline for the answers), stops the sweep and
   * closes the wrapped backend.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    sweeper.stop();
    List<CompletableFuture<Void>> returns = leasing.giveBackAll();
    try {
      CompletableFuture.allOf(returns.toArray(CompletableFuture[]::new))
          .get(timeout.toNanos() * 2, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // Counted as lost by the give-back; closing goes on.
    }
    redis.close();
  }

  private void sweep() {
    try {
      leasing.sweep(closed);
    } catch (RuntimeException e) {
      // A sweep must never stop the next one; the store call failures are counted where they
      // happen.
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
      Checks.notNull("redis", redis);
      if (redis.mode() != RedisBackend.Mode.LUA) {
        throw Checks.fail("redis", "be in LUA mode (leases are taken by a script)", redis.mode());
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
      Set<String> copy = Set.copyOf(Checks.notNull("policies", names));
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
      this.selected = Checks.notNull("policies", selected);
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
      Checks.micros("leaseHorizon", leaseHorizon, Duration.ofMillis(1), Duration.ofSeconds(10));
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
        throw Checks.fail("maxLeaseFraction", "be above 0 and at most 1", maxLeaseFraction);
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
      this.hotThreshold = (int) Checks.range("hotThreshold", hotThreshold, 1, 1_000_000);
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
      Checks.notNull("sweepInterval", sweepInterval);
      if (!sweepInterval.isZero()
          && (sweepInterval.compareTo(Duration.ofMillis(1)) < 0
              || sweepInterval.compareTo(Duration.ofSeconds(10)) > 0)) {
        throw Checks.fail(
            "sweepInterval", "be 0 or between 1ms and 10s", Durations.format(sweepInterval));
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
      this.time = Checks.notNull("timeSource", time);
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
      this.maxKeys = Checks.range("maxKeys", maxKeys, 1, 1L << 31);
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

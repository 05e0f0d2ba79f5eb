package dev.sluice;

import dev.sluice.internal.Checks;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Puts a deadline, a failure policy, a circuit breaker and a local deny cache in front of a store
 * (typically Redis), so that a slow or absent store never makes the rate limiter the outage.
 *
 * <ul>
 *   <li><b>Deadline.</b> Every decision is answered within its deadline (50 ms by default, per
 *       policy if set), or twice that while a late store is given a second chance (below), whatever
 *       the store does: slow, paused, refusing connections, failing over.
 *   <li><b>Failure policy.</b> When the store fails, or the circuit is open, the policy's {@link
 *       OnFailure} answers: {@code ALLOW}, {@code DENY}, or {@code LOCAL} (an in-memory limiter
 *       with each limit scaled to this instance's share: 1 / {@link Builder#instances instances},
 *       or {@link Builder#localShare}). The decision's {@link Decision#source()} says it was a
 *       fallback, and why.
 *   <li><b>Late is not down.</b> A call that misses its deadline while the circuit is closed gets
 *       one more deadline for the store's own (exact) answer: the store is probably slow rather
 *       than gone (a cold start, a loaded machine). If it misses that too, it is denied ({@link
 *       Decision.Source#FALLBACK_TIMEOUT}), unless the policy is {@code ALLOW}: the call may still
 *       be carried out, so admitting it locally too could exceed the limit. A slow store therefore
 *       costs some latency (at most twice the deadline) and some denials, never an over-admission.
 *   <li><b>Circuit breaker.</b> Once {@code failures} calls in a row have failed over at least
 *       {@code openAfter} (500 ms by default; a burst of late calls does not count as an outage),
 *       the store is not called for a back-off (doubling up to a maximum), then one probe goes
 *       through; meanwhile fallbacks come at in-memory speed. A successful probe closes it again;
 *       no restart is needed.
 *   <li><b>Deny cache.</b> A key the store denied with retry time {@code t} is denied locally for
 *       the same or a larger cost until {@code t}, so a flood from one client costs the store one
 *       call per instance per retry window ({@link Decision.Source#DENY_CACHE}).
 * </ul>
 *
 * <p>A call that missed its deadline may still be carried out by the store afterwards (it was
 * sent); it is never sent again. A decision waits at most the deadline when the store fails fast or
 * the circuit is open, and at most twice the deadline when the store is late; the store below
 * should allow its calls at least that long (its own timeout is a safety net, not the deadline).
 * {@code peek} and {@code reset} have the same deadline but no failure policy: they raise {@link
 * BackendException}. Thread-safe; never blocks longer than the deadline.
 */
public final class ResilientBackend implements Backend {

  /** What answers when the store cannot. */
  public enum OnFailure {
    /** Admit the request (fail open). */
    ALLOW,
    /** Deny the request (fail closed). */
    DENY,
    /** Decide in this instance's memory, with the limits scaled by the local share. */
    LOCAL
  }

  /** The position of the circuit breaker. */
  public enum CircuitState {
    /** The store is called. */
    CLOSED,
    /** The store is not called until the back-off ends. */
    OPEN,
    /** One probe is on its way to the store. */
    HALF_OPEN
  }

  private final Backend backend;
  private final Deadline deadline;
  private final CircuitBreaker breaker;
  private final FailurePolicy failurePolicy;
  private final @Nullable DenyCache denyCache;
  private final GuardedDecisions decisions;

  private ResilientBackend(Builder b) {
    this.backend = b.backend;
    this.deadline = new Deadline(b.timeout, b.timeouts);
    this.breaker =
        new CircuitBreaker(
            b.failures,
            b.openAfter.toNanos() / 1_000,
            b.backoff.toNanos() / 1_000,
            b.maxBackoff.toNanos() / 1_000);
    this.failurePolicy =
        new FailurePolicy(
            b.onFailure,
            b.onFailures,
            b.localShare,
            b.instances,
            b.denyRetryAfter,
            b.localMaxKeys,
            breaker,
            b.time);
    this.denyCache = b.denyCache ? new DenyCache(b.denyCacheSize) : null;
    this.decisions =
        new GuardedDecisions(backend, b.time, deadline, breaker, failurePolicy, denyCache);
  }

  /**
   * A builder around a backend.
   *
   * @param backend the backend to protect, such as a Redis backend
   * @return a new builder
   */
  public static Builder builder(Backend backend) {
    return new Builder(Checks.notNull("backend", backend));
  }

  @Override
  public CompletionStage<Decision> tryAcquireAsync(Policy policy, String key, long cost) {
    return decisions.tryAcquire(policy, key, cost);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The batch has the shortest deadline of its policies, and the failure policy answers it as a
   * whole when the store cannot: under {@code LOCAL} the local limiter decides it all or nothing; a
   * request under {@code DENY} denies the batch. The deny cache learns from its denials (each is
   * what its request alone would get) but does not answer batches.
   */
  @Override
  public CompletionStage<List<Decision>> tryAcquireAllAsync(List<Acquire> requests) {
    return decisions.tryAcquireAll(requests);
  }

  /** {@inheritDoc} With the deadline, but no failure policy: a failure raises. */
  @Override
  public CompletionStage<Decision> peekAsync(Policy policy, String key) {
    return deadline.call(policy, () -> backend.peekAsync(policy, key));
  }

  /**
   * {@inheritDoc} Also forgets this instance's cached denial of the key; with the deadline, but no
   * failure policy: a failure raises, and the caller may try again.
   */
  @Override
  public CompletionStage<Decision> refundAsync(Policy policy, String key, long cost) {
    if (denyCache != null) {
      denyCache.forget(policy, key);
    }
    return deadline.call(policy, () -> backend.refundAsync(policy, key, cost));
  }

  /**
   * {@inheritDoc} Also releases the permit in this instance's local fallback, which granted it if
   * the store was away, and forgets the instance's cached denial of the key; with the deadline, but
   * no failure policy: a failure raises (the permit then ends with its lease).
   */
  @Override
  public CompletionStage<Void> releaseAsync(Policy policy, String key, String permit) {
    if (denyCache != null) {
      denyCache.forget(policy, key);
    }
    failurePolicy.release(policy, key, permit);
    return deadline.call(policy, () -> backend.releaseAsync(policy, key, permit));
  }

  /**
   * {@inheritDoc} Also forgets this instance's denial and local state of the key; with the
   * deadline, but no failure policy: a failure raises.
   */
  @Override
  public CompletionStage<Void> resetAsync(Policy policy, String key) {
    if (denyCache != null) {
      denyCache.forget(policy, key);
    }
    failurePolicy.reset(policy, key);
    return deadline.call(policy, () -> backend.resetAsync(policy, key));
  }

  /**
   * Replaces the per-policy answers and deadlines (on a configuration reload); calls already under
   * way keep the ones they started with.
   *
   * @param onFailures policy name to its answer; policies not named use the store-wide one
   * @param timeouts policy name to its deadline, each from 1 ms to 60 s
   * @throws IllegalArgumentException if a deadline is out of range (nothing is changed)
   */
  public void setPolicyOverrides(
      Map<String, OnFailure> onFailures, Map<String, Duration> timeouts) {
    timeouts.forEach(
        (policy, timeout) -> Builder.checkTimeout("policies." + policy + ".timeout", timeout));
    Map<String, OnFailure> answers = Map.copyOf(onFailures);
    deadline.setOverrides(timeouts);
    failurePolicy.setOverrides(answers);
  }

  /**
   * The circuit breaker's position now.
   *
   * @return the position
   */
  public CircuitState circuitState() {
    return breaker.state();
  }

  /**
   * How many store calls the deny cache has saved.
   *
   * @return the count since start
   */
  public long savedCalls() {
    return denyCache == null ? 0 : denyCache.saved();
  }

  /**
   * The protected backend.
   *
   * @return the backend
   */
  public Backend backend() {
    return backend;
  }

  /** Closes the store. */
  @Override
  public void close() {
    backend.close();
  }

  /** Builds a {@link ResilientBackend}; each setter validates its argument. Not thread-safe. */
  public static final class Builder {
    private final Backend backend;
    private TimeSource time = TimeSource.system();
    private Duration timeout = Duration.ofMillis(50);
    private final Map<String, Duration> timeouts = new HashMap<>();
    private OnFailure onFailure = OnFailure.LOCAL;
    private final Map<String, OnFailure> onFailures = new HashMap<>();
    private double localShare = Double.NaN;
    private IntSupplier instances = () -> 1;
    private long localMaxKeys = InMemoryBackend.DEFAULT_MAX_KEYS;
    private Duration denyRetryAfter = Duration.ofSeconds(1);
    private int failures = 5;
    private Duration openAfter = Duration.ofMillis(500);
    private Duration backoff = Duration.ofMillis(250);
    private Duration maxBackoff = Duration.ofSeconds(1);
    private boolean denyCache = true;
    private int denyCacheSize = 100_000;

    private Builder(Backend backend) {
      this.backend = backend;
    }

    /**
     * The deadline of every call; 50 ms by default.
     *
     * @param timeout from 1 ms to 60 s
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder timeout(Duration timeout) {
      this.timeout = checkTimeout("timeout", timeout);
      return this;
    }

    /**
     * The deadline of one policy's calls.
     *
     * @param policy the policy name
     * @param timeout from 1 ms to 60 s
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder timeout(String policy, Duration timeout) {
      timeouts.put(
          Checks.notNull("policy", policy),
          checkTimeout("policies." + policy + ".timeout", timeout));
      return this;
    }

    /**
     * The answer when the store cannot give one; {@link OnFailure#LOCAL} by default.
     *
     * @param onFailure the answer
     * @return this builder
     */
    public Builder onFailure(OnFailure onFailure) {
      this.onFailure = Checks.notNull("onFailure", onFailure);
      return this;
    }

    /**
     * The answer for one policy when the store cannot give one.
     *
     * @param policy the policy name
     * @param onFailure the answer
     * @return this builder
     */
    public Builder onFailure(String policy, OnFailure onFailure) {
      onFailures.put(Checks.notNull("policy", policy), Checks.notNull("onFailure", onFailure));
      return this;
    }

    /**
     * The share of each limit that the {@code LOCAL} fallback grants this instance, instead of 1 /
     * {@link #instances(IntSupplier) instances}.
     *
     * @param share more than 0, at most 1
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder localShare(double share) {
      if (!(share > 0 && share <= 1)) {
        throw Checks.fail("localShare", "be more than 0 and at most 1", share);
      }
      this.localShare = share;
      return this;
    }

    /**
     * How many instances share the store: the {@code LOCAL} fallback grants each {@code 1 /
     * instances} of every limit (unless {@link #localShare} is set), so that a fleet answering
     * locally while the store is away admits about one limit, not one per instance. 1 by default.
     *
     * @param instances from 1 to 10,000
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder instances(int instances) {
      int count = (int) Checks.range("instances", instances, 1, 10_000);
      this.instances = () -> count;
      return this;
    }

    /**
     * How many instances share the store, asked at each local fallback: a live count, such as the
     * fleet the store last saw (values below 1 count as 1).
     *
     * @param instances the count
     * @return this builder
     */
    public Builder instances(IntSupplier instances) {
      this.instances = Checks.notNull("instances", instances);
      return this;
    }

    /**
     * The most keys the {@code LOCAL} fallback holds; 1,000,000 by default.
     *
     * @param maxKeys from 1 to 2^31
     * @return this builder
     */
    public Builder localMaxKeys(long maxKeys) {
      this.localMaxKeys = Checks.range("localMaxKeys", maxKeys, 1, 1L << 31);
      return this;
    }

    /**
     * The retry time a {@code DENY} fallback tells the client (at least until the breaker's next
     * probe); 1 s by default.
     *
     * @param retryAfter from 1 ms to 1 h
     * @return this builder
     */
    public Builder denyRetryAfter(Duration retryAfter) {
      Checks.micros("denyRetryAfter", retryAfter, Duration.ofMillis(1), Duration.ofHours(1));
      this.denyRetryAfter = retryAfter;
      return this;
    }

    /**
     * The circuit breaker: open once at least {@code failures} calls in a row have failed and the
     * first and the last of them started at least {@code openAfter} apart, for {@code backoff},
     * doubling after each failed probe up to {@code maxBackoff}. 5, 500 ms, 250 ms and 1 s by
     * default: a burst of late calls (a cold start, a pause of this process) never opens it, a
     * store that stops answering opens it within about half a second, and decisions resume within
     * about two seconds of the store's return.
     *
     * @param failures from 1 to 1000
     * @param openAfter from 0 to 1 min
     * @param backoff from 1 ms to 10 min
     * @param maxBackoff from {@code backoff} to 10 min
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder circuitBreaker(
        int failures, Duration openAfter, Duration backoff, Duration maxBackoff) {
      Checks.range("circuit failures", failures, 1, 1000);
      Checks.micros("circuit open-after", openAfter, Duration.ZERO, Duration.ofMinutes(1));
      Checks.micros("circuit backoff", backoff, Duration.ofMillis(1), Duration.ofMinutes(10));
      Checks.micros("circuit max-backoff", maxBackoff, backoff, Duration.ofMinutes(10));
      this.failures = failures;
      this.openAfter = openAfter;
      this.backoff = backoff;
      this.maxBackoff = maxBackoff;
      return this;
    }

    /**
     * Whether denials are remembered locally until their retry time; on by default.
     *
     * @param enabled true to remember denials
     * @return this builder
     */
    public Builder denyCache(boolean enabled) {
      this.denyCache = enabled;
      return this;
    }

    /**
     * The most denials remembered; 100,000 by default.
     *
     * @param size from 1 to 10^8
     * @return this builder
     */
    public Builder denyCacheSize(int size) {
      this.denyCacheSize = (int) Checks.range("denyCacheSize", size, 1, 100_000_000);
      return this;
    }

    /**
     * This instance's clock, for deadlines of the deny cache and the breaker's back-off; the system
     * clock by default.
     *
     * @param time the clock
     * @return this builder
     */
    public Builder timeSource(TimeSource time) {
      this.time = Checks.notNull("timeSource", time);
      return this;
    }

    /**
     * Builds the backend.
     *
     * @return the backend
     */
    public ResilientBackend build() {
      return new ResilientBackend(this);
    }

    private static Duration checkTimeout(String param, Duration timeout) {
      Checks.micros(param, timeout, Duration.ofMillis(1), Duration.ofSeconds(60));
      return timeout;
    }
  }
}

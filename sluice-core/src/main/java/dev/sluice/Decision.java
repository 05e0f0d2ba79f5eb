package dev.sluice;

import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The answer to one request: allowed or not, with what is left and when to come back.
 *
 * <p>A denial is a value, not an exception. The numbers describe the binding limit of the policy:
 * the one that denied with the longest wait, or, when allowed, the one with the least left (for a
 * policy of one limit, that limit).
 *
 * @param policy the name of the policy that decided
 * @param limitId the id of the binding limit within its policy ({@link Policy#ids()})
 * @param allowed whether the request was admitted (and its cost consumed)
 * @param limit the capacity of the binding limit
 * @param remaining what the binding limit has left after this request; never negative
 * @param retryAfterMicros microseconds until the same request would be allowed; 0 when allowed
 * @param resetAfterMicros microseconds until the binding limit is back to full (or its window
 *     empty) if nothing else is admitted
 * @param source who decided: the store, or on its behalf a local deny cache or a failure policy
 * @param permit the permit an allowed request holds on its policy's concurrency limit, to be
 *     released with {@link RateLimiter#release}; {@code null} when denied, when the policy has no
 *     concurrency limit, or when a failure policy of {@code allow} answered
 */
public record Decision(
    String policy,
    String limitId,
    boolean allowed,
    long limit,
    long remaining,
    long retryAfterMicros,
    long resetAfterMicros,
    Source source,
    @Nullable String permit) {

  /**
   * A decision that holds no permit.
   *
   * @param policy the name of the policy that decided
   * @param limitId the id of the binding limit
   * @param allowed whether the request was admitted
   * @param limit the capacity of the binding limit
   * @param remaining what the binding limit has left
   * @param retryAfterMicros microseconds until the same request would be allowed
   * @param resetAfterMicros microseconds until the binding limit is back to full
   * @param source who decided
   */
  public Decision(
      String policy,
      String limitId,
      boolean allowed,
      long limit,
      long remaining,
      long retryAfterMicros,
      long resetAfterMicros,
      Source source) {
    this(
        policy,
        limitId,
        allowed,
        limit,
        remaining,
        retryAfterMicros,
        resetAfterMicros,
        source,
        null);
  }

  /** Who made a decision. */
  public enum Source {
    /** The backend itself (its store: Redis, this JVM's memory), the normal case. */
    BACKEND(false),
    /**
     * This instance's memory of a recent denial by the store, which stays true until its retry time
     * (see {@link ResilientBackend.Builder#denyCache}).
     */
    DENY_CACHE(false),
    /**
     * This instance, from tokens it leased from the store in a batch (the hybrid mode of the Redis
     * backend), within the error bound stated in docs/design-decisions.md.
     */
    LEASE(false),
    /** The failure policy, because the store missed its deadline. */
    FALLBACK_TIMEOUT(true),
    /** The failure policy, because the store failed. */
    FALLBACK_ERROR(true),
    /** The failure policy, because the circuit breaker is open after repeated failures. */
    FALLBACK_CIRCUIT_OPEN(true);

    private final boolean fallback;
    private final String label;

    Source(boolean fallback) {
      this.fallback = fallback;
      this.label = name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The source as metrics, headers and JSON bodies name it.
     *
     * @return its name in lower case with hyphens: {@code backend}, {@code deny-cache}, {@code
     *     lease}, {@code fallback-timeout}, {@code fallback-error}, {@code fallback-circuit-open}
     */
    public String label() {
      return label;
    }

    /**
     * Whether this is a failure policy's answer rather than the store's.
     *
     * @return true for the {@code FALLBACK_*} sources
     */
    public boolean isFallback() {
      return fallback;
    }
  }

  /**
   * A decision made by the store on the limit {@code "0"}: the first limit of a policy built by
   * {@link Policy#of}, such as a policy of one limit.
   *
   * @param policy the name of the policy that decided
   * @param allowed whether the request was admitted
   * @param limit the capacity of the binding limit
   * @param remaining what the binding limit has left
   * @param retryAfterMicros microseconds until the same request would be allowed
   * @param resetAfterMicros microseconds until the binding limit is fresh again
   */
  public Decision(
      String policy,
      boolean allowed,
      long limit,
      long remaining,
      long retryAfterMicros,
      long resetAfterMicros) {
    this(
        policy, "0", allowed, limit, remaining, retryAfterMicros, resetAfterMicros, Source.BACKEND);
  }

  /**
   * A decision on the limit {@code "0"} by the given source.
   *
   * @param policy the name of the policy that decided
   * @param allowed whether the request was admitted
   * @param limit the capacity of the binding limit
   * @param remaining what the binding limit has left
   * @param retryAfterMicros microseconds until the same request would be allowed
   * @param resetAfterMicros microseconds until the binding limit is fresh again
   * @param source who decided
   */
  public Decision(
      String policy,
      boolean allowed,
      long limit,
      long remaining,
      long retryAfterMicros,
      long resetAfterMicros,
      Source source) {
    this(policy, "0", allowed, limit, remaining, retryAfterMicros, resetAfterMicros, source);
  }

  /**
   * This decision as made by another source.
   *
   * @param source the source
   * @return a copy with that source
   */
  public Decision withSource(Source source) {
    return new Decision(
        policy,
        limitId,
        allowed,
        limit,
        remaining,
        retryAfterMicros,
        resetAfterMicros,
        source,
        permit);
  }

  /**
   * Whether a failure policy answered instead of the store.
   *
   * @return true for a fallback answer
   */
  public boolean isFallback() {
    return source.isFallback();
  }

  /**
   * The wait before the same request would be allowed; zero when allowed.
   *
   * @return the wait
   */
  public Duration retryAfter() {
    return Duration.ofNanos(retryAfterMicros * 1_000);
  }

  /**
   * The time until the binding limit is back to its fresh state if nothing else is admitted.
   *
   * @return the time
   */
  public Duration resetAfter() {
    return Duration.ofNanos(resetAfterMicros * 1_000);
  }

  /**
   * {@link #retryAfterMicros()} in whole milliseconds, rounded up so that retrying then succeeds.
   *
   * @return milliseconds
   */
  public long retryAfterMillis() {
    return (retryAfterMicros + 999) / 1_000;
  }

  /**
   * {@link #resetAfterMicros()} in whole milliseconds, rounded up.
   *
   * @return milliseconds
   */
  public long resetAfterMillis() {
    return (resetAfterMicros + 999) / 1_000;
  }
}

package dev.sluice;

import java.time.Duration;

/**
 * The answer to one request: allowed or not, with what is left and when to come back.
 *
 * <p>A denial is a value, not an exception. For a policy of several limits, {@code limit} and
 * {@code remaining} describe the binding limit: the one that denied with the longest wait, or, when
 * allowed, the one with the least left.
 *
 * @param policy the name of the policy that decided
 * @param allowed whether the request was admitted (and its cost consumed)
 * @param limit the capacity of the binding limit
 * @param remaining what the binding limit has left after this request; never negative
 * @param retryAfterMicros microseconds until the same request would be allowed; 0 when allowed
 * @param resetAfterMicros microseconds until every limit of the policy is back to full (or empty
 *     window) if nothing else is admitted
 */
public record Decision(
    String policy, boolean allowed, long limit, long remaining, long retryAfterMicros, long resetAfterMicros) {

  /**
   * The wait before the same request would be allowed; zero when allowed.
   *
   * @return the wait
   */
  public Duration retryAfter() {
    return Duration.ofNanos(retryAfterMicros * 1_000);
  }

  /**
   * The time until the policy is back to its fresh state if nothing else is admitted.
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

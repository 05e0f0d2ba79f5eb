package dev.sluice.spring;

/** The {@code sluice.store.circuit-breaker} section. */
public class CircuitBreakerProperties {
  private Integer failures;
  private String openAfter;
  private String backoff;
  private String maxBackoff;

  /**
   * Failures in a row that open the breaker.
   *
   * @return the number, or {@code null} for 5
   */
  public Integer getFailures() {
    return failures;
  }

  /**
   * Sets failures.
   *
   * @param failures the number
   */
  public void setFailures(Integer failures) {
    this.failures = failures;
  }

  /**
   * How long apart the first and last failure must be.
   *
   * @return the duration, or {@code null} for 500ms
   */
  public String getOpenAfter() {
    return openAfter;
  }

  /**
   * Sets open-after.
   *
   * @param openAfter the duration
   */
  public void setOpenAfter(String openAfter) {
    this.openAfter = openAfter;
  }

  /**
   * How long the breaker stays open at first.
   *
   * @return the duration, or {@code null} for 250ms
   */
  public String getBackoff() {
    return backoff;
  }

  /**
   * Sets backoff.
   *
   * @param backoff the duration
   */
  public void setBackoff(String backoff) {
    this.backoff = backoff;
  }

  /**
   * The longest it stays open.
   *
   * @return the duration, or {@code null} for 1s
   */
  public String getMaxBackoff() {
    return maxBackoff;
  }

  /**
   * Sets max-backoff.
   *
   * @param maxBackoff the duration
   */
  public void setMaxBackoff(String maxBackoff) {
    this.maxBackoff = maxBackoff;
  }
}

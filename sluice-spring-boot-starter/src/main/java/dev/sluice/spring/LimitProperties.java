package dev.sluice.spring;

/**
 * One limit of {@link SluiceProperties}: an algorithm and its parameters, as in the server's YAML.
 */
public class LimitProperties {
  private String id;
  private String algorithm;
  private Long capacity;
  private String refill;
  private String leak;
  private Long limit;
  private String window;
  private String align;
  private String lease;
  private String retryHint;

  /**
   * The limit's id within its policy (what clients' usage is stored under).
   *
   * @return the id, or {@code null} for its position
   */
  public String getId() {
    return id;
  }

  /**
   * Sets the id.
   *
   * @param id the id
   */
  public void setId(String id) {
    this.id = id;
  }

  /**
   * The algorithm: {@code token-bucket} (default), {@code leaky-bucket}, {@code fixed-window},
   * {@code sliding-window} or {@code sliding-log}.
   *
   * @return the algorithm, or {@code null}
   */
  public String getAlgorithm() {
    return algorithm;
  }

  /**
   * Sets the algorithm.
   *
   * @param algorithm the algorithm's name
   */
  public void setAlgorithm(String algorithm) {
    this.algorithm = algorithm;
  }

  /**
   * A bucket's capacity.
   *
   * @return the capacity, or {@code null}
   */
  public Long getCapacity() {
    return capacity;
  }

  /**
   * Sets the capacity.
   *
   * @param capacity the capacity
   */
  public void setCapacity(Long capacity) {
    this.capacity = capacity;
  }

  /**
   * A token bucket's refill rate, such as {@code 1/s}.
   *
   * @return the rate, or {@code null}
   */
  public String getRefill() {
    return refill;
  }

  /**
   * Sets the refill rate.
   *
   * @param refill the rate
   */
  public void setRefill(String refill) {
    this.refill = refill;
  }

  /**
   * A leaky bucket's leak rate, such as {@code 5/s}.
   *
   * @return the rate, or {@code null}
   */
  public String getLeak() {
    return leak;
  }

  /**
   * Sets the leak rate.
   *
   * @param leak the rate
   */
  public void setLeak(String leak) {
    this.leak = leak;
  }

  /**
   * A window's limit.
   *
   * @return the limit, or {@code null}
   */
  public Long getLimit() {
    return limit;
  }

  /**
   * Sets the window's limit.
   *
   * @param limit the limit
   */
  public void setLimit(Long limit) {
    this.limit = limit;
  }

  /**
   * A window's length, such as {@code 1m}.
   *
   * @return the window, or {@code null}
   */
  public String getWindow() {
    return window;
  }

  /**
   * Sets the window's length.
   *
   * @param window the duration
   */
  public void setWindow(String window) {
    this.window = window;
  }

  /**
   * A concurrency limit's lease, such as {@code 30s}: how long a permit lives unreleased.
   *
   * @return the lease, or {@code null}
   */
  public String getLease() {
    return lease;
  }

  /**
   * Sets a concurrency limit's lease.
   *
   * @param lease the duration
   */
  public void setLease(String lease) {
    this.lease = lease;
  }

  /**
   * What a concurrency limit's denial gives as its retry time at most, such as {@code 100ms}.
   *
   * @return the hint, or {@code null} for the default (100 ms, or the lease if shorter)
   */
  public String getRetryHint() {
    return retryHint;
  }

  /**
   * Sets a concurrency limit's retry hint.
   *
   * @param retryHint the duration
   */
  public void setRetryHint(String retryHint) {
    this.retryHint = retryHint;
  }

  /**
   * How a fixed window is aligned: {@code epoch} (the default) or {@code calendar} (UTC days, weeks
   * from Monday, months, years; the window is then {@code 1d}, {@code 1w}, {@code 1mo} or {@code
   * 1y}).
   *
   * @return the alignment, or {@code null}
   */
  public String getAlign() {
    return align;
  }

  /**
   * Sets how a fixed window is aligned.
   *
   * @param align {@code epoch} or {@code calendar}
   */
  public void setAlign(String align) {
    this.align = align;
  }
}

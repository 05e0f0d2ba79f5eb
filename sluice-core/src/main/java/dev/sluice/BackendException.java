package dev.sluice;

/**
 * A backend could not make a decision: its store failed, was unreachable, or missed its deadline.
 *
 * <p>Nothing is known about whether the request was consumed: a call that timed out may still have
 * been carried out by the store. {@link #isTimeout()} tells a missed deadline from a failure, so
 * that callers never need to guess from exception types or messages.
 */
public final class BackendException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Whether the store missed its deadline, rather than failing. */
  private final boolean timeout;

  /**
   * A failure of the store.
   *
   * @param message what failed
   * @param cause the underlying error, or {@code null}
   */
  public BackendException(String message, Throwable cause) {
    this(message, cause, false);
  }

  /**
   * A failure, or a missed deadline.
   *
   * @param message what failed
   * @param cause the underlying error, or {@code null}
   * @param timeout whether the store missed its deadline (rather than failing)
   */
  public BackendException(String message, Throwable cause, boolean timeout) {
    super(message, cause);
    this.timeout = timeout;
  }

  /**
   * Whether the store missed its deadline: it may be slow rather than gone, and the call may still
   * be carried out.
   *
   * @return true for a missed deadline, false for a failure
   */
  public boolean isTimeout() {
    return timeout;
  }
}

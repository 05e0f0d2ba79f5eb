package dev.sluice;

/**
 * A backend could not make a decision: its store failed, was unreachable, or missed its deadline.
 *
 * <p>Nothing is known about whether the request was consumed: a call that timed out may still have
 * been carried out by the store.
 */
public class StoreException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * A failure with a message and its cause.
   *
   * @param message what failed
   * @param cause the underlying error, or {@code null}
   */
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}

package dev.sluice.testkit;

/**
 * An error reply ({@code -ERR ...}, {@code -MOVED ...}, {@code -READONLY ...}) returned by a Redis
 * node to a command sent with {@link RedisNode#command(String...)}.
 *
 * <p>The exception message is the error text exactly as the server sent it, without the leading
 * {@code -}.
 */
public final class RedisReplyException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception for the given error reply text.
   *
   * @param message the error text, e.g. {@code "ERR unknown command 'FOO'"}
   */
  public RedisReplyException(String message) {
    super(message);
  }
}

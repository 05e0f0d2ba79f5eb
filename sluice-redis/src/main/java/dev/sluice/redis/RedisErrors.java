package dev.sluice.redis;

import dev.sluice.BackendException;
import io.lettuce.core.RedisCommandTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/**
 * The one translation of what Lettuce and the futures raise into {@link BackendException}: a missed
 * deadline ({@link BackendException#isTimeout()}) or a failure, with the cause kept.
 */
final class RedisErrors {

  private RedisErrors() {}

  /**
   * The failure of a Redis call as the backend reports it.
   *
   * @param error what the call completed with
   * @param timeout the deadline, for the message
   * @return the exception to complete the caller's stage with
   */
  static BackendException translate(Throwable error, Duration timeout) {
    Throwable cause = error;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof BackendException failure) {
      return failure;
    }
    if (cause instanceof RedisCommandTimeoutException || cause instanceof TimeoutException) {
      return new BackendException(
          "Redis did not answer within " + timeout.toMillis() + " ms", cause, true);
    }
    return new BackendException("Redis failed: " + cause.getMessage(), cause);
  }
}

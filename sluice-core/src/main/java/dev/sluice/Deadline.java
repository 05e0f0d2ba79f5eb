package dev.sluice;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The deadline of a {@link ResilientBackend}'s calls, and the one place that tells a missed
 * deadline from a failure: this layer's own timer ({@link TimeoutException}) or the backend's
 * report ({@link BackendException#isTimeout()}); never by class names or messages.
 */
final class Deadline {

  private final Duration timeout;
  private volatile Map<String, Duration> timeouts;

  Deadline(Duration timeout, Map<String, Duration> timeouts) {
    this.timeout = timeout;
    this.timeouts = Map.copyOf(timeouts);
  }

  /** The deadline of a policy's calls: its own, or the backend-wide one. */
  Duration of(Policy policy) {
    return timeouts.getOrDefault(policy.name(), timeout);
  }

  /** Replaces the per-policy deadlines (a reload). */
  void setOverrides(Map<String, Duration> overrides) {
    this.timeouts = Map.copyOf(overrides);
  }

  /** The backend's call within the policy's deadline; a failure is a {@link BackendException}. */
  <T> CompletableFuture<T> call(Policy policy, Supplier<CompletionStage<T>> call) {
    return within(started(call), of(policy));
  }

  /** The backend's call, started; a call that throws is a failed stage. */
  static <T> CompletableFuture<T> started(Supplier<CompletionStage<T>> call) {
    try {
      return call.get().toCompletableFuture();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * A copy of {@code call} that fails at the deadline, every failure as a {@link BackendException}
   * (a missed deadline with {@link BackendException#isTimeout()}).
   */
  static <T> CompletableFuture<T> within(CompletableFuture<T> call, Duration deadline) {
    return call.copy()
        .orTimeout(deadline.toNanos(), TimeUnit.NANOSECONDS)
        .handle(
            (result, error) -> {
              if (error == null) {
                return result;
              }
              Throwable cause = unwrap(error);
              if (cause instanceof BackendException failure) {
                throw failure;
              }
              throw isTimeout(cause)
                  ? new BackendException(
                      "the store did not answer within " + Durations.format(deadline), cause, true)
                  : new BackendException("the store failed: " + cause.getMessage(), cause);
            });
  }

  /** Whether a failure is a missed deadline. */
  static boolean isTimeout(Throwable error) {
    Throwable cause = unwrap(error);
    return cause instanceof TimeoutException
        || (cause instanceof BackendException failure && failure.isTimeout());
  }

  private static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}

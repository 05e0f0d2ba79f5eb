package dev.sluice.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition until it holds or a timeout passes, then fails with a descriptive message. */
final class Poll {

  private Poll() {}

  /**
   * Waits until {@code condition} returns true. Exceptions thrown by the condition count as "not
   * yet" and the last one is attached to the failure.
   *
   * @throws IllegalStateException after {@code timeout}, with {@code what} and the diagnostics in
   *     the message
   */
  static void until(
      Duration timeout, String what, BooleanSupplier condition, Supplier<String> diagnostics) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    long sleep = 10;
    while (true) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        last = e;
      }
      if (System.nanoTime() - deadline > 0) {
        String diag = diagnostics == null ? "" : diagnostics.get();
        IllegalStateException failure =
            new IllegalStateException(
                "Timed out after "
                    + timeout.toMillis()
                    + " ms waiting for "
                    + what
                    + (last == null ? "" : " (last error: " + last + ")")
                    + (diag.isEmpty() ? "" : "\n" + diag));
        if (last != null) {
          failure.initCause(last);
        }
        throw failure;
      }
      sleepQuietly(sleep);
      sleep = Math.min(50, sleep * 2);
    }
  }

  static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}

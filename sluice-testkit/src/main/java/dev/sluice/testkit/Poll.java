package dev.sluice.testkit;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Waits for a condition that becomes true in its own time (a replica's link, a failover, a process
 * exiting): checks it, sleeps an interval, checks again, and fails with a message that says what it
 * waited for once a timeout has passed.
 *
 * <pre>{@code
 * Poll.until(
 *     Duration.ofSeconds(10),
 *     "the replica to report master_link_status:up",
 *     () -> "up".equals(replica.info("replication").get("master_link_status")));
 * }</pre>
 *
 * <p>The condition is checked at once and then after each interval; the wait fails only when a
 * check that ended after the timeout found it false. An exception thrown by the condition counts as
 * "not yet"; the last one is named in the failure message and attached as its cause. Without an
 * explicit interval the wait starts at 10 ms and doubles up to 50 ms, which suits conditions that
 * are usually met within milliseconds.
 *
 * <p>The failure is an {@link IllegalStateException}: {@code Timed out after 10000 ms waiting for
 * WHAT (last error: ...)}, followed by the diagnostics if a supplier was given (log tails, the
 * servers' views). An interrupt while waiting restores the thread's interrupt flag and throws an
 * {@link IllegalStateException} at once. Methods of this class may be called from any thread.
 */
public final class Poll {

  private static final Duration FIRST_INTERVAL = Duration.ofMillis(10);
  private static final Duration MAX_INTERVAL = Duration.ofMillis(50);

  private Poll() {}

  /**
   * A condition to wait for; it may throw, which counts as "not yet".
   *
   * <p>Unlike a {@code BooleanSupplier} it may throw checked exceptions, so a condition that does
   * I/O needs no try block.
   */
  @FunctionalInterface
  public interface Condition {

    /**
     * Checks the condition once.
     *
     * @return true when the wait is over
     * @throws Exception if the condition cannot be checked yet (counts as false)
     */
    boolean holds() throws Exception;
  }

  /**
   * Waits until {@code condition} holds, checking it every 10 to 50 ms.
   *
   * @param timeout how long to wait at most
   * @param what what is awaited, for the failure message: "Timed out ... waiting for {@code what}"
   * @param condition the condition
   * @throws IllegalStateException if it does not hold within {@code timeout}, or on interrupt
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws NullPointerException if an argument is null
   */
  public static void until(Duration timeout, String what, Condition condition) {
    until(timeout, what, condition, null);
  }

  /**
   * Waits until {@code condition} holds, checking it every 10 to 50 ms, and adds diagnostics to the
   * failure.
   *
   * @param timeout how long to wait at most
   * @param what what is awaited, for the failure message: "Timed out ... waiting for {@code what}"
   * @param condition the condition
   * @param diagnostics text appended to the failure message (asked for only on failure), or null
   * @throws IllegalStateException if it does not hold within {@code timeout}, or on interrupt
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws NullPointerException if {@code timeout}, {@code what} or {@code condition} is null
   */
  public static void until(
      Duration timeout, String what, Condition condition, Supplier<String> diagnostics) {
    await(timeout, FIRST_INTERVAL, MAX_INTERVAL, what, condition, diagnostics);
  }

  /**
   * Waits until {@code condition} holds, checking it every {@code interval}.
   *
   * @param timeout how long to wait at most
   * @param interval the pause between two checks
   * @param what what is awaited, for the failure message: "Timed out ... waiting for {@code what}"
   * @param condition the condition
   * @throws IllegalStateException if it does not hold within {@code timeout}, or on interrupt
   * @throws IllegalArgumentException if {@code timeout} is negative or {@code interval} is not
   *     positive
   * @throws NullPointerException if an argument is null
   */
  public static void until(Duration timeout, Duration interval, String what, Condition condition) {
    until(timeout, interval, what, condition, null);
  }

  /**
   * Waits until {@code condition} holds, checking it every {@code interval}, and adds diagnostics
   * to the failure.
   *
   * @param timeout how long to wait at most
   * @param interval the pause between two checks
   * @param what what is awaited, for the failure message: "Timed out ... waiting for {@code what}"
   * @param condition the condition
   * @param diagnostics text appended to the failure message (asked for only on failure), or null
   * @throws IllegalStateException if it does not hold within {@code timeout}, or on interrupt
   * @throws IllegalArgumentException if {@code timeout} is negative or {@code interval} is not
   *     positive
   * @throws NullPointerException if {@code timeout}, {@code interval}, {@code what} or {@code
   *     condition} is null
   */
  public static void until(
      Duration timeout,
      Duration interval,
      String what,
      Condition condition,
      Supplier<String> diagnostics) {
    requirePositive(interval);
    await(timeout, interval, interval, what, condition, diagnostics);
  }

  /**
   * Checks {@code condition} every {@code interval} until it holds or {@code timeout} has passed,
   * like {@link #until}, but returns instead of throwing: for callers that fail in their own words.
   *
   * @return true if the condition held in time
   */
  static boolean within(Duration timeout, Duration interval, Condition condition) {
    requirePositive(interval);
    return check(timeout, interval, interval, condition) == null;
  }

  private static void await(
      Duration timeout,
      Duration first,
      Duration max,
      String what,
      Condition condition,
      Supplier<String> diagnostics) {
    Objects.requireNonNull(what, "what");
    Missed missed = check(timeout, first, max, condition);
    if (missed == null) {
      return;
    }
    Exception last = missed.last();
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

  /** The timeout passed; {@code last} is the condition's last exception, if it threw. */
  private record Missed(Exception last) {}

  /** Null if the condition held in time. */
  private static Missed check(Duration timeout, Duration first, Duration max, Condition condition) {
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(condition, "condition");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: " + timeout);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    long sleep = first.toNanos();
    Exception last = null;
    while (true) {
      try {
        if (condition.holds()) {
          return null;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      } catch (Exception e) {
        last = e;
      }
      if (System.nanoTime() - deadline > 0) {
        return new Missed(last);
      }
      sleepQuietly(sleep);
      sleep = sleep >= max.toNanos() / 2 ? max.toNanos() : sleep * 2;
    }
  }

  private static void requirePositive(Duration interval) {
    Objects.requireNonNull(interval, "interval");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive: " + interval);
    }
  }

  private static void sleepQuietly(long nanos) {
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}

package dev.sluice;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A clock in microseconds, injected wherever Sluice needs the time so that tests can control it.
 *
 * <p>Implementations must be thread-safe. Only differences between readings matter to the
 * algorithms, except that windows align to multiples of their length since this clock's zero.
 */
@FunctionalInterface
public interface TimeSource {

  /**
   * The current time in microseconds.
   *
   * @return microseconds since this source's epoch
   */
  long nowMicros();

  /**
   * Waits {@code micros} microseconds of this clock's time: the system clock sleeps; a test clock
   * may move itself instead. Used by {@link RateLimiter#acquire}.
   *
   * @param micros how long, at least 0
   * @throws InterruptedException if the thread is interrupted while it waits
   */
  default void sleep(long micros) throws InterruptedException {
    TimeUnit.MICROSECONDS.sleep(micros);
  }

  /**
   * A stage completed once {@code micros} microseconds of this clock's time have passed, holding no
   * thread meanwhile. Used by {@link RateLimiter#acquireAsync}.
   *
   * @param micros how long, at least 0
   * @return the stage
   */
  default CompletionStage<Void> after(long micros) {
    return CompletableFuture.runAsync(
        () -> {}, CompletableFuture.delayedExecutor(micros, TimeUnit.MICROSECONDS));
  }

  /**
   * The system clock: monotonic ({@link System#nanoTime()}), anchored to the wall clock's Unix
   * epoch when first used so that windows line up with wall-clock minutes and hours.
   *
   * @return the system time source
   */
  static TimeSource system() {
    return SystemTimeSource.INSTANCE;
  }
}

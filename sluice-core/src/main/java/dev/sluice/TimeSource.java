package dev.sluice;

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
   * The system clock: monotonic ({@link System#nanoTime()}), anchored to the wall clock's Unix
   * epoch when first used so that windows line up with wall-clock minutes and hours.
   *
   * @return the system time source
   */
  static TimeSource system() {
    return SystemTimeSource.INSTANCE;
  }
}

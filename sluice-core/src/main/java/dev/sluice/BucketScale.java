package dev.sluice;

import dev.sluice.internal.Checks;
import java.time.Duration;

/**
 * The scale rule of the rate-driven limits ({@link Limit.TokenBucket}, {@link Limit.LeakyBucket}):
 * buckets count in units of 1/period (after reducing the rate's fraction), so that every step is
 * exact integer arithmetic; capacity x period must then stay below 2^52, which also keeps the Redis
 * scripts exact (Lua numbers are doubles). Only a very large bucket with a very slow, irreducible
 * rate (say 10^6 tokens at 7 per day) fails this.
 */
final class BucketScale {
  private BucketScale() {}

  /**
   * Checks that {@code capacity} x the period of {@code rate} (named {@code param}) is in scale.
   */
  static void check(long capacity, Rate rate, String param) {
    long period = rate.reducedPeriodMicros();
    if (Math.multiplyHigh(capacity, period) != 0 || capacity * period > (1L << 52)) {
      throw Checks.fail(
          "capacity x " + param + " period",
          "be at most 2^52 microseconds "
              + "(the bucket would take centuries to fill; raise the rate or lower the capacity)",
          capacity + " x " + period + "us");
    }
  }

  /** The time a bucket takes to fill from empty; {@link #check} keeps the product in range. */
  static Duration fillTime(long capacity, Rate rate) {
    long tokens = rate.reducedTokens();
    long micros = (capacity * rate.reducedPeriodMicros() + tokens - 1) / tokens;
    return Duration.ofNanos(micros * 1_000L);
  }
}

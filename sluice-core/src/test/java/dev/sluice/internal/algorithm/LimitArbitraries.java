package dev.sluice.internal.algorithm;

import dev.sluice.Limit;
import dev.sluice.Rate;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Tuple;

/**
 * jqwik generators of limits anywhere in their validated ranges (rates from 1 per 366 days to 10
 * million per second, capacities up to 10^9 within the 2^52 scale bound, windows from 1 ms to 366
 * days), weighted towards small and round values, and of time steps on the scale of a limit.
 */
public final class LimitArbitraries {

  /** One day in microseconds. */
  public static final long DAY = 86_400_000_000L;

  /** The longest period and window, 366 days, in microseconds. */
  public static final long MAX = 366 * DAY;

  private LimitArbitraries() {}

  /**
   * Valid rates: a period (round, short or anything up to 366 days), then tokens in the range that
   * period allows.
   *
   * @return rates
   */
  public static Arbitrary<Rate> rates() {
    Arbitrary<Long> period =
        Arbitraries.frequencyOf(
            Tuple.of(
                3,
                Arbitraries.of(
                    1L,
                    333L,
                    1_000L,
                    1_000_000L,
                    3_000_000L,
                    60_000_000L,
                    3_600_000_000L,
                    DAY,
                    30 * DAY,
                    365 * DAY,
                    MAX)),
            Tuple.of(2, Arbitraries.longs().between(1, 2_000_000)),
            Tuple.of(1, Arbitraries.longs().between(1, MAX)));
    return period.flatMap(
        p -> {
          long min = (p + MAX - 1) / MAX;
          long max = Math.min(1_000_000_000L, 10 * p);
          return Arbitraries.frequencyOf(
                  Tuple.of(3, Arbitraries.longs().between(min, Math.min(max, min + 10))),
                  Tuple.of(1, Arbitraries.longs().between(min, max)))
              .map(tokens -> Rate.of(tokens, Duration.of(p, ChronoUnit.MICROS)));
        });
  }

  /**
   * The largest capacity a bucket at this rate may have.
   *
   * @param rate the rate
   * @return the bound of {@code capacity x reduced period <= 2^52}
   */
  static long maxCapacity(Rate rate) {
    long p = rate.period().toNanos() / 1_000;
    long reduced = p / gcd(rate.tokens(), p);
    return Math.min(Limit.MAX_CAPACITY, (1L << 52) / reduced);
  }

  private static Arbitrary<Long> capacities(long max) {
    return Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.longs().between(1, Math.min(max, 20))),
        Tuple.of(1, Arbitraries.longs().between(1, max)));
  }

  /**
   * Valid token buckets.
   *
   * @return token buckets
   */
  public static Arbitrary<Limit> tokenBuckets() {
    return rates()
        .flatMap(rate -> capacities(maxCapacity(rate)).map(c -> Limit.tokenBucket(c, rate)));
  }

  /**
   * Valid leaky buckets.
   *
   * @return leaky buckets
   */
  public static Arbitrary<Limit> leakyBuckets() {
    return rates()
        .flatMap(rate -> capacities(maxCapacity(rate)).map(c -> Limit.leakyBucket(c, rate)));
  }

  /**
   * Valid windows, in microseconds.
   *
   * @return windows from 1 ms to 366 days
   */
  public static Arbitrary<Long> windows() {
    return Arbitraries.frequencyOf(
        Tuple.of(
            3,
            Arbitraries.of(
                1_000L,
                10_000L,
                1_000_000L,
                3_000_000L,
                60_000_000L,
                3_600_000_000L,
                DAY,
                7 * DAY,
                30 * DAY,
                365 * DAY,
                MAX)),
        Tuple.of(2, Arbitraries.longs().between(1_000, 1L << 20)),
        Tuple.of(1, Arbitraries.longs().between(1_000, MAX)));
  }

  private static Duration micros(long micros) {
    return Duration.of(micros, ChronoUnit.MICROS);
  }

  /**
   * Valid fixed windows.
   *
   * @return fixed windows
   */
  public static Arbitrary<Limit> fixedWindows() {
    return windows()
        .flatMap(w -> capacities(Limit.MAX_CAPACITY).map(n -> Limit.fixedWindow(n, micros(w))));
  }

  /**
   * Valid sliding windows.
   *
   * @return sliding windows
   */
  public static Arbitrary<Limit> slidingWindows() {
    return windows()
        .flatMap(w -> capacities(Limit.MAX_CAPACITY).map(n -> Limit.slidingWindow(n, micros(w))));
  }

  /**
   * Valid sliding logs.
   *
   * @return sliding logs
   */
  public static Arbitrary<Limit> slidingLogs() {
    return windows()
        .flatMap(w -> capacities(Limit.MAX_LOG_LIMIT).map(n -> Limit.slidingLog(n, micros(w))));
  }

  /**
   * Any valid limit.
   *
   * @return limits of every algorithm
   */
  public static Arbitrary<Limit> limits() {
    return Arbitraries.oneOf(
        tokenBuckets(), leakyBuckets(), fixedWindows(), slidingWindows(), slidingLogs());
  }

  /**
   * Non-negative time steps on the scale of a limit: zero (often), a few microseconds, up to three
   * tokens' worth, up to two windows, and large jumps.
   *
   * @param limit the limit
   * @return steps in microseconds
   */
  public static Arbitrary<Long> steps(Limit limit) {
    long window = Math.max(1, limit.window().toNanos() / 1_000);
    long perToken = Math.max(1, window / limit.capacity());
    return Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.just(0L)),
        Tuple.of(1, Arbitraries.longs().between(1, 10)),
        Tuple.of(3, Arbitraries.longs().between(0, 3 * perToken)),
        Tuple.of(2, Arbitraries.longs().between(0, 2 * window)),
        Tuple.of(1, Arbitraries.longs().between(0, 4 * window)),
        Tuple.of(1, Arbitraries.of(window, window - 1, window + 1)),
        Tuple.of(1, Arbitraries.longs().between(0, 10_000_000_000_000L)));
  }

  /**
   * Costs from 1 to the capacity, mostly 1 or small.
   *
   * @param capacity the capacity
   * @return costs
   */
  public static Arbitrary<Long> costs(long capacity) {
    return Arbitraries.frequencyOf(
        Tuple.of(5, Arbitraries.just(1L)),
        Tuple.of(3, Arbitraries.longs().between(1, Math.min(capacity, 10))),
        Tuple.of(2, Arbitraries.longs().between(1, capacity)));
  }

  static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }
}

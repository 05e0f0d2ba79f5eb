package dev.sluice;

import dev.sluice.internal.Checks;
import java.time.Duration;

/**
 * A rate: {@code tokens} per {@code period}, such as 1 per second or 10,000 per day.
 *
 * <p>Rates from 1 per 366 days to 10 million per second are accepted. The rate is kept exactly as a
 * fraction (no floating point), so {@code 3/s} is three tokens per second, not one token every
 * 333,333 microseconds.
 *
 * @param tokens how many tokens are added (or leak) each period, from 1 to 10^9
 * @param period the period, a whole number of microseconds from 1 microsecond to 366 days
 */
public record Rate(long tokens, Duration period) {

  /** The fastest accepted rate, in tokens per microsecond (10 million per second). */
  static final long MAX_TOKENS_PER_MICRO = 10;

  /** The longest period, 366 days (a leap year): the slowest rate is 1 token per 366 days. */
  static final Duration MAX_PERIOD = Duration.ofDays(366);

  /**
   * Validates the rate.
   *
   * @param tokens how many tokens are added (or leak) each period, from 1 to 10^9
   * @param period the period, a whole number of microseconds from 1 microsecond to 366 days
   * @throws IllegalArgumentException if tokens or period are out of range, or the rate is faster
   *     than 10 million per second
   */
  public Rate {
    Checks.range("rate tokens", tokens, 1, 1_000_000_000L);
    long micros = Checks.micros("rate period", period, Duration.ofNanos(1_000), MAX_PERIOD);
    if (tokens > MAX_TOKENS_PER_MICRO * micros) {
      throw Checks.fail(
          "rate", "be at most 10000000 per second", tokens + " per " + Durations.format(period));
    }
  }

  /**
   * A rate of {@code tokens} per second.
   *
   * @param tokens tokens per second
   * @return the rate
   * @throws IllegalArgumentException if out of range
   */
  public static Rate perSecond(long tokens) {
    return new Rate(tokens, Duration.ofSeconds(1));
  }

  /**
   * A rate of {@code tokens} per minute.
   *
   * @param tokens tokens per minute
   * @return the rate
   * @throws IllegalArgumentException if out of range
   */
  public static Rate perMinute(long tokens) {
    return new Rate(tokens, Duration.ofMinutes(1));
  }

  /**
   * A rate of {@code tokens} per {@code period}.
   *
   * @param tokens the tokens per period
   * @param period the period
   * @return the rate
   * @throws IllegalArgumentException if out of range
   */
  public static Rate of(long tokens, Duration period) {
    return new Rate(tokens, period);
  }

  /**
   * Parses a rate as people write it: {@code 1/s}, {@code 100/m}, {@code 10000/d}, {@code 5/10s},
   * {@code 20/500ms}.
   *
   * @param text the rate
   * @return the rate
   * @throws IllegalArgumentException if the text is not {@code <tokens>/<unit or duration>} or the
   *     rate is out of range
   */
  public static Rate parse(String text) {
    Checks.notNull("rate", text);
    int slash = text.indexOf('/');
    String tokens = slash < 0 ? "" : text.substring(0, slash).trim();
    if (slash < 0
        || tokens.isEmpty()
        || tokens.length() > 10
        || !tokens.chars().allMatch(Character::isDigit)) {
      throw Checks.fail(
          "rate", "be <tokens>/<period> such as 1/s, 100/m, 10000/d or 5/10s", "'" + text + "'");
    }
    return new Rate(
        Long.parseLong(tokens), Durations.parsePeriod("rate period", text.substring(slash + 1)));
  }

  /** The period in microseconds. */
  long periodMicros() {
    return period.toNanos() / 1_000;
  }

  /**
   * The tokens of this rate as a reduced fraction of tokens per microsecond: {@code 3/s} is 3 per
   * 1,000,000 microseconds, {@code 1000/s} is 1 per 1,000.
   *
   * @return the numerator: tokens
   */
  long reducedTokens() {
    return tokens / gcd(tokens, periodMicros());
  }

  /**
   * The denominator of {@link #reducedTokens()}: microseconds.
   *
   * @return the reduced period in microseconds
   */
  long reducedPeriodMicros() {
    return periodMicros() / gcd(tokens, periodMicros());
  }

  private static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  /** Prints the rate as {@link #parse} reads it, such as {@code 1/s} or {@code 5/10s}. */
  @Override
  public String toString() {
    String period = Durations.format(this.period);
    return tokens
        + "/"
        + (period.startsWith("1") && !Character.isDigit(period.charAt(1))
            ? period.substring(1)
            : period);
  }
}

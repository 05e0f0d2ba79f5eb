package dev.sluice;

import java.time.Duration;
import java.util.Locale;

/**
 * Parses and prints durations the way people write them: {@code 500us}, {@code 50ms},
 * {@code 1s}, {@code 10m}, {@code 1h}, {@code 30d}.
 */
public final class Durations {

  private static final String[] UNITS = {"d", "h", "m", "s", "ms", "us"};
  private static final long[] MICROS = {
    86_400_000_000L, 3_600_000_000L, 60_000_000L, 1_000_000L, 1_000L, 1L
  };

  private Durations() {}

  /**
   * Parses a duration such as {@code 50ms} or {@code 1m}: a positive whole number and one of the
   * units {@code us, ms, s, m, h, d}.
   *
   * @param param the name of the field being parsed, used in the error message
   * @param text the text to parse
   * @return the duration
   * @throws IllegalArgumentException if the text is not a whole number followed by a known unit
   */
  public static Duration parse(String param, String text) {
    Checks.notNull(param, text);
    String trimmed = text.trim().toLowerCase(Locale.ROOT);
    int split = 0;
    while (split < trimmed.length() && Character.isDigit(trimmed.charAt(split))) {
      split++;
    }
    String digits = trimmed.substring(0, split);
    String unit = trimmed.substring(split).trim();
    for (int i = 0; i < UNITS.length; i++) {
      if (UNITS[i].equals(unit) && !digits.isEmpty() && digits.length() <= 12) {
        return Duration.ofNanos(Math.multiplyExact(Long.parseLong(digits), MICROS[i]) * 1_000);
      }
    }
    throw new IllegalArgumentException(
        param + " must be a whole number followed by one of us, ms, s, m, h, d (like 50ms or 1m): '"
            + text + "'");
  }

  /**
   * Parses a unit alone ({@code s}, {@code m}...) or a duration ({@code 10s}), as found after the
   * slash of a rate such as {@code 100/m} or {@code 5/10s}.
   *
   * @param param the field name for the error message
   * @param text the unit or duration
   * @return the duration
   * @throws IllegalArgumentException if the text is neither
   */
  static Duration parsePeriod(String param, String text) {
    String trimmed = text.trim();
    if (!trimmed.isEmpty() && !Character.isDigit(trimmed.charAt(0))) {
      trimmed = "1" + trimmed;
    }
    return parse(param, trimmed);
  }

  /**
   * Formats a duration in the largest unit that represents it exactly, such as {@code 1s} or
   * {@code 1500ms}.
   *
   * @param duration the duration, at least zero
   * @return the text
   */
  public static String format(Duration duration) {
    long nanos = duration.toNanos();
    if (nanos % 1_000 != 0) {
      return duration.toString();
    }
    long micros = nanos / 1_000;
    if (micros == 0) {
      return "0s";
    }
    for (int i = 0; i < UNITS.length; i++) {
      if (micros % MICROS[i] == 0) {
        return (micros / MICROS[i]) + UNITS[i];
      }
    }
    throw new AssertionError("unreachable: microseconds divide every duration");
  }
}

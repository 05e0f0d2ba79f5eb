package dev.sluice;

import dev.sluice.internal.Checks;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * Parses and prints durations the way people write them: {@code 500us}, {@code 50ms}, {@code 1s},
 * {@code 10m}, {@code 1h}, {@code 30d}.
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
    return parse(param, text, text);
  }

  /** Parses {@code text}, quoting {@code shown} (what the user wrote) in the error message. */
  private static Duration parse(String param, String text, String shown) {
    String trimmed = text.trim().toLowerCase(Locale.ROOT);
    int split = 0;
    while (split < trimmed.length() && Character.isDigit(trimmed.charAt(split))) {
      split++;
    }
    String digits = trimmed.substring(0, split);
    String unit = trimmed.substring(split).trim();
    for (int i = 0; i < UNITS.length; i++) {
      if (UNITS[i].equals(unit) && !digits.isEmpty() && digits.length() <= 12) {
        long amount = Long.parseLong(digits);
        if (amount > Long.MAX_VALUE / MICROS[i]) {
          throw Checks.fail(
              param, "be at most " + Long.MAX_VALUE / MICROS[0] + "d", "'" + shown + "'");
        }
        return Duration.of(amount * MICROS[i], ChronoUnit.MICROS);
      }
    }
    throw Checks.fail(
        param,
        "be a whole number followed by one of us, ms, s, m, h, d (like 50ms or 1m)",
        "'" + shown + "'");
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
    return parse(param, trimmed, text);
  }

  /**
   * Formats a duration in the largest unit that represents it exactly, such as {@code 1s} or {@code
   * 1500ms}.
   *
   * @param duration the duration, at least zero
   * @return the text
   */
  public static String format(Duration duration) {
    if (duration.getNano() % 1_000 != 0) {
      return duration.toString();
    }
    long micros;
    try {
      // Not toNanos(): that overflows beyond 292 years, and this formats error messages about such
      // values.
      micros =
          Math.addExact(
              Math.multiplyExact(duration.getSeconds(), 1_000_000L), duration.getNano() / 1_000);
    } catch (ArithmeticException e) {
      return duration.toString();
    }
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

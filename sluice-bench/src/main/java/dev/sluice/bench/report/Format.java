package dev.sluice.bench.report;

/**
 * How the report writes numbers, ratios, percentages, durations and verdicts.
 *
 * <p>Design: pure functions of their arguments; {@code NaN} (a point not measured) always prints as
 * {@code -} or "no data", never as a number. Formatting uses the JVM's default locale, as the
 * report always has.
 */
final class Format {

  private Format() {}

  static String keysLabel(String keys) {
    return keys.equals("hot") ? "hot key" : "100,000 keys";
  }

  static String capital(String text) {
    return Character.toUpperCase(text.charAt(0)) + text.substring(1);
  }

  static String num(double value) {
    return Double.isNaN(value) ? "-" : String.format("%,.0f", value);
  }

  static String ratio(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return "-";
    }
    return value >= 10 ? String.format("%.0fx", value) : String.format("%.2fx", value);
  }

  static String pct(double value) {
    return Double.isNaN(value) ? "-" : String.format("%.2f%%", value);
  }

  static String us(double micros) {
    if (Double.isNaN(micros)) {
      return "-";
    }
    return micros >= 1000
        ? String.format("%.2f ms", micros / 1000)
        : micros >= 10 ? String.format("%.0f us", micros) : String.format("%.1f us", micros);
  }

  static String bytes(Double value) {
    return value == null || value.isNaN() ? "-" : String.format("%.0f B", value);
  }

  /** "met" when {@code ratio} reaches {@code goal}, else by how much it missed. */
  static String verdict(double ratio, double goal) {
    if (Double.isNaN(ratio)) {
      return "no data";
    }
    return ratio >= goal
        ? "met"
        : "**missed** by "
            + String.format("%.0f%%", 100 * (1 - ratio / goal))
            + " ("
            + ratio(ratio)
            + " of "
            + ratio(goal)
            + ")";
  }
}

package dev.sluice;

import java.time.Duration;

/**
 * A window aligned to the calendar in UTC ({@link Limit#calendarWindow}): a day from 00:00, a week
 * from Monday 00:00, a month from the first, a year from January 1st. UTC only: a day starts at
 * midnight UTC whatever the clients' time zones.
 */
public enum CalendarUnit {
  /** From 00:00 UTC to the next. */
  DAY("1d", Duration.ofDays(1)),
  /** From Monday 00:00 UTC to the next Monday. */
  WEEK("1w", Duration.ofDays(7)),
  /** From the first of the month, 00:00 UTC, to the first of the next (28 to 31 days). */
  MONTH("1mo", Duration.ofDays(31)),
  /** From January 1st, 00:00 UTC, to the next (365 or 366 days). */
  YEAR("1y", Duration.ofDays(366));

  private final String text;
  private final Duration longest;

  CalendarUnit(String text, Duration longest) {
    this.text = text;
    this.longest = longest;
  }

  /**
   * The unit a calendar window is written with.
   *
   * @param parameter the name of the value, for the message: {@code window}, or a path
   * @param text {@code 1d}, {@code 1w}, {@code 1mo} or {@code 1y}
   * @return the unit
   * @throws ValidationException naming {@code parameter} and the four allowed values otherwise
   */
  public static CalendarUnit parse(String parameter, String text) {
    for (CalendarUnit unit : values()) {
      if (unit.text.equals(text)) {
        return unit;
      }
    }
    throw new ValidationException(
        parameter, "be 1d, 1w, 1mo or 1y for a window aligned to the calendar", "'" + text + "'");
  }

  /**
   * The longest window of this unit.
   *
   * @return 1, 7, 31 or 366 days
   */
  public Duration longest() {
    return longest;
  }

  /**
   * The unit as the configuration writes it.
   *
   * @return {@code 1d}, {@code 1w}, {@code 1mo} or {@code 1y}
   */
  @Override
  public String toString() {
    return text;
  }
}

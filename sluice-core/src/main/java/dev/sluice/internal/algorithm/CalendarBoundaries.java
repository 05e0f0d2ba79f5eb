package dev.sluice.internal.algorithm;

import dev.sluice.CalendarUnit;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.temporal.TemporalAdjusters;

/**
 * Where calendar windows start and end, in microseconds since the Unix epoch, UTC, computed with
 * {@code java.time}: the reference that {@code acquire.lua}'s own calendar arithmetic (it has no
 * calendar) is tested against.
 */
final class CalendarBoundaries {

  private static final long DAY = 86_400_000_000L;

  private CalendarBoundaries() {}

  /** The start of the window of {@code unit} that holds {@code now}. */
  static long start(long now, CalendarUnit unit) {
    long day = Math.floorDiv(now, DAY);
    LocalDate date = LocalDate.ofEpochDay(day);
    LocalDate first =
        switch (unit) {
          case DAY -> date;
          case WEEK -> date.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
          case MONTH -> date.withDayOfMonth(1);
          case YEAR -> date.withDayOfYear(1);
        };
    return Maths.mul(first.toEpochDay(), DAY);
  }

  /** The end of the window of {@code unit} that starts at {@code start}: the next one's start. */
  static long end(long start, CalendarUnit unit) {
    LocalDate first = LocalDate.ofEpochDay(Math.floorDiv(start, DAY));
    LocalDate next =
        switch (unit) {
          case DAY -> first.plusDays(1);
          case WEEK -> first.plusWeeks(1);
          case MONTH -> first.plusMonths(1);
          case YEAR -> first.plusYears(1);
        };
    return Maths.mul(next.toEpochDay(), DAY);
  }
}

package dev.sluice.internal.algorithm;

import dev.sluice.CalendarUnit;
import dev.sluice.Limit;

/**
 * Fixed window: a count per window. Windows are aligned to multiples of their length since the
 * clock's epoch (Envoy's semantics), so every instance agrees on where a window starts; or, for a
 * {@link Limit.CalendarWindow}, to the calendar in UTC (a day, a week from Monday, a month, a
 * year), with lengths that follow it.
 *
 * <p>A stored window of the same length keeps its count when the limit changes (a count above a
 * lowered limit denies until the window ends); a window of another length, or of the other
 * alignment, is a fresh key's. A stored window records its length in microseconds, or for the
 * calendar a negative code: -1 day, -2 week, -3 month, -4 year.
 */
final class FixedWindowModel implements Model {

  private final Limit limit;
  private final long max;

  /** The window in microseconds, or the calendar unit's negative code. */
  private final long window;

  private final CalendarUnit unit;

  FixedWindowModel(Limit.FixedWindow limit) {
    this.limit = limit;
    this.max = limit.limit();
    this.window = limit.window().toNanos() / 1_000;
    this.unit = null;
  }

  FixedWindowModel(Limit.CalendarWindow limit) {
    this.limit = limit;
    this.max = limit.limit();
    this.window = code(limit.unit());
    this.unit = limit.unit();
  }

  /** The code a calendar window is stored with: -1 day, -2 week, -3 month, -4 year. */
  static long code(CalendarUnit unit) {
    return switch (unit) {
      case DAY -> -1;
      case WEEK -> -2;
      case MONTH -> -3;
      case YEAR -> -4;
    };
  }

  @Override
  public Limit limit() {
    return limit;
  }

  private long start(long now) {
    return unit == null ? Maths.windowStart(now, window) : CalendarBoundaries.start(now, unit);
  }

  private long end(long start) {
    return unit == null ? Maths.add(start, window) : CalendarBoundaries.end(start, unit);
  }

  @Override
  public Outcome step(State state, long now, long cost) {
    long start = start(now);
    long count = 0;
    if (state instanceof State.Window stored
        && stored.window() == window
        && start <= stored.start()) {
      now = Math.max(now, stored.start());
      start = stored.start();
      count = stored.count();
    }
    long untilEnd = Maths.sub(end(start), now);
    if (count + cost <= max) {
      long used = count + cost;
      return new Outcome(
          new State.Window(used, start, window), true, max - used, 0, used == 0 ? 0 : untilEnd);
    }
    return new Outcome(
        new State.Window(count, start, window),
        false,
        Math.max(0, max - count),
        untilEnd,
        untilEnd);
  }

  @Override
  public long[] parameters() {
    return new long[] {max, window};
  }

  @Override
  public long freshAt(State state) {
    if (!(state instanceof State.Window stored) || stored.window() != window) {
      return Long.MIN_VALUE;
    }
    return stored.count() == 0 ? Long.MIN_VALUE : end(stored.start());
  }
}

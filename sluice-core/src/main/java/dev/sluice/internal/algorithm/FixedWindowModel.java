package dev.sluice.internal.algorithm;

import dev.sluice.Limit;

/**
 * Fixed window: a count per window; windows are aligned to multiples of their length since the
 * clock's epoch (Envoy's semantics), so every instance agrees on where a window starts.
 *
 * <p>A stored window of the same length keeps its count when the limit changes (a count above a
 * lowered limit denies until the window ends); a window of another length is a fresh key's.
 */
final class FixedWindowModel implements Model {

  private final Limit.FixedWindow limit;
  private final long max;
  private final long window;

  FixedWindowModel(Limit.FixedWindow limit) {
    this.limit = limit;
    this.max = limit.limit();
    this.window = limit.window().toNanos() / 1_000;
  }

  @Override
  public Limit limit() {
    return limit;
  }

  @Override
  public Outcome step(State state, long now, long cost) {
    long start = Maths.windowStart(now, window);
    long count = 0;
    if (state instanceof State.Window stored
        && stored.window() == window
        && start <= stored.start()) {
      now = Math.max(now, stored.start());
      start = stored.start();
      count = stored.count();
    }
    long untilEnd = Maths.sub(Maths.add(start, window), now);
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
    return stored.count() == 0 ? Long.MIN_VALUE : Maths.add(stored.start(), window);
  }
}

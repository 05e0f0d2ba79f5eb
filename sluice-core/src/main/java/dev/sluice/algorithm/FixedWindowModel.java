package dev.sluice.algorithm;

import dev.sluice.Limit;

/**
 * Fixed window: a count per window; windows are aligned to multiples of their length since the
 * clock's epoch (Envoy's semantics), so every instance agrees on where a window starts.
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
    if (state != null) {
      State.Window stored = (State.Window) state;
      if (start <= stored.start()) {
        now = Math.max(now, stored.start());
        start = stored.start();
        count = stored.current();
      }
    }
    long untilEnd = Maths.sub(Maths.add(start, window), now);
    if (count + cost <= max) {
      long used = count + cost;
      return new Outcome(
          new State.Window(0, used, start), true, max - used, 0, used == 0 ? 0 : untilEnd);
    }
    return new Outcome(new State.Window(0, count, start), false, max - count, untilEnd, untilEnd);
  }

  @Override
  public long[] parameters() {
    return new long[] {max, window};
  }

  @Override
  public long freshAt(State state) {
    State.Window stored = (State.Window) state;
    return stored.current() == 0 ? Long.MIN_VALUE : Maths.add(stored.start(), window);
  }
}

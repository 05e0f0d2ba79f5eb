package dev.sluice.internal.algorithm;

import dev.sluice.Limit;

/**
 * Sliding window counter (Cloudflare's estimate): the count of the current aligned window plus the
 * previous window's count weighted by the share of it that the sliding window still covers.
 *
 * <p>The weight {@code (window - elapsed) / window} is quantised to steps of {@code ceil(window /
 * 2^20)} microseconds (exact for windows up to about a second) and rounded up, so that {@code
 * previous * weight} stays below 2^53 for every limit up to 10^9 and every window up to 366 days.
 * The estimate is an approximation by design; see docs/design-decisions.md.
 */
final class SlidingWindowModel implements Model {

  private static final long STEPS = 1L << 20;

  private final Limit.SlidingWindow limit;
  private final long max;
  private final long window;

  /** Microseconds per weight step. */
  private final long step;

  /** Weight steps in a window: the weight's denominator. */
  private final long steps;

  SlidingWindowModel(Limit.SlidingWindow limit) {
    this.limit = limit;
    this.max = limit.limit();
    this.window = limit.window().toNanos() / 1_000;
    this.step = Math.max(1, Maths.ceilDiv(window, STEPS));
    this.steps = Maths.ceilDiv(window, step);
  }

  @Override
  public Limit limit() {
    return limit;
  }

  @Override
  public Outcome step(State state, long now, long cost) {
    long start = Maths.windowStart(now, window);
    long previous = 0;
    long current = 0;
    if (state instanceof State.Sliding stored && stored.window() == window) {
      if (start <= stored.start()) {
        now = Math.max(now, stored.start());
        start = stored.start();
        previous = stored.previous();
        current = stored.current();
      } else if (Maths.sub(start, stored.start()) == window) {
        previous = stored.current();
      }
    }
    long elapsed = now - start;
    long estimate = current + weighted(previous, elapsed);
    if (estimate + cost <= max) {
      State.Sliding next = new State.Sliding(previous, current + cost, start, window);
      return new Outcome(next, true, max - estimate - cost, 0, resetAfter(next, now));
    }
    State.Sliding same = new State.Sliding(previous, current, start, window);
    return new Outcome(
        same,
        false,
        Math.max(0, max - estimate),
        retryAfter(same, elapsed, cost),
        resetAfter(same, now));
  }

  /** {@code ceil(count * weight)} with the weight of the previous window at {@code elapsed}. */
  private long weighted(long count, long elapsed) {
    if (count == 0) {
      return 0;
    }
    long weight = Maths.ceilDiv(window - elapsed, step);
    return Maths.ceilDiv(count * weight, steps);
  }

  /**
   * The exact wait until {@code cost} fits: the largest weight step {@code x} with {@code
   * ceil(previous * x / steps) <= room} is {@code floor(room * steps / previous)}, reached when
   * {@code window - elapsed <= x * step}. If no weight fits in this window, the next window (where
   * the current count becomes the previous one) or the one after is tried.
   */
  private long retryAfter(State.Sliding state, long elapsed, long cost) {
    long room = max - cost - state.current();
    if (room >= 0 && state.previous() > 0) {
      long fits = Math.min(steps, room * steps / state.previous());
      if (fits > 0) {
        return window - fits * step - elapsed;
      }
    }
    long untilNext = window - elapsed;
    if (state.current() == 0) {
      return untilNext;
    }
    long fits = Math.min(steps, (max - cost) * steps / state.current());
    if (fits == 0) {
      return untilNext + window;
    }
    return untilNext + Math.max(0, window - fits * step);
  }

  private long resetAfter(State.Sliding state, long now) {
    return Math.max(0, Maths.sub(freshAt(state), now));
  }

  @Override
  public long[] parameters() {
    return new long[] {max, window, step, steps};
  }

  @Override
  public long freshAt(State state) {
    if (!(state instanceof State.Sliding stored) || stored.window() != window) {
      return Long.MIN_VALUE;
    }
    if (stored.current() > 0) {
      return Maths.add(stored.start(), 2 * window);
    }
    return stored.previous() > 0 ? Maths.add(stored.start(), window) : Long.MIN_VALUE;
  }
}

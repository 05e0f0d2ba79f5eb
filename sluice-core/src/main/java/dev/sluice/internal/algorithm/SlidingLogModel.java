package dev.sluice.internal.algorithm;

import dev.sluice.Limit;
import java.util.Arrays;

/**
 * Sliding log: every admitted request of the last window is remembered with its time and cost; a
 * request is admitted if the total cost in the half-open window {@code (now - window, now]} plus
 * its own stays within the limit. Exact, at the price of memory and time linear in the number of
 * distinct admission times in a window (at most the limit).
 *
 * <p>A stored log of the same window length is kept when the limit changes (above a lowered limit
 * it denies until enough entries have left the window); one of another length is a fresh key's.
 */
final class SlidingLogModel implements Model {

  private static final long[] EMPTY = new long[0];

  private final Limit.SlidingLog limit;
  private final long max;
  private final long window;

  SlidingLogModel(Limit.SlidingLog limit) {
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
    long[] times = EMPTY;
    long[] costs = EMPTY;
    if (state instanceof State.Log log && log.window() == window) {
      times = log.times();
      costs = log.costs();
      if (times.length > 0) {
        now = Math.max(now, times[times.length - 1]);
      }
    }
    int first = 0;
    // now >= every stored time, so now - time is exact or saturates high: no false expiry near
    // MAX_VALUE.
    while (first < times.length && Maths.sub(now, times[first]) >= window) {
      first++;
    }
    long used = 0;
    for (int i = first; i < times.length; i++) {
      used += costs[i];
    }
    if (cost > 0 && used + cost <= max) {
      boolean merge = first < times.length && times[times.length - 1] == now;
      long[] nextTimes = Arrays.copyOfRange(times, first, times.length + (merge ? 0 : 1));
      long[] nextCosts = Arrays.copyOfRange(costs, first, costs.length + (merge ? 0 : 1));
      nextTimes[nextTimes.length - 1] = now;
      nextCosts[nextCosts.length - 1] = merge ? nextCosts[nextCosts.length - 1] + cost : cost;
      return new Outcome(
          new State.Log(nextTimes, nextCosts, window), true, max - used - cost, 0, window);
    }
    State.Log live =
        new State.Log(
            Arrays.copyOfRange(times, first, times.length),
            Arrays.copyOfRange(costs, first, costs.length),
            window);
    long resetAfter = Math.max(0, Maths.sub(freshAt(live), now));
    if (used + cost <= max) {
      return new Outcome(live, true, max - used, 0, resetAfter);
    }
    long freed = 0;
    int i = first;
    while (used - freed + cost > max) {
      freed += costs[i++];
    }
    long retryAfter = Maths.sub(Maths.add(times[i - 1], window), now);
    return new Outcome(live, false, Math.max(0, max - used), retryAfter, resetAfter);
  }

  @Override
  public long[] parameters() {
    return new long[] {max, window};
  }

  @Override
  public long freshAt(State state) {
    if (!(state instanceof State.Log log) || log.window() != window) {
      return Long.MIN_VALUE;
    }
    long[] times = log.times();
    return times.length == 0 ? Long.MIN_VALUE : Maths.add(times[times.length - 1], window);
  }
}

package dev.sluice.internal.algorithm;

import dev.sluice.Limit;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The reference model of one limit: a pure function {@code (state, now, cost) -> outcome}.
 *
 * <p>Every backend computes the same decisions: the in-memory backend runs the model directly, the
 * Redis scripts are tested against it. Times are microseconds on any clock (the backend's); the
 * model never reads a clock. A {@code now} earlier than the state's own time is treated as the
 * state's time: time never runs backwards inside a bucket.
 *
 * <p>All arithmetic is on longs, exact, with no floating point. Within the validated ranges of
 * {@link Limit} every intermediate value of a step stays below 2^53, so a Lua script doing the same
 * operations on doubles is exact too.
 *
 * <p>Models are immutable and thread-safe.
 */
public sealed interface Model
    permits BucketModel, FixedWindowModel, SlidingWindowModel, SlidingLogModel, ConcurrencyModel {

  /**
   * The model of a limit.
   *
   * @param limit the limit
   * @return its model
   */
  static Model of(Limit limit) {
    if (limit instanceof Limit.TokenBucket tb) {
      return new BucketModel(tb, tb.capacity(), tb.refill());
    } else if (limit instanceof Limit.LeakyBucket lb) {
      return new BucketModel(lb, lb.capacity(), lb.leak());
    } else if (limit instanceof Limit.FixedWindow fw) {
      return new FixedWindowModel(fw);
    } else if (limit instanceof Limit.CalendarWindow cw) {
      return new FixedWindowModel(cw);
    } else if (limit instanceof Limit.SlidingWindow sw) {
      return new SlidingWindowModel(sw);
    } else if (limit instanceof Limit.Concurrency c) {
      return new ConcurrencyModel(c);
    } else {
      return new SlidingLogModel((Limit.SlidingLog) limit);
    }
  }

  /**
   * The limit this model computes.
   *
   * @return the limit
   */
  Limit limit();

  /**
   * One decision: whether {@code cost} fits at {@code now}, and the state after it.
   *
   * <p>The state may have been stored under an earlier version of the limit (same policy, same
   * limit id): a bucket's debt and a window's count carry over to the new capacity or rate, and a
   * state of another algorithm or window length counts as a fresh key's (see {@link State}).
   *
   * @param state the stored state, or {@code null} for a fresh key
   * @param now the current time in microseconds
   * @param cost the cost, from 0 (a look that consumes nothing) to the limit's capacity
   * @return the outcome; its state is to be stored only if the request is committed
   */
  Outcome step(State state, long now, long cost);

  /**
   * {@link #step(State, long, long)} for a request that is granted {@code permit} if allowed: a
   * concurrency limit stores it; the other models ignore it.
   *
   * @param state the stored state, or {@code null} for a fresh key
   * @param now the time in microseconds
   * @param cost the cost; 0 only looks
   * @param permit the id of the permit an allowed request holds, or {@code null} if the policy
   *     holds none
   * @return the outcome
   */
  default Outcome step(@Nullable State state, long now, long cost, @Nullable String permit) {
    return step(state, now, cost);
  }

  /**
   * The state after {@code permit} is released: a concurrency limit forgets it; the other models
   * have nothing to release.
   *
   * @param state the stored state, or {@code null}
   * @param now the time in microseconds
   * @param permit the permit's id
   * @return the new state, or {@code null} if nothing changes (an unknown or expired permit)
   */
  default @Nullable State release(@Nullable State state, long now, String permit) {
    return null;
  }

  /**
   * A look without consuming: whether a request of cost 1 would be allowed and when, with the
   * remaining and reset of the state as it is.
   *
   * @param state the stored state, or {@code null} for a fresh key
   * @param now the current time in microseconds
   * @return the outcome; its state need not be stored
   */
  default Outcome peek(State state, long now) {
    Outcome current = step(state, now, 0);
    Outcome one = step(state, now, 1);
    return new Outcome(
        current.state(),
        one.allowed(),
        current.remaining(),
        one.retryAfter(),
        current.resetAfter());
  }

  /**
   * Gives back {@code cost} that a request took and did not use: the state as it stands at {@code
   * now}, less {@code cost}, never below nothing taken. A token or leaky bucket gets the tokens
   * back up to its capacity, a fixed window and a sliding window their current window's count down
   * to zero, a sliding log its latest entries.
   *
   * @param state the stored state, or {@code null} for a fresh key
   * @param now the current time in microseconds
   * @param cost what to give back, at least 1
   * @return the state to store, or {@code null} if there is nothing to give back (store nothing)
   */
  default @Nullable State refund(@Nullable State state, long now, long cost) {
    State current = step(state, now, 0).state();
    if (current instanceof State.Bucket b) {
      return b.used() == 0
          ? null
          : new State.Bucket(
              b.leaky(), Math.max(0, b.used() - cost * b.unit()), b.last(), b.unit());
    } else if (current instanceof State.Window w) {
      return w.count() == 0
          ? null
          : new State.Window(Math.max(0, w.count() - cost), w.start(), w.window());
    } else if (current instanceof State.Sliding s) {
      return s.current() == 0
          ? null
          : new State.Sliding(s.previous(), Math.max(0, s.current() - cost), s.start(), s.window());
    }
    State.Log log = (State.Log) current;
    long[] times = log.times();
    long[] costs = log.costs().clone();
    int end = costs.length;
    long left = cost;
    while (end > 0 && left > 0) {
      long take = Math.min(left, costs[end - 1]);
      costs[end - 1] -= take;
      left -= take;
      if (costs[end - 1] == 0) {
        end--;
      }
    }
    return end == times.length && left == cost
        ? null
        : new State.Log(Arrays.copyOf(times, end), Arrays.copyOf(costs, end), log.window());
  }

  /**
   * The integers that define this model's arithmetic, in the order the Redis script takes them (see
   * {@code acquire.lua}): for buckets the units when full, units per microsecond and units per
   * token; for windows the limit, the window, and for the sliding window the weight step and steps.
   *
   * @return a new array
   */
  long[] parameters();

  /**
   * The time from which {@code state} is the same as a fresh key's, so that it can be dropped
   * without changing any decision; {@link Long#MIN_VALUE} for a state this model would not take
   * over.
   *
   * @param state a stored state, not {@code null}
   * @return the time in microseconds
   */
  long freshAt(State state);
}

package dev.sluice.internal.algorithm;

import dev.sluice.Limit;

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
    permits BucketModel, FixedWindowModel, SlidingWindowModel, SlidingLogModel {

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
    } else if (limit instanceof Limit.SlidingWindow sw) {
      return new SlidingWindowModel(sw);
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

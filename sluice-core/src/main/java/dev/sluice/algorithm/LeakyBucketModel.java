package dev.sluice.algorithm;

import dev.sluice.Limit;

/**
 * Leaky bucket as a meter: a water level that drains at the leak rate; a request adds its cost to
 * the level if the level stays within the capacity.
 *
 * <p>As a meter this is the generic cell rate algorithm, and it is exactly a token bucket seen from
 * the other side: the free space of the leaky bucket is the token count. The model therefore runs
 * the token bucket's step on {@code full - level} and stores the water level, so that both share
 * one implementation of the exact arithmetic.
 */
final class LeakyBucketModel implements Model {

  private final TokenBucketModel tokens;
  private final long full;

  LeakyBucketModel(Limit.LeakyBucket limit) {
    this.tokens = new TokenBucketModel(limit, limit.capacity(), limit.leak());
    this.full = tokens.full();
  }

  @Override
  public Limit limit() {
    return tokens.limit();
  }

  @Override
  public Outcome step(State state, long now, long cost) {
    Outcome outcome = tokens.step(flip(state), now, cost);
    return new Outcome(
        flip(outcome.state()),
        outcome.allowed(),
        outcome.remaining(),
        outcome.retryAfter(),
        outcome.resetAfter());
  }

  @Override
  public long[] parameters() {
    return tokens.parameters();
  }

  @Override
  public long freshAt(State state) {
    return tokens.freshAt(flip(state));
  }

  private State.Bucket flip(State state) {
    if (state == null) {
      return null;
    }
    State.Bucket bucket = (State.Bucket) state;
    return new State.Bucket(full - bucket.level(), bucket.last());
  }
}

package dev.sluice.algorithm;

import dev.sluice.Limit;
import dev.sluice.Rate;

/**
 * Token bucket with exact fractional refill.
 *
 * <p>The rate {@code r/p} (r tokens per p microseconds, fraction reduced) is kept exact by counting
 * in units of 1/p token: a full bucket holds {@code capacity * p} units, one microsecond adds
 * {@code r} units, one token is {@code p} units. The state is that level and the time of the last
 * update; the fractional token carried between steps is part of the level, so nothing drifts.
 */
final class TokenBucketModel implements Model {

  private final Limit limit;

  /** Units added per microsecond. */
  private final long rate;

  /** Units per token. */
  private final long unit;

  /** Units in a full bucket: {@code capacity * unit}, at most 2^52. */
  private final long full;

  TokenBucketModel(Limit.TokenBucket limit) {
    this(limit, limit.capacity(), limit.refill());
  }

  TokenBucketModel(Limit limit, long capacity, Rate refill) {
    this.limit = limit;
    this.rate = refill.reducedTokens();
    this.unit = refill.reducedPeriodMicros();
    this.full = capacity * unit;
  }

  @Override
  public Limit limit() {
    return limit;
  }

  @Override
  public Outcome step(State state, long now, long cost) {
    long level;
    long last;
    if (state == null) {
      level = full;
      last = now;
    } else {
      State.Bucket bucket = (State.Bucket) state;
      last = Math.max(bucket.last(), now);
      level = refill(bucket.level(), bucket.last(), last);
    }
    long need = cost * unit;
    if (level >= need) {
      long left = level - need;
      return new Outcome(new State.Bucket(left, last), true, left / unit, 0, untilFull(left));
    }
    return new Outcome(
        new State.Bucket(level, last),
        false,
        level / unit,
        Maths.ceilDiv(need - level, rate),
        untilFull(level));
  }

  @Override
  public long[] parameters() {
    return new long[] {full, rate, unit};
  }

  @Override
  public long freshAt(State state) {
    State.Bucket bucket = (State.Bucket) state;
    return Maths.add(bucket.last(), untilFull(bucket.level()));
  }

  /** The level at {@code now}; computed without overflow however long the bucket was idle. */
  private long refill(long level, long last, long now) {
    long elapsed = Maths.sub(now, last);
    long missing = full - level;
    if (elapsed >= Maths.ceilDiv(missing, rate)) {
      return full;
    }
    return level + elapsed * rate;
  }

  private long untilFull(long level) {
    return Maths.ceilDiv(full - level, rate);
  }

  /** Units in a full bucket. */
  long full() {
    return full;
  }
}

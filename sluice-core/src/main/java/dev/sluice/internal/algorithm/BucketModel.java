package dev.sluice.internal.algorithm;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import dev.sluice.Rate;

/**
 * Token bucket and leaky bucket, one model: exact fractional refill of what was taken.
 *
 * <p>A token bucket of capacity {@code c} refilled at {@code r} and a leaky bucket (as a meter,
 * GCRA) of capacity {@code c} leaking at {@code r} are the same machine seen from two sides: the
 * token bucket's debt is the leaky bucket's water level. The state is that amount, {@code used},
 * and the time of the last update; a request of cost {@code n} fits if {@code used + n <= c}.
 *
 * <p>The rate {@code r/p} (r tokens per p microseconds, fraction reduced) is kept exact by counting
 * in units of 1/p token: a full bucket is {@code c * p} units, one microsecond drains {@code r}
 * units, one token is {@code p} units. The fraction of a token carried between steps is part of
 * {@code used}, so nothing drifts.
 *
 * <p>A state counted in another unit (the rate changed) is converted to whole tokens rounded up,
 * against the client, and then to this model's unit; a state above this capacity (the capacity was
 * lowered) is clamped to it. With the same unit the debt carries over exactly. A token bucket's
 * state is a fresh key to a leaky bucket and the other way round: a change of algorithm starts
 * afresh, as for every algorithm. See docs/design-decisions.md.
 */
final class BucketModel implements Model {

  private final Limit limit;
  private final boolean leaky;
  private final long capacity;

  /** Units drained per microsecond. */
  private final long rate;

  /** Units per token. */
  private final long unit;

  /** Units in a full bucket: {@code capacity * unit}, at most 2^52. */
  private final long full;

  BucketModel(Limit limit, long capacity, Rate rate) {
    this.limit = limit;
    this.leaky = limit.algorithm() == Algorithm.LEAKY_BUCKET;
    this.capacity = capacity;
    long period = rate.period().toNanos() / 1_000;
    long gcd = Maths.gcd(rate.tokens(), period);
    this.rate = rate.tokens() / gcd;
    this.unit = period / gcd;
    this.full = capacity * unit;
  }

  @Override
  public Limit limit() {
    return limit;
  }

  @Override
  public Outcome step(State state, long now, long cost) {
    long used = 0;
    long last = now;
    if (state instanceof State.Bucket bucket && bucket.leaky() == leaky) {
      last = Math.max(bucket.last(), now);
      used = Maths.drain(adopt(bucket), Maths.sub(last, bucket.last()), rate);
    }
    long need = cost * unit;
    if (used + need <= full) {
      long after = used + need;
      return new Outcome(
          new State.Bucket(leaky, after, last, unit),
          true,
          (full - after) / unit,
          0,
          untilEmpty(after));
    }
    // A denial changes nothing: the stored state, where there is one of this kind, stands for the
    // state brought up to date (it drains to the same), so none is built.
    return new Outcome(
        state instanceof State.Bucket bucket && bucket.leaky() == leaky
            ? bucket
            : new State.Bucket(leaky, used, last, unit),
        false,
        (full - used) / unit,
        Maths.ceilDiv(used + need - full, rate),
        untilEmpty(used));
  }

  @Override
  public long[] parameters() {
    return new long[] {full, rate, unit};
  }

  @Override
  public long freshAt(State state) {
    if (!(state instanceof State.Bucket bucket) || bucket.leaky() != leaky) {
      return Long.MIN_VALUE;
    }
    return Maths.add(bucket.last(), untilEmpty(adopt(bucket)));
  }

  /**
   * The units a stored state has taken, in this model's scale: exact in the same unit (clamped to a
   * full bucket), else whole tokens rounded up, clamped to the capacity, in this unit. Every value
   * stays at most {@code full <= 2^52}.
   */
  private long adopt(State.Bucket bucket) {
    if (bucket.unit() == unit) {
      return Math.min(bucket.used(), full);
    }
    return Math.min(capacity, Maths.ceilDiv(bucket.used(), bucket.unit())) * unit;
  }

  private long untilEmpty(long used) {
    return Maths.ceilDiv(used, rate);
  }
}

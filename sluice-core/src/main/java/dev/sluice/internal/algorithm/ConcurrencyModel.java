package dev.sluice.internal.algorithm;

import dev.sluice.Limit;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Concurrency: a set of permits, each live until it is released or its lease ends. A request is
 * allowed while fewer than {@code max} permits are live, and then holds a new one; its cost does
 * not matter (one request, one permit). A denial's retry is the limit's hint, or the time to the
 * first lease's end if sooner: releases cannot be foreseen. A lowered {@code max} keeps the permits
 * granted and denies until enough are gone; a changed lease applies to permits granted from then.
 */
final class ConcurrencyModel implements Model {

  private static final String[] NO_IDS = new String[0];
  private static final long[] NO_TIMES = new long[0];

  private final Limit.Concurrency limit;
  private final long max;
  private final long lease;
  private final long hint;

  ConcurrencyModel(Limit.Concurrency limit) {
    this.limit = limit;
    this.max = limit.limit();
    this.lease = limit.lease().toNanos() / 1_000;
    this.hint = limit.retryHint().toNanos() / 1_000;
  }

  @Override
  public Limit limit() {
    return limit;
  }

  @Override
  public Outcome step(State state, long now, long cost) {
    return step(state, now, cost, null);
  }

  @Override
  public Outcome step(@Nullable State state, long now, long cost, @Nullable String permit) {
    State.Permits live = live(state, now);
    int count = live.ids().length;
    if (cost > 0 && count < max) {
      if (permit == null) {
        throw new IllegalStateException("a request on a concurrency limit needs a permit id");
      }
      String[] ids = Arrays.copyOf(live.ids(), count + 1);
      long[] expiries = Arrays.copyOf(live.expiries(), count + 1);
      ids[count] = permit;
      expiries[count] = Maths.add(now, lease);
      State.Permits next = new State.Permits(ids, expiries);
      return new Outcome(next, true, max - count - 1, 0, resetAfter(next, now));
    }
    long resetAfter = resetAfter(live, now);
    if (cost == 0 || count < max) {
      return new Outcome(live, true, Math.max(0, max - count), 0, resetAfter);
    }
    long first = Long.MAX_VALUE;
    for (long expiry : live.expiries()) {
      first = Math.min(first, expiry);
    }
    long retry = Math.max(1, Math.min(hint, Maths.sub(first, now)));
    return new Outcome(live, false, 0, retry, resetAfter);
  }

  /** A look and a would-be request, under an id that is never stored. */
  @Override
  public Outcome peek(State state, long now) {
    Outcome current = step(state, now, 0);
    Outcome one = step(state, now, 1, "peek");
    return new Outcome(
        current.state(),
        one.allowed(),
        current.remaining(),
        one.retryAfter(),
        current.resetAfter());
  }

  @Override
  public @Nullable State release(@Nullable State state, long now, String permit) {
    State.Permits live = live(state, now);
    String[] ids = live.ids();
    for (int i = 0; i < ids.length; i++) {
      if (ids[i].equals(permit)) {
        String[] nextIds = new String[ids.length - 1];
        long[] nextExpiries = new long[ids.length - 1];
        System.arraycopy(ids, 0, nextIds, 0, i);
        System.arraycopy(ids, i + 1, nextIds, i, ids.length - i - 1);
        System.arraycopy(live.expiries(), 0, nextExpiries, 0, i);
        System.arraycopy(live.expiries(), i + 1, nextExpiries, i, ids.length - i - 1);
        return new State.Permits(nextIds, nextExpiries);
      }
    }
    return null;
  }

  /** Nothing to give back: a permit is released, not refunded. */
  @Override
  public @Nullable State refund(@Nullable State state, long now, long cost) {
    return null;
  }

  /** The permits whose lease has not ended at {@code now}. */
  private static State.Permits live(@Nullable State state, long now) {
    if (!(state instanceof State.Permits permits)) {
      return new State.Permits(NO_IDS, NO_TIMES);
    }
    long[] expiries = permits.expiries();
    int live = 0;
    for (long expiry : expiries) {
      if (expiry > now) {
        live++;
      }
    }
    if (live == expiries.length) {
      return permits;
    }
    String[] ids = new String[live];
    long[] times = new long[live];
    int n = 0;
    for (int i = 0; i < expiries.length; i++) {
      if (expiries[i] > now) {
        ids[n] = permits.ids()[i];
        times[n++] = expiries[i];
      }
    }
    return new State.Permits(ids, times);
  }

  /** When every permit's lease has ended, from {@code now}; 0 for none. */
  private static long resetAfter(State.Permits permits, long now) {
    long last = now;
    for (long expiry : permits.expiries()) {
      last = Math.max(last, expiry);
    }
    return Maths.sub(last, now);
  }

  @Override
  public long[] parameters() {
    return new long[] {max, lease, hint};
  }

  @Override
  public long freshAt(State state) {
    if (!(state instanceof State.Permits permits)) {
      return Long.MIN_VALUE;
    }
    long last = Long.MIN_VALUE;
    for (long expiry : permits.expiries()) {
      last = Math.max(last, expiry);
    }
    return last;
  }
}

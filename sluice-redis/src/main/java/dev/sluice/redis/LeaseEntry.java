package dev.sluice.redis;

import dev.sluice.internal.algorithm.Maths;
import java.util.concurrent.CompletableFuture;

/**
 * One key of a leasing policy on this instance: the tokens it holds, what it knows of the shared
 * bucket, its demand, and the lease call in flight. Every field is guarded by the entry's monitor.
 */
final class LeaseEntry {

  final String key;
  final DemandMeter demand;
  boolean removed;

  /** Tokens leased and not yet spent. */
  long held;

  /** Local time of the last grant. */
  long leasedAt;

  /** Redis could not fill the last batch: no call before {@code nextCallAt}. */
  boolean starved;

  long nextCallAt;

  /**
   * The bucket's level (units available) as the last call left it, at local time {@code levelAt}.
   */
  boolean known;

  long level;
  long levelAt;

  /** Local time of the last request. */
  long lastSeen;

  /** Completed when the lease call in flight has answered; null when none is. */
  CompletableFuture<Void> pending;

  LeaseEntry(String key, long horizonMicros) {
    this.key = key;
    this.demand = new DemandMeter(horizonMicros);
  }

  /** Counts a request in the key's demand. */
  void record(long now, long cost) {
    demand.record(now, cost);
    lastSeen = now;
  }

  /** What a reply of Redis told of the bucket. */
  void saw(long units, long now) {
    level = units;
    levelAt = now;
    known = true;
  }

  /**
   * The bucket's level at {@code now} as this instance knows it: the level of the last call,
   * refilled since by the core's bucket arithmetic (other instances' spending is not seen).
   */
  long level(LeasePlan plan, long now) {
    if (!known) {
      return 0;
    }
    if (now <= levelAt) {
      return level;
    }
    return plan.full - Maths.drain(plan.full - level, Maths.sub(now, levelAt), plan.rate);
  }
}

package dev.sluice.redis;

/**
 * A key's recent demand on this instance: requests and tokens in the current window of one lease
 * horizon and in the previous one, read as a sliding estimate (the count of the current window plus
 * the previous one's weighted by its overlap). Not thread-safe: guarded by its entry.
 */
final class DemandMeter {

  private final long horizon;
  private boolean started;
  private long windowStart;
  private long requests;
  private long previousRequests;
  private long tokens;
  private long previousTokens;

  DemandMeter(long horizonMicros) {
    this.horizon = horizonMicros;
  }

  /** Counts one request of {@code cost} tokens at {@code now}. */
  void record(long now, long cost) {
    roll(now);
    requests++;
    tokens += cost;
  }

  /** The estimated requests in the last horizon. */
  double requests(long now) {
    roll(now);
    return estimate(now, requests, previousRequests);
  }

  /** The estimated tokens asked in the last horizon. */
  double tokens(long now) {
    roll(now);
    return estimate(now, tokens, previousTokens);
  }

  private double estimate(long now, long current, long previous) {
    long into = Math.max(0, Math.min(horizon, now - windowStart));
    return current + (double) previous * (horizon - into) / horizon;
  }

  private void roll(long now) {
    if (!started) {
      started = true;
      windowStart = now;
      return;
    }
    long into = now - windowStart;
    if (now < windowStart || (into >= 0 && into < horizon)) {
      return; // still in the window (time that went back counts in it)
    }
    boolean adjacent = into >= 0 && into < 2 * horizon;
    previousRequests = adjacent ? requests : 0;
    previousTokens = adjacent ? tokens : 0;
    requests = 0;
    tokens = 0;
    windowStart = into >= 0 ? now - into % horizon : now;
  }
}

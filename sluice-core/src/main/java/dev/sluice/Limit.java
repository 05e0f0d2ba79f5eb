package dev.sluice;

import dev.sluice.internal.Checks;
import java.time.Duration;

/**
 * One limit: an algorithm and its parameters, validated when built.
 *
 * <p>Limits are immutable values. A {@link Policy} holds one or more of them; a request is allowed
 * only if every limit of its policy allows it.
 *
 * <pre>{@code
 * Limit.tokenBucket(10, Rate.perSecond(1));              // the seed's: burst 10, 1 token/s
 * Limit.fixedWindow(1000, Duration.ofHours(1));
 * Limit.slidingWindow(100, Duration.ofMinutes(1));
 * }</pre>
 */
public sealed interface Limit
    permits Limit.TokenBucket,
        Limit.FixedWindow,
        Limit.CalendarWindow,
        Limit.SlidingWindow,
        Limit.SlidingLog,
        Limit.LeakyBucket,
        Limit.Concurrency {

  /** The largest capacity or limit of any algorithm. */
  long MAX_CAPACITY = 1_000_000_000L;

  /** The largest limit of a sliding log, which stores one entry per admitted request. */
  long MAX_LOG_LIMIT = 100_000L;

  /** A concurrency limit's default retry hint: 100 ms (or its lease, if shorter). */
  Duration RETRY_HINT = Duration.ofMillis(100);

  /** The shortest window. */
  Duration MIN_WINDOW = Duration.ofMillis(1);

  /** The longest window. */
  Duration MAX_WINDOW = Duration.ofDays(366);

  /**
   * The algorithm of this limit.
   *
   * @return the algorithm
   */
  Algorithm algorithm();

  /**
   * The most a single request can cost, and the {@code limit} that decisions report: the bucket's
   * capacity or the window's limit.
   *
   * @return the capacity
   */
  long capacity();

  /**
   * The time in which {@link #capacity()} tokens become available again from empty: the refill time
   * of a bucket, or the window. Used as the quota window {@code w} in RateLimit headers.
   *
   * @return the window, rounded up to whole microseconds
   */
  Duration window();

  /**
   * A token bucket of {@code capacity} tokens, refilled by {@code refill}; starts full.
   *
   * @param capacity the burst size, from 1 to 10^9
   * @param refill the refill rate
   * @return the limit
   * @throws IllegalArgumentException if out of range
   */
  static TokenBucket tokenBucket(long capacity, Rate refill) {
    return new TokenBucket(capacity, refill);
  }

  /**
   * At most {@code limit} per aligned window of length {@code window}.
   *
   * @param limit the limit per window, from 1 to 10^9
   * @param window the window, from 1 ms to 366 days
   * @return the limit
   * @throws IllegalArgumentException if out of range
   */
  static FixedWindow fixedWindow(long limit, Duration window) {
    return new FixedWindow(limit, window);
  }

  /**
   * A fixed window aligned to the calendar in UTC: {@code limit} per day, week (from Monday), month
   * or year, with {@code resetAfter} to the next boundary.
   *
   * @param limit the limit per window, from 1 to 10^9
   * @param unit the calendar unit
   * @return the limit
   * @throws IllegalArgumentException if out of range
   */
  static CalendarWindow calendarWindow(long limit, CalendarUnit unit) {
    return new CalendarWindow(limit, unit);
  }

  /**
   * At most {@code limit} per sliding window, estimated from two fixed windows (Cloudflare).
   *
   * @param limit the limit per window, from 1 to 10^9
   * @param window the window, from 1 ms to 366 days
   * @return the limit
   * @throws IllegalArgumentException if out of range
   */
  static SlidingWindow slidingWindow(long limit, Duration window) {
    return new SlidingWindow(limit, window);
  }

  /**
   * Exactly at most {@code limit} in any window of length {@code window}.
   *
   * @param limit the limit per window, from 1 to 100,000
   * @param window the window, from 1 ms to 366 days
   * @return the limit
   * @throws IllegalArgumentException if out of range
   */
  static SlidingLog slidingLog(long limit, Duration window) {
    return new SlidingLog(limit, window);
  }

  /**
   * A leaky bucket of {@code capacity} that drains at {@code leak}; starts empty.
   *
   * @param capacity the bucket size, from 1 to 10^9
   * @param leak the leak rate
   * @return the limit
   * @throws IllegalArgumentException if out of range
   */
  static LeakyBucket leakyBucket(long capacity, Rate leak) {
    return new LeakyBucket(capacity, leak);
  }

  /**
   * At most {@code limit} requests in flight: an allowed request holds a permit ({@link
   * Decision#permit()}) until it is released ({@link RateLimiter#release}) or its lease runs out (a
   * holder that died). A denial's retry time is a short hint, 100 ms or the lease if shorter.
   *
   * @param limit the permits, from 1 to 100,000
   * @param lease how long a permit lives unreleased, from 1 ms to 366 days
   * @return the limit
   * @throws IllegalArgumentException if out of range
   */
  static Concurrency concurrency(long limit, Duration lease) {
    Checks.notNull("lease", lease);
    return new Concurrency(limit, lease, lease.compareTo(RETRY_HINT) < 0 ? lease : RETRY_HINT);
  }

  /**
   * {@link #concurrency(long, Duration)} with the retry time a denial tells.
   *
   * @param limit the permits, from 1 to 100,000
   * @param lease how long a permit lives unreleased, from 1 ms to 366 days
   * @param retryHint what a denial's retry time says, from 1 ms to the lease
   * @return the limit
   * @throws IllegalArgumentException if out of range
   */
  static Concurrency concurrency(long limit, Duration lease, Duration retryHint) {
    return new Concurrency(limit, lease, retryHint);
  }

  /**
   * Token bucket: holds up to {@code capacity} tokens, refilled at {@code refill}; a request of
   * cost {@code n} takes {@code n} tokens or is denied.
   *
   * @param capacity the burst size, from 1 to 10^9
   * @param refill the refill rate
   */
  record TokenBucket(long capacity, Rate refill) implements Limit {
    /**
     * Validates the limit.
     *
     * @param capacity the burst size, from 1 to 10^9
     * @param refill the refill rate
     * @throws IllegalArgumentException if out of range
     */
    public TokenBucket {
      Checks.range("capacity", capacity, 1, MAX_CAPACITY);
      Checks.notNull("refill", refill);
      BucketScale.check(capacity, refill, "refill");
    }

    @Override
    public Algorithm algorithm() {
      return Algorithm.TOKEN_BUCKET;
    }

    @Override
    public Duration window() {
      return BucketScale.fillTime(capacity, refill);
    }

    @Override
    public String toString() {
      return "token-bucket(capacity=" + capacity + ", refill=" + refill + ")";
    }
  }

  /**
   * Fixed window: at most {@code limit} per window; windows are aligned to multiples of their
   * length since the epoch of the clock.
   *
   * @param limit the limit per window, from 1 to 10^9
   * @param window the window, from 1 ms to 366 days
   */
  record FixedWindow(long limit, Duration window) implements Limit {
    /**
     * Validates the limit.
     *
     * @param limit the limit per window, from 1 to 10^9
     * @param window the window
     * @throws IllegalArgumentException if out of range
     */
    public FixedWindow {
      Checks.range("limit", limit, 1, MAX_CAPACITY);
      Checks.micros("window", window, MIN_WINDOW, MAX_WINDOW);
    }

    @Override
    public Algorithm algorithm() {
      return Algorithm.FIXED_WINDOW;
    }

    @Override
    public long capacity() {
      return limit;
    }

    @Override
    public String toString() {
      return "fixed-window(limit=" + limit + ", window=" + Durations.format(window) + ")";
    }
  }

  /**
   * Fixed window aligned to the calendar in UTC: at most {@code limit} per day (from 00:00 UTC),
   * week (from Monday), month (from the first) or year (from January 1st). A fixed window ({@link
   * Algorithm#FIXED_WINDOW}) whose length follows the calendar; its {@link #window()} is the unit's
   * longest.
   *
   * @param limit the limit per window, from 1 to 10^9
   * @param unit the calendar unit
   */
  record CalendarWindow(long limit, CalendarUnit unit) implements Limit {
    /**
     * Validates the limit.
     *
     * @param limit the limit per window, from 1 to 10^9
     * @param unit the calendar unit
     * @throws IllegalArgumentException if out of range
     */
    public CalendarWindow {
      Checks.range("limit", limit, 1, MAX_CAPACITY);
      Checks.notNull("unit", unit);
    }

    @Override
    public Algorithm algorithm() {
      return Algorithm.FIXED_WINDOW;
    }

    @Override
    public long capacity() {
      return limit;
    }

    @Override
    public Duration window() {
      return unit.longest();
    }

    @Override
    public String toString() {
      return "fixed-window(limit=" + limit + ", window=" + unit + ", align=calendar)";
    }
  }

  /**
   * Sliding window counter: the count of the current window plus the previous window's count
   * weighted by how much of it still overlaps the sliding window.
   *
   * @param limit the limit per window, from 1 to 10^9
   * @param window the window, from 1 ms to 366 days
   */
  record SlidingWindow(long limit, Duration window) implements Limit {
    /**
     * Validates the limit.
     *
     * @param limit the limit per window, from 1 to 10^9
     * @param window the window
     * @throws IllegalArgumentException if out of range
     */
    public SlidingWindow {
      Checks.range("limit", limit, 1, MAX_CAPACITY);
      Checks.micros("window", window, MIN_WINDOW, MAX_WINDOW);
    }

    @Override
    public Algorithm algorithm() {
      return Algorithm.SLIDING_WINDOW;
    }

    @Override
    public long capacity() {
      return limit;
    }

    @Override
    public String toString() {
      return "sliding-window(limit=" + limit + ", window=" + Durations.format(window) + ")";
    }
  }

  /**
   * Sliding log: remembers every admitted request of the last window, and admits a request only if
   * the window's total stays within {@code limit}.
   *
   * @param limit the limit per window, from 1 to 100,000
   * @param window the window, from 1 ms to 366 days
   */
  record SlidingLog(long limit, Duration window) implements Limit {
    /**
     * Validates the limit.
     *
     * @param limit the limit per window, from 1 to 100,000
     * @param window the window
     * @throws IllegalArgumentException if out of range
     */
    public SlidingLog {
      Checks.range("limit", limit, 1, MAX_LOG_LIMIT);
      Checks.micros("window", window, MIN_WINDOW, MAX_WINDOW);
    }

    @Override
    public Algorithm algorithm() {
      return Algorithm.SLIDING_LOG;
    }

    @Override
    public long capacity() {
      return limit;
    }

    @Override
    public String toString() {
      return "sliding-log(limit=" + limit + ", window=" + Durations.format(window) + ")";
    }
  }

  /**
   * Leaky bucket (as a meter, equivalent to GCRA): a level that drains at {@code leak}; a request
   * of cost {@code n} raises it by {@code n} if it stays within {@code capacity}, else it is
   * denied.
   *
   * @param capacity the bucket size, from 1 to 10^9
   * @param leak the rate at which the level drains
   */
  record LeakyBucket(long capacity, Rate leak) implements Limit {
    /**
     * Validates the limit.
     *
     * @param capacity the bucket size, from 1 to 10^9
     * @param leak the leak rate
     * @throws IllegalArgumentException if out of range
     */
    public LeakyBucket {
      Checks.range("capacity", capacity, 1, MAX_CAPACITY);
      Checks.notNull("leak", leak);
      BucketScale.check(capacity, leak, "leak");
    }

    @Override
    public Algorithm algorithm() {
      return Algorithm.LEAKY_BUCKET;
    }

    @Override
    public Duration window() {
      return BucketScale.fillTime(capacity, leak);
    }

    @Override
    public String toString() {
      return "leaky-bucket(capacity=" + capacity + ", leak=" + leak + ")";
    }
  }

  /**
   * Concurrency: at most {@code limit} requests in flight. Each allowed request takes one permit,
   * whatever its cost (the policy's other limits take the cost), and holds it until it is released
   * or {@code lease} has passed since it was granted. A denial's retry time is {@code retryHint},
   * or less if a permit's lease ends sooner: a release cannot be foreseen.
   *
   * @param limit the permits, from 1 to 100,000
   * @param lease how long a permit lives unreleased, from 1 ms to 366 days
   * @param retryHint what a denial's retry time says at most, from 1 ms to the lease
   */
  record Concurrency(long limit, Duration lease, Duration retryHint) implements Limit {
    /**
     * Validates the limit.
     *
     * @param limit the permits, from 1 to 100,000
     * @param lease how long a permit lives unreleased
     * @param retryHint what a denial's retry time says at most
     * @throws IllegalArgumentException if out of range
     */
    public Concurrency {
      Checks.range("limit", limit, 1, MAX_LOG_LIMIT);
      Checks.micros("lease", lease, MIN_WINDOW, MAX_WINDOW);
      Checks.micros("retryHint", retryHint, MIN_WINDOW, lease);
    }

    @Override
    public Algorithm algorithm() {
      return Algorithm.CONCURRENCY;
    }

    @Override
    public long capacity() {
      return limit;
    }

    @Override
    public Duration window() {
      return lease;
    }

    @Override
    public String toString() {
      return "concurrency(limit=" + limit + ", lease=" + Durations.format(lease) + ")";
    }
  }
}

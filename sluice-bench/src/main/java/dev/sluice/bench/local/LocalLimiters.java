package dev.sluice.bench.local;

import dev.sluice.InMemoryBackend;
import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.Rate;
import dev.sluice.RateLimiter;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The in-process contenders and the two limits of the benchmark.
 *
 * <ul>
 *   <li>{@code allow}: a limit far above the call rate, so (nearly) every call is allowed and
 *       writes new state. Sluice and Bucket4j: a bucket of 10^9 refilled at 10^7/s (Sluice's
 *       highest rate). Guava and Resilience4j have no separate burst: they get 10^9 permits/s.
 *   <li>{@code deny}: a bucket of 1 refilled at 1/s (Guava: 1 permit/s; Resilience4j: 1 per 1 s),
 *       so after the first call of each second every call is denied.
 * </ul>
 */
public final class LocalLimiters {

  /** Implementation names, in report order. */
  public static final List<String> NAMES = List.of("sluice", "bucket4j", "guava", "resilience4j");

  private LocalLimiters() {}

  /**
   * A limiter by name.
   *
   * @param name one of {@link #NAMES}
   * @param limit {@code allow}, {@code deny} or {@code idle} (a bucket of 10 refilled at 1/min, for
   *     heap measurements: a key stays non-full, so no implementation may drop it)
   * @param maxKeys the key bound of Sluice's in-memory backend
   * @return the limiter
   */
  public static LocalLimiter create(String name, String limit, long maxKeys) {
    long capacity;
    Rate rate;
    double permitsPerSecond;
    switch (limit) {
      case "allow" -> {
        capacity = 1_000_000_000L;
        rate = Rate.perSecond(10_000_000L);
        permitsPerSecond = 1e9;
      }
      case "deny" -> {
        capacity = 1;
        rate = Rate.perSecond(1);
        permitsPerSecond = 1;
      }
      case "idle" -> {
        capacity = 10;
        rate = Rate.perMinute(1);
        permitsPerSecond = 1.0 / 60;
      }
      default -> throw new IllegalArgumentException("limit must be allow, deny or idle: " + limit);
    }
    return switch (name) {
      case "sluice" -> sluice(capacity, rate, maxKeys);
      case "bucket4j" -> bucket4j(capacity, rate);
      case "guava" ->
          keyed(
              key -> com.google.common.util.concurrent.RateLimiter.create(permitsPerSecond),
              com.google.common.util.concurrent.RateLimiter::tryAcquire);
      case "resilience4j" -> resilience4j(limit);
      default -> throw new IllegalArgumentException("name must be one of " + NAMES + ": " + name);
    };
  }

  private static LocalLimiter sluice(long capacity, Rate rate, long maxKeys) {
    RateLimiter limiter =
        RateLimiter.builder()
            .policy(Policy.of(Policy.DEFAULT, Limit.tokenBucket(capacity, rate)))
            .backend(InMemoryBackend.builder().maxKeys(maxKeys).build())
            .build();
    return new LocalLimiter() {
      @Override
      public boolean tryAcquire(String key) {
        return limiter.tryAcquire(key).allowed();
      }

      @Override
      public Object root() {
        return limiter;
      }
    };
  }

  private static LocalLimiter bucket4j(long capacity, Rate rate) {
    Bandwidth bandwidth =
        Bandwidth.builder().capacity(capacity).refillGreedy(rate.tokens(), rate.period()).build();
    return keyed(
        key -> Bucket.builder().addLimit(bandwidth).build(), bucket -> bucket.tryConsume(1));
  }

  private static LocalLimiter resilience4j(String limit) {
    RateLimiterConfig config =
        RateLimiterConfig.custom()
            .limitForPeriod(
                switch (limit) {
                  case "allow" -> 1_000_000_000;
                  case "deny" -> 1;
                  default -> 10;
                })
            .limitRefreshPeriod(
                limit.equals("idle") ? Duration.ofMinutes(10) : Duration.ofSeconds(1))
            .timeoutDuration(Duration.ZERO)
            .build();
    return keyed(
        key -> io.github.resilience4j.ratelimiter.RateLimiter.of(key, config),
        io.github.resilience4j.ratelimiter.RateLimiter::acquirePermission);
  }

  /** One limiter per key in a concurrent map: a hit costs one {@code get}. */
  private static <T> LocalLimiter keyed(
      Function<String, T> create, java.util.function.Predicate<T> acquire) {
    ConcurrentHashMap<String, T> limiters = new ConcurrentHashMap<>();
    return new LocalLimiter() {
      @Override
      public boolean tryAcquire(String key) {
        T limiter = limiters.get(key);
        if (limiter == null) {
          limiter = limiters.computeIfAbsent(key, create);
        }
        return acquire.test(limiter);
      }

      @Override
      public Object root() {
        return limiters;
      }
    };
  }
}

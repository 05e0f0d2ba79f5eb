package dev.sluice.bench.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.redisson.Redisson;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RateType;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * Redisson's {@code RRateLimiter} (one EVAL per decision; a sliding window that keeps every permit
 * of the last interval in a sorted set): {@code perSecond} permits per 1 s interval, shared by all
 * clients ({@code RateType.OVERALL}); it has no separate burst capacity. Every key's rate is set
 * before the run ({@code trySetRate}, not measured), as Redisson requires; default connection pool.
 */
final class RedissonContender implements Contender {

  private final RedissonClient redisson;
  private final LimitSpec limit;
  private final ConcurrentHashMap<String, RRateLimiter> limiters = new ConcurrentHashMap<>();

  RedissonContender(String uri, LimitSpec limit, List<String> keys) {
    Config config = new Config();
    config.useSingleServer().setAddress(uri);
    this.redisson = Redisson.create(config);
    this.limit = limit;
    List<CompletableFuture<Boolean>> pending = new ArrayList<>();
    for (String key : keys) {
      RRateLimiter limiter = redisson.getRateLimiter("redisson:" + key);
      limiters.put(key, limiter);
      pending.add(
          limiter
              .trySetRateAsync(RateType.OVERALL, limit.perSecond(), Duration.ofSeconds(1))
              .toCompletableFuture());
      if (pending.size() >= 1_000) {
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
        pending.clear();
      }
    }
    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
  }

  @Override
  public String name() {
    return "redisson";
  }

  @Override
  public boolean tryAcquire(String key) {
    RRateLimiter limiter = limiters.get(key);
    if (limiter == null) {
      limiter =
          limiters.computeIfAbsent(
              key,
              k -> {
                RRateLimiter created = redisson.getRateLimiter("redisson:" + k);
                created.trySetRate(RateType.OVERALL, limit.perSecond(), Duration.ofSeconds(1));
                return created;
              });
    }
    return limiter.tryAcquire();
  }

  @Override
  public void close() {
    redisson.shutdown();
  }
}

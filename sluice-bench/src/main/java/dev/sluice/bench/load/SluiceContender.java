package dev.sluice.bench.load;

import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.Rate;
import dev.sluice.RateLimiter;
import dev.sluice.redis.RedisBackend;
import java.time.Duration;

/**
 * Sluice over Redis through its public API: a {@link RateLimiter} with one token-bucket policy on a
 * {@link RedisBackend} in the given mode. The deadline is raised from 50 ms to 10 s so that a
 * saturated two-core machine shows up as latency, not as errors; everything else is the default.
 */
final class SluiceContender implements Contender {

  private final String name;
  private final RateLimiter limiter;

  SluiceContender(String name, String uri, RedisBackend.Mode mode, LimitSpec limit) {
    this.name = name;
    RedisBackend backend =
        RedisBackend.builder().uri(uri).mode(mode).timeout(Duration.ofSeconds(10)).build();
    this.limiter =
        RateLimiter.builder()
            .policy(
                Policy.of(
                    Policy.DEFAULT,
                    Limit.tokenBucket(limit.capacity(), Rate.perSecond(limit.perSecond()))))
            .backend(backend)
            .build();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean tryAcquire(String key) {
    return limiter.tryAcquire(key).allowed();
  }

  @Override
  public void close() {
    limiter.close();
  }
}

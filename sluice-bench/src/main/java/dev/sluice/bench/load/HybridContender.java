package dev.sluice.bench.load;

import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.Rate;
import dev.sluice.RateLimiter;
import dev.sluice.redis.HybridBackend;
import dev.sluice.redis.RedisBackend;
import java.time.Duration;

/**
 * Sluice's hybrid mode through its public API: a {@link RateLimiter} with one token-bucket policy
 * on a {@link HybridBackend} (default settings: batches of at most 5% of the capacity) over a
 * {@link RedisBackend} in Lua mode, whose deadline is raised to 10 s as for {@link
 * SluiceContender}.
 */
final class HybridContender implements Contender {

  private final RateLimiter limiter;

  HybridContender(String uri, LimitSpec limit) {
    RedisBackend redis = RedisBackend.builder().uri(uri).timeout(Duration.ofSeconds(10)).build();
    this.limiter =
        RateLimiter.builder()
            .policy(
                Policy.of(
                    Policy.DEFAULT,
                    Limit.tokenBucket(limit.capacity(), Rate.perSecond(limit.perSecond()))))
            .backend(HybridBackend.builder(redis).build())
            .build();
  }

  @Override
  public String name() {
    return "sluice-hybrid";
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

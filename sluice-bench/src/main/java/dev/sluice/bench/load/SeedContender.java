package dev.sluice.bench.load;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.Map;

/**
 * The seed's algorithm, as the blog post that started the project wrote it (see {@code
 * shared/seed.md}), in Java on one shared Lettuce connection: HGETALL, compute with the client's
 * clock in floating point, HSET the new state, EXPIRE 60 s: three round trips, not atomic. It is
 * here only as the baseline that shows what read-then-write costs and over-admits.
 */
final class SeedContender implements Contender {

  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisCommands<String, String> redis;
  private final double capacity;
  private final double refillPerSecond;

  SeedContender(String uri, LimitSpec limit) {
    this.client = RedisClient.create(uri);
    this.connection = client.connect();
    this.redis = connection.sync();
    this.capacity = limit.capacity();
    this.refillPerSecond = limit.perSecond();
  }

  @Override
  public String name() {
    return "seed";
  }

  @Override
  public boolean tryAcquire(String userId) {
    String key = "rate_limit:" + userId;
    long now = System.currentTimeMillis();
    Map<String, String> data = redis.hgetall(key);
    double tokens = data.containsKey("tokens") ? Double.parseDouble(data.get("tokens")) : capacity;
    long lastRefill =
        data.containsKey("last_refill") ? Long.parseLong(data.get("last_refill")) : now;
    double elapsed = (now - lastRefill) / 1000.0;
    tokens = Math.min(capacity, tokens + elapsed * refillPerSecond);
    boolean allowed = false;
    if (tokens >= 1) {
      allowed = true;
      tokens -= 1;
    }
    redis.hset(key, Map.of("tokens", Double.toString(tokens), "last_refill", Long.toString(now)));
    redis.expire(key, 60);
    return allowed;
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}

package dev.sluice.bench.load;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;

/**
 * The ceiling of one round trip per decision with Sluice's connection setup: a Lettuce {@code PING}
 * on one shared connection (Sluice's Lua mode also multiplexes every caller on one connection).
 * Redis does almost nothing for a PING, so this is the client, the loopback network and Redis's I/O
 * alone.
 */
final class PingContender implements Contender {

  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisCommands<String, String> redis;

  PingContender(String uri) {
    this.client = RedisClient.create(uri);
    this.connection = client.connect();
    this.redis = connection.sync();
  }

  @Override
  public String name() {
    return "lettuce-ping";
  }

  @Override
  public boolean tryAcquire(String key) {
    return "PONG".equals(redis.ping());
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}

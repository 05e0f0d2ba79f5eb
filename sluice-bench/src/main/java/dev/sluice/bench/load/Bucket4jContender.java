package dev.sluice.bench.load;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.RemoteBucketBuilder;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bucket4j over Lettuce: {@code LettuceBasedProxyManager} (compare-and-swap: GET, compute in Java,
 * then a CAS script; retried on conflict) on one shared connection, one {@code BucketProxy} per key
 * kept in a map. With {@code batching}, each proxy has {@code Optimizations.batching()}, which
 * merges the requests that queue on one proxy into one CAS. Keys expire when their bucket would be
 * full again ({@code basedOnTimeForRefillingBucketUpToMax}, 1 s minimum), like Sluice's.
 */
final class Bucket4jContender implements Contender {

  private final String name;
  private final RedisClient client;
  private final StatefulRedisConnection<String, byte[]> connection;
  private final RemoteBucketBuilder<String> builder;
  private final BucketConfiguration configuration;
  private final ConcurrentHashMap<String, BucketProxy> buckets = new ConcurrentHashMap<>();

  Bucket4jContender(String name, String uri, boolean batching, LimitSpec limit) {
    this.name = name;
    this.client = RedisClient.create(uri);
    this.connection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
    LettuceBasedProxyManager<String> proxies =
        Bucket4jLettuce.casBasedBuilder(connection)
            .expirationAfterWrite(
                ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                    Duration.ofSeconds(1)))
            .build();
    RemoteBucketBuilder<String> b = proxies.builder();
    this.builder = batching ? b.withOptimization(Optimizations.batching()) : b;
    this.configuration =
        BucketConfiguration.builder()
            .addLimit(
                Bandwidth.builder()
                    .capacity(limit.capacity())
                    .refillGreedy(limit.perSecond(), Duration.ofSeconds(1))
                    .build())
            .build();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean tryAcquire(String key) {
    BucketProxy bucket = buckets.get(key);
    if (bucket == null) {
      bucket =
          buckets.computeIfAbsent(key, k -> builder.build("bucket4j:" + k, () -> configuration));
    }
    return bucket.tryConsume(1);
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}

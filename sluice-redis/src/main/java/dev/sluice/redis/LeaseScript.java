package dev.sluice.redis;

import dev.sluice.Policy;
import dev.sluice.TimeSource;
import dev.sluice.internal.algorithm.Model;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link LeaseCalls} over a Redis backend's shared connection, key layout and clock: each call is
 * one EVALSHA of {@code lease.lua}, bounded by the connection's command timeout.
 */
final class LeaseScript implements LeaseCalls {

  private static final Script LEASE = Script.load("/dev/sluice/redis/lease.lua");

  private final RedisClusterAsyncCommands<String, String> redis;
  private final String prefix;
  private final TimeSource clock;
  private final String minimumTtl;
  private final Duration timeout;

  /** Per policy: units when full, units per microsecond and per token, as script arguments. */
  private final Map<Policy, String[]> parameters = new ConcurrentHashMap<>();

  LeaseScript(
      RedisClusterAsyncCommands<String, String> redis,
      String prefix,
      TimeSource clock,
      long minimumTtlMillis,
      Duration timeout) {
    this.redis = redis;
    this.prefix = prefix;
    this.clock = clock;
    this.minimumTtl = Long.toString(minimumTtlMillis);
    this.timeout = timeout;
  }

  @Override
  public CompletableFuture<Reply> call(
      Policy policy, String key, long back, long least, long most) {
    String[] bucket = parameters.computeIfAbsent(policy, LeaseScript::parametersOf);
    String[] args = {
      clock == null ? "" : Long.toString(clock.nowMicros()),
      Long.toString(back),
      Long.toString(least),
      Long.toString(most),
      minimumTtl,
      bucket[0],
      bucket[1],
      bucket[2]
    };
    String[] keys = {Keys.of(prefix, policy, key)[0]};
    return LEASE
        .run(redis, keys, args)
        .toCompletableFuture()
        .handle(
            (reply, error) -> {
              if (error != null) {
                throw RedisErrors.translate(error, timeout);
              }
              return new Reply(reply.get(0), reply.get(1), reply.get(2));
            });
  }

  private static String[] parametersOf(Policy policy) {
    long[] model = Model.of(policy.limits().get(0)).parameters();
    return new String[] {Long.toString(model[0]), Long.toString(model[1]), Long.toString(model[2])};
  }
}

package dev.sluice.redis;

import dev.sluice.Policy;
import java.util.concurrent.CompletableFuture;

/**
 * How the hybrid backend reaches Redis for its leases: one call of {@code lease.lua} on a policy's
 * token bucket. The only way the hybrid talks to Redis besides the wrapped backend's public
 * methods.
 */
interface LeaseCalls {

  /**
   * Gives back {@code back} tokens, then takes from {@code least} to {@code most} (0 takes none).
   * Bounded by the Redis backend's deadline; a failure is a {@link dev.sluice.BackendException}.
   *
   * @param policy a policy of one token bucket
   * @param key the client key
   * @param back tokens given back
   * @param least the fewest tokens worth taking
   * @param most the most tokens to take
   * @return the reply
   */
  CompletableFuture<Reply> call(Policy policy, String key, long back, long least, long most);

  /**
   * What {@code lease.lua} answers.
   *
   * @param granted the tokens granted: 0, or from {@code least} to {@code most}
   * @param level the units left in the bucket after the call
   * @param waitMicros microseconds until {@code most} tokens would be there if nobody took any
   */
  record Reply(long granted, long level, long waitMicros) {}
}

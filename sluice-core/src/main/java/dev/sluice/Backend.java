package dev.sluice;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where buckets live and decisions are made atomically: in memory, in Redis, or both.
 *
 * <p>This is the service-provider interface behind {@link RateLimiter}; applications use the
 * limiter, backends implement this. The limiter validates every argument before calling, so a
 * backend may assume a valid key, a cost within the policy's {@link Policy#maxCost()} and a policy
 * built by {@link Policy#of}. Implementations must be thread-safe; each decision must be atomic:
 * concurrent calls on one key behave as if made one after another.
 */
public interface Backend extends AutoCloseable {

  /**
   * Decides one request and, if allowed, consumes its cost from every limit of the policy. Never
   * blocks longer than the backend's own deadline.
   *
   * @param policy the policy
   * @param key the client key
   * @param cost the cost
   * @return the decision
   */
  Decision tryAcquire(Policy policy, String key, long cost);

  /**
   * Decides one request without blocking the caller. The default runs {@link #tryAcquire} on the
   * calling thread, right for a backend that never blocks.
   *
   * @param policy the policy
   * @param key the client key
   * @param cost the cost
   * @return the decision, or a failed stage if the backend failed
   */
  default CompletionStage<Decision> tryAcquireAsync(Policy policy, String key, long cost) {
    try {
      return CompletableFuture.completedFuture(tryAcquire(policy, key, cost));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * The state of a key without consuming: what a request of cost 1 would be answered now, with
   * {@code remaining} counting what is there before it.
   *
   * @param policy the policy
   * @param key the client key
   * @return the decision a cost-1 request would get, with the current remaining
   */
  Decision peek(Policy policy, String key);

  /**
   * Forgets a key's state under a policy: its next request finds a fresh bucket or window.
   *
   * @param policy the policy
   * @param key the client key
   */
  void reset(Policy policy, String key);

  /** Releases the backend's resources. The default does nothing. */
  @Override
  default void close() {}
}

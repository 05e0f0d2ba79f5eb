package dev.sluice;

import dev.sluice.internal.Checks;

/**
 * One request of a batch decided all or nothing ({@link RateLimiter#tryAcquireAll}, {@link
 * Backend#tryAcquireAllAsync}): a key under a policy, and what it costs.
 *
 * @param policy the policy; it need not be registered with the limiter
 * @param key the client key: 1 to 512 UTF-8 bytes, any characters
 * @param cost from 0 to the policy's {@link Policy#maxCost()}; 0 looks without consuming
 */
public record Acquire(Policy policy, String key, long cost) {

  /**
   * Validates the request.
   *
   * @param policy the policy
   * @param key the client key
   * @param cost the cost
   * @throws IllegalArgumentException if the key or the cost is invalid
   * @throws NullPointerException if the policy or the key is null
   */
  public Acquire {
    Checks.notNull("policy", policy);
    Checks.key(key);
    if (cost < 0) {
      throw Checks.fail("cost", "be at least 0", cost);
    }
    if (cost > 0) {
      policy.checkCost(cost);
    }
  }
}

package dev.sluice;

/**
 * Receives every decision a {@link RateLimiter} makes: the hook for metrics and logs, so that the
 * core needs no metrics library.
 *
 * <p>Called on the thread that made the decision (for async calls, the thread that completed it),
 * so implementations must be fast and thread-safe. An exception thrown by a listener is not
 * propagated to the caller.
 */
public interface DecisionListener {

  /** A listener that does nothing. */
  DecisionListener NONE = new DecisionListener() {};

  /**
   * Called after each decision.
   *
   * @param policy the policy that decided
   * @param key the client key
   * @param cost the cost asked for
   * @param decision the decision
   */
  default void onDecision(Policy policy, String key, long cost, Decision decision) {}

  /**
   * Called when a decision could not be made because the backend failed.
   *
   * @param policy the policy
   * @param key the client key
   * @param cost the cost asked for
   * @param error the failure
   */
  default void onError(Policy policy, String key, long cost, Throwable error) {}
}

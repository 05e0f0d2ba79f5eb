package dev.sluice.tck;

import dev.sluice.Decision;
import dev.sluice.Policy;
import dev.sluice.algorithm.Model;
import dev.sluice.algorithm.Outcome;
import dev.sluice.algorithm.State;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The decisions every backend must give, computed by stepping the pure reference models ({@link
 * Model}) directly, with the multi-limit rules of {@link Decision} written out again here rather
 * than taken from {@link Policy#decide}: a request is allowed only if every limit allows it, and
 * then consumes from all; a denial consumes from none and stores nothing; the binding limit is the
 * denying one with the longest wait (the first on ties) or, when allowed, the one with the least
 * left (the first on ties); {@code resetAfter} is the longest of the limits' resets from the state
 * actually stored after the request.
 *
 * <p>Times are given with each call, so the caller passes the same clock reading as the backend
 * under test sees. Not thread-safe.
 */
public final class ReferenceLimiter {

  private final Map<List<Object>, State[]> states = new HashMap<>();

  /**
   * The decision on a request, committing its cost if allowed.
   *
   * @param policy the policy
   * @param key the client key
   * @param cost the cost (already valid for the policy)
   * @param now the backend's clock reading, in microseconds
   * @return the expected decision
   */
  public Decision tryAcquire(Policy policy, String key, long cost, long now) {
    List<Model> models = policy.models();
    State[] current = states.get(id(policy, key));
    Outcome[] outcomes = new Outcome[models.size()];
    boolean allowed = true;
    for (int i = 0; i < outcomes.length; i++) {
      outcomes[i] = models.get(i).step(stateOf(current, i), now, cost);
      allowed &= outcomes[i].allowed();
    }
    if (allowed) {
      State[] next = new State[outcomes.length];
      long resetAfter = 0;
      int binding = 0;
      for (int i = 0; i < outcomes.length; i++) {
        next[i] = outcomes[i].state();
        resetAfter = Math.max(resetAfter, outcomes[i].resetAfter());
        if (outcomes[i].remaining() < outcomes[binding].remaining()) {
          binding = i;
        }
      }
      states.put(id(policy, key), next);
      return new Decision(
          policy.name(),
          true,
          capacity(policy, binding),
          outcomes[binding].remaining(),
          0,
          resetAfter);
    }
    int binding = -1;
    long resetAfter = 0;
    for (int i = 0; i < outcomes.length; i++) {
      // Nothing is stored on a denial, so every limit resets from its current state.
      resetAfter =
          Math.max(resetAfter, models.get(i).step(stateOf(current, i), now, 0).resetAfter());
      if (!outcomes[i].allowed()
          && (binding < 0 || outcomes[i].retryAfter() > outcomes[binding].retryAfter())) {
        binding = i;
      }
    }
    return new Decision(
        policy.name(),
        false,
        capacity(policy, binding),
        outcomes[binding].remaining(),
        outcomes[binding].retryAfter(),
        resetAfter);
  }

  /**
   * What a peek returns: the decision a cost-1 request would get, with the remaining, limit and
   * reset of the state as it is; consumes nothing.
   *
   * @param policy the policy
   * @param key the client key
   * @param now the backend's clock reading, in microseconds
   * @return the expected peek
   */
  public Decision peek(Policy policy, String key, long now) {
    List<Model> models = policy.models();
    State[] current = states.get(id(policy, key));
    Outcome[] look = new Outcome[models.size()];
    Outcome[] one = new Outcome[models.size()];
    boolean allowed = true;
    long resetAfter = 0;
    for (int i = 0; i < look.length; i++) {
      look[i] = models.get(i).step(stateOf(current, i), now, 0);
      one[i] = models.get(i).step(stateOf(current, i), now, 1);
      allowed &= one[i].allowed();
      resetAfter = Math.max(resetAfter, look[i].resetAfter());
    }
    int binding = allowed ? 0 : -1;
    for (int i = 0; i < look.length; i++) {
      if (allowed
          ? look[i].remaining() < look[binding].remaining()
          : !one[i].allowed() && (binding < 0 || one[i].retryAfter() > one[binding].retryAfter())) {
        binding = i;
      }
    }
    return new Decision(
        policy.name(),
        allowed,
        capacity(policy, binding),
        look[binding].remaining(),
        allowed ? 0 : one[binding].retryAfter(),
        resetAfter);
  }

  /**
   * Forgets a key under a policy.
   *
   * @param policy the policy
   * @param key the client key
   */
  public void reset(Policy policy, String key) {
    states.remove(id(policy, key));
  }

  private static long capacity(Policy policy, int index) {
    return policy.limits().get(index).capacity();
  }

  private static State stateOf(State[] states, int index) {
    return states == null ? null : states[index];
  }

  private static List<Object> id(Policy policy, String key) {
    return List.of(policy, key);
  }
}

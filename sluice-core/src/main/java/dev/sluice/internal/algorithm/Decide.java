package dev.sluice.internal.algorithm;

import dev.sluice.Decision;
import dev.sluice.Policy;

/**
 * The all-or-nothing rule of a policy of several limits, written once for every Java backend: a
 * request is allowed only if every limit allows it, and then consumes from all; if any denies, none
 * consumes, and a limit that would have allowed reports its state as it stands. And how the limits'
 * outcomes make one {@link Decision}: the binding limit is the denying one with the longest wait,
 * or when allowed the one with the least left (the first on ties).
 */
public final class Decide {

  private Decide() {}

  /**
   * Steps every limit of a request.
   *
   * @param models the models of the policy's limits
   * @param states their stored states (entries may be {@code null}: a fresh key)
   * @param now the time in microseconds
   * @param cost the cost
   * @return one outcome per limit; if any denies, the others are as at cost 0 (nothing taken)
   */
  public static Outcome[] all(Model[] models, State[] states, long now, long cost) {
    Outcome[] outcomes = new Outcome[models.length];
    boolean allowed = true;
    for (int i = 0; i < models.length; i++) {
      outcomes[i] = models[i].step(states[i], now, cost);
      allowed &= outcomes[i].allowed();
    }
    if (!allowed) {
      for (int i = 0; i < models.length; i++) {
        if (outcomes[i].allowed()) {
          outcomes[i] = models[i].step(states[i], now, 0);
        }
      }
    }
    return outcomes;
  }

  /**
   * Whether every limit allowed.
   *
   * @param outcomes one outcome per limit
   * @return true if all did
   */
  public static boolean allowed(Outcome[] outcomes) {
    for (Outcome outcome : outcomes) {
      if (!outcome.allowed()) {
        return false;
      }
    }
    return true;
  }

  /**
   * The decision of a policy from its limits' outcomes, reporting the binding limit: its id,
   * capacity, remaining, retry and reset.
   *
   * @param policy the policy
   * @param outcomes one outcome per limit, in the policy's order
   * @return the decision, made by the store
   */
  public static Decision decision(Policy policy, Outcome... outcomes) {
    int binding = 0;
    boolean allowed = true;
    for (int i = 0; i < outcomes.length; i++) {
      Outcome o = outcomes[i];
      Outcome b = outcomes[binding];
      if (!o.allowed()) {
        if (allowed || o.retryAfter() > b.retryAfter()) {
          binding = i;
        }
        allowed = false;
      } else if (allowed && o.remaining() < b.remaining()) {
        binding = i;
      }
    }
    Outcome b = outcomes[binding];
    return new Decision(
        policy.name(),
        policy.ids().get(binding),
        allowed,
        policy.limits().get(binding).capacity(),
        b.remaining(),
        allowed ? 0 : b.retryAfter(),
        b.resetAfter(),
        Decision.Source.BACKEND);
  }

  /**
   * The decision of a policy of one limit: the fast path of {@link #decision(Policy, Outcome...)}.
   *
   * @param policy the policy
   * @param outcome its limit's outcome
   * @return the decision
   */
  public static Decision decision(Policy policy, Outcome outcome) {
    return new Decision(
        policy.name(),
        policy.ids().get(0),
        outcome.allowed(),
        policy.maxCost(),
        outcome.remaining(),
        outcome.retryAfter(),
        outcome.resetAfter(),
        Decision.Source.BACKEND);
  }
}

package dev.sluice.internal.algorithm;

import dev.sluice.Acquire;
import dev.sluice.Decision;
import dev.sluice.Policy;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

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
   * @param permit the permit the request holds if allowed ({@link Policy#holdsPermits()}), or
   *     {@code null}
   * @return one outcome per limit; if any denies, the others are as at cost 0 (nothing taken)
   */
  public static Outcome[] all(
      Model[] models, State[] states, long now, long cost, @Nullable String permit) {
    Outcome[] outcomes = new Outcome[models.length];
    boolean allowed = true;
    for (int i = 0; i < models.length; i++) {
      outcomes[i] = models[i].step(states[i], now, cost, permit);
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
   * Steps every request of a batch, all or nothing across the requests as {@link #all} is across
   * the limits of one: each request of a positive cost as {@link #all} steps it; if any is denied,
   * none consumes, and a request that would have been allowed reports its state as it stands, still
   * allowed. A request of cost 0 looks: its state as it stands, always allowed.
   *
   * @param models per request, the models of its policy's limits
   * @param states per request, the stored states of its limits ({@code null} entries: fresh)
   * @param now the time in microseconds
   * @param costs per request, its cost
   * @param commit whether the batch may be committed; if not, every request is answered as in a
   *     batch that was not (the dry run of a batch another rule refuses)
   * @param permits per request, the permit it holds if allowed, or {@code null} (none holds one)
   * @return per request, one outcome per limit; the batch is committed if and only if {@code
   *     commit} and every outcome is allowed, and then the states of the requests of a positive
   *     cost are stored
   */
  public static Outcome[][] batch(
      Model[][] models,
      State[][] states,
      long now,
      long[] costs,
      boolean commit,
      @Nullable String @Nullable [] permits) {
    Outcome[][] outcomes = new Outcome[models.length][];
    boolean allowed = true;
    for (int r = 0; r < models.length; r++) {
      if (costs[r] == 0) {
        outcomes[r] = looked(models[r], states[r], now);
      } else {
        outcomes[r] = all(models[r], states[r], now, costs[r], permits == null ? null : permits[r]);
        allowed &= allowed(outcomes[r]);
      }
    }
    if (!allowed || !commit) {
      for (int r = 0; r < models.length; r++) {
        if (costs[r] > 0 && allowed(outcomes[r])) {
          outcomes[r] = looked(models[r], states[r], now);
        }
      }
    }
    return outcomes;
  }

  /** Each limit's state as it stands, allowed: what a request that consumes nothing is told. */
  private static Outcome[] looked(Model[] models, State[] states, long now) {
    Outcome[] outcomes = new Outcome[models.length];
    for (int i = 0; i < models.length; i++) {
      Outcome o = models[i].step(states[i], now, 0);
      outcomes[i] = new Outcome(o.state(), true, o.remaining(), 0, o.resetAfter());
    }
    return outcomes;
  }

  /**
   * Whether a batch's outcomes commit it: every request allowed.
   *
   * @param outcomes per request, one outcome per limit
   * @return true if every outcome is allowed
   */
  public static boolean allowed(Outcome[][] outcomes) {
    for (Outcome[] request : outcomes) {
      if (!allowed(request)) {
        return false;
      }
    }
    return true;
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
    return decision(policy, outcomes, null);
  }

  /**
   * {@link #decision(Policy, Outcome...)} of a request that holds {@code permit} if allowed.
   *
   * @param policy the policy
   * @param outcomes one outcome per limit, in the policy's order
   * @param permit the permit, or {@code null}
   * @return the decision, carrying the permit if allowed
   */
  public static Decision decision(Policy policy, Outcome[] outcomes, @Nullable String permit) {
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
        Decision.Source.BACKEND,
        allowed ? permit : null);
  }

  /**
   * The decisions of a batch from its outcomes.
   *
   * @param requests the requests
   * @param outcomes per request, one outcome per limit ({@link #batch})
   * @param permits per request, its permit ({@link #permits}), or {@code null}
   * @return one decision per request, in order, made by the store; an allowed one of a batch that
   *     was committed carries its permit
   */
  public static List<Decision> decisions(
      List<Acquire> requests, Outcome[][] outcomes, @Nullable String @Nullable [] permits) {
    boolean committed = allowed(outcomes);
    List<Decision> decisions = new ArrayList<>(outcomes.length);
    for (int r = 0; r < outcomes.length; r++) {
      String permit =
          committed && permits != null && requests.get(r).cost() > 0 ? permits[r] : null;
      decisions.add(decision(requests.get(r).policy(), outcomes[r], permit));
    }
    return decisions;
  }

  /**
   * New permits for the requests of a batch whose policy holds them.
   *
   * @param requests the requests
   * @return per request, a new permit id or {@code null}; {@code null} if no request needs one
   */
  public static @Nullable String @Nullable [] permits(List<Acquire> requests) {
    String[] permits = null;
    for (int r = 0; r < requests.size(); r++) {
      if (requests.get(r).policy().holdsPermits()) {
        if (permits == null) {
          permits = new String[requests.size()];
        }
        permits[r] = Permits.next();
      }
    }
    return permits;
  }

  /**
   * The decision of a policy of one limit: the fast path of {@link #decision(Policy, Outcome...)}.
   *
   * @param policy the policy
   * @param outcome its limit's outcome
   * @return the decision
   */
  public static Decision decision(Policy policy, Outcome outcome) {
    return decision(policy, outcome, null);
  }

  /**
   * {@link #decision(Policy, Outcome)} of a request that holds {@code permit} if allowed.
   *
   * @param policy the policy
   * @param outcome its limit's outcome
   * @param permit the permit, or {@code null}
   * @return the decision
   */
  public static Decision decision(Policy policy, Outcome outcome, @Nullable String permit) {
    return new Decision(
        policy.name(),
        policy.ids().get(0),
        outcome.allowed(),
        policy.limits().get(0).capacity(),
        outcome.remaining(),
        outcome.retryAfter(),
        outcome.resetAfter(),
        Decision.Source.BACKEND,
        outcome.allowed() ? permit : null);
  }
}

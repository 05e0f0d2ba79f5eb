package dev.sluice.tck;

import dev.sluice.Acquire;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.internal.algorithm.Model;
import dev.sluice.internal.algorithm.Outcome;
import dev.sluice.internal.algorithm.State;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The decisions every backend must give, computed by stepping the pure reference models ({@link
 * Model}) directly, with the multi-limit rules of {@link Decision} written out again here rather
 * than taken from {@link Policy#decide}: a request is allowed only if every limit allows it, and
 * then consumes from all; a denial consumes from none and stores nothing; the binding limit is the
 * denying one with the longest wait (the first on ties) or, when allowed, the one with the least
 * left (the first on ties); the decision reports the binding limit's id, capacity, remaining, retry
 * and reset (its reset from the state actually stored after the request).
 *
 * <p>States are kept by policy name, key and limit id, as every backend must keep them: a policy
 * changed under the same name finds each limit's state by its id, and its models take it over. A
 * sliding log's state is kept apart from the other kinds' under the same id (Redis stores it under
 * keys of its own), and a version of the policy that lacks a limit leaves that limit's state alone.
 *
 * <p>Times are given with each call, so the caller passes the same clock reading as the backend
 * under test sees. Not thread-safe.
 */
public final class ReferenceLimiter {

  private final Map<List<String>, Map<String, State>> states = new HashMap<>();

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
    List<Model> models = policy.limits().stream().map(Model::of).toList();
    Map<String, State> current = states.getOrDefault(id(policy, key), Map.of());
    Outcome[] outcomes = new Outcome[models.size()];
    boolean allowed = true;
    for (int i = 0; i < outcomes.length; i++) {
      outcomes[i] = models.get(i).step(current.get(slot(policy, i)), now, cost);
      allowed &= outcomes[i].allowed();
    }
    if (allowed) {
      Map<String, State> next = new HashMap<>(current);
      int binding = 0;
      for (int i = 0; i < outcomes.length; i++) {
        next.put(slot(policy, i), outcomes[i].state());
        if (outcomes[i].remaining() < outcomes[binding].remaining()) {
          binding = i;
        }
      }
      states.put(id(policy, key), next);
      return decision(policy, binding, true, outcomes[binding], 0, outcomes[binding].resetAfter());
    }
    int binding = -1;
    for (int i = 0; i < outcomes.length; i++) {
      if (!outcomes[i].allowed()
          && (binding < 0 || outcomes[i].retryAfter() > outcomes[binding].retryAfter())) {
        binding = i;
      }
    }
    // Nothing is stored on a denial, so the binding limit resets from its current state.
    long resetAfter =
        models.get(binding).step(current.get(slot(policy, binding)), now, 0).resetAfter();
    return decision(
        policy, binding, false, outcomes[binding], outcomes[binding].retryAfter(), resetAfter);
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
    List<Model> models = policy.limits().stream().map(Model::of).toList();
    Map<String, State> current = states.getOrDefault(id(policy, key), Map.of());
    Outcome[] look = new Outcome[models.size()];
    Outcome[] one = new Outcome[models.size()];
    boolean allowed = true;
    for (int i = 0; i < look.length; i++) {
      State state = current.get(slot(policy, i));
      look[i] = models.get(i).step(state, now, 0);
      one[i] = models.get(i).step(state, now, 1);
      allowed &= one[i].allowed();
    }
    int binding = allowed ? 0 : -1;
    for (int i = 0; i < look.length; i++) {
      if (allowed
          ? look[i].remaining() < look[binding].remaining()
          : !one[i].allowed() && (binding < 0 || one[i].retryAfter() > one[binding].retryAfter())) {
        binding = i;
      }
    }
    return decision(
        policy,
        binding,
        allowed,
        look[binding],
        allowed ? 0 : one[binding].retryAfter(),
        look[binding].resetAfter());
  }

  /**
   * The decisions on a batch, all or nothing: if every request of a positive cost fits, each is
   * committed as {@link #tryAcquire} would; otherwise none is, each that does not fit gets its
   * denial, and each that does (and each request of cost 0) is told its state as it stands,
   * allowed.
   *
   * @param requests the requests (a valid batch: no key twice under one policy)
   * @param now the backend's clock reading, in microseconds
   * @return the expected decisions, in order
   */
  public List<Decision> tryAcquireAll(List<Acquire> requests, long now) {
    boolean all = true;
    boolean[] fits = new boolean[requests.size()];
    for (int r = 0; r < requests.size(); r++) {
      Acquire request = requests.get(r);
      Map<String, State> current =
          states.getOrDefault(id(request.policy(), request.key()), Map.of());
      fits[r] = true;
      for (int i = 0; i < request.policy().limits().size(); i++) {
        fits[r] &=
            Model.of(request.policy().limits().get(i))
                .step(current.get(slot(request.policy(), i)), now, Math.max(1, request.cost()))
                .allowed();
      }
      all &= request.cost() == 0 || fits[r];
    }
    List<Decision> decisions = new ArrayList<>();
    for (int r = 0; r < requests.size(); r++) {
      Acquire request = requests.get(r);
      boolean decide = request.cost() > 0 && (all || !fits[r]);
      decisions.add(
          decide
              ? tryAcquire(request.policy(), request.key(), request.cost(), now)
              : looked(request.policy(), request.key(), now));
    }
    return decisions;
  }

  /** A request that consumes nothing: its limits' states as they stand, allowed. */
  private Decision looked(Policy policy, String key, long now) {
    Map<String, State> current = states.getOrDefault(id(policy, key), Map.of());
    Outcome[] look = new Outcome[policy.limits().size()];
    int binding = 0;
    for (int i = 0; i < look.length; i++) {
      look[i] = Model.of(policy.limits().get(i)).step(current.get(slot(policy, i)), now, 0);
      if (look[i].remaining() < look[binding].remaining()) {
        binding = i;
      }
    }
    return decision(policy, binding, true, look[binding], 0, look[binding].resetAfter());
  }

  /**
   * A refund: every limit's state as it stands, less {@code cost} ({@link Model#refund}), then what
   * a peek returns.
   *
   * @param policy the policy
   * @param key the client key
   * @param cost what to give back
   * @param now the backend's clock reading, in microseconds
   * @return the expected answer
   */
  public Decision refund(Policy policy, String key, long cost, long now) {
    Map<String, State> current = states.getOrDefault(id(policy, key), Map.of());
    Map<String, State> next = new HashMap<>(current);
    boolean changed = false;
    for (int i = 0; i < policy.limits().size(); i++) {
      State refunded =
          Model.of(policy.limits().get(i)).refund(current.get(slot(policy, i)), now, cost);
      if (refunded != null) {
        next.put(slot(policy, i), refunded);
        changed = true;
      }
    }
    if (changed) {
      states.put(id(policy, key), next);
    }
    return peek(policy, key, now);
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

  private static Decision decision(
      Policy policy, int binding, boolean allowed, Outcome o, long retryAfter, long resetAfter) {
    return new Decision(
        policy.name(),
        policy.ids().get(binding),
        allowed,
        policy.limits().get(binding).capacity(),
        o.remaining(),
        retryAfter,
        resetAfter,
        Decision.Source.BACKEND);
  }

  private static String slot(Policy policy, int index) {
    String id = policy.ids().get(index);
    return policy.limits().get(index) instanceof Limit.SlidingLog ? id + ":log" : id;
  }

  private static List<String> id(Policy policy, String key) {
    return List.of(policy.name(), policy.group() == null ? "" : policy.group(), key);
  }
}

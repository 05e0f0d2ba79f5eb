package dev.sluice;

import dev.sluice.algorithm.Model;
import dev.sluice.algorithm.Outcome;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A named set of limits that apply together, such as 10 per second and 1,000 per day.
 *
 * <p>A request is allowed only if every limit allows it, and then consumes from all of them; if any
 * limit denies, none is consumed. Immutable and thread-safe; two policies are equal when their
 * names and limits are, which is how a reloaded configuration keeps existing buckets.
 */
public final class Policy {

  /** The name of the policy used when no other applies. */
  public static final String DEFAULT = "default";

  /** The most limits one policy may hold. */
  public static final int MAX_LIMITS = 8;

  private final String name;
  private final List<Limit> limits;
  private final Model[] models;
  private final long maxCost;
  private final int hash;

  private Policy(String name, List<Limit> limits) {
    this.name = Checks.name("policy name", name);
    Checks.notNull("limits", limits);
    if (limits.isEmpty() || limits.size() > MAX_LIMITS) {
      throw new IllegalArgumentException(
          "limits must hold 1 to " + MAX_LIMITS + " limits: " + limits.size());
    }
    for (Limit limit : limits) {
      Checks.notNull("limit", limit);
    }
    this.limits = List.copyOf(limits);
    this.models = this.limits.stream().map(Model::of).toArray(Model[]::new);
    this.maxCost = this.limits.stream().mapToLong(Limit::capacity).min().orElseThrow();
    this.hash = 31 * name.hashCode() + this.limits.hashCode();
  }

  /**
   * A policy named {@code name} with the given limits.
   *
   * @param name 1 to 64 letters, digits, '_', '.' or '-'
   * @param limits 1 to 8 limits
   * @return the policy
   * @throws IllegalArgumentException if the name or the number of limits is invalid
   */
  public static Policy of(String name, Limit... limits) {
    Checks.notNull("limits", limits);
    return new Policy(name, Arrays.asList(limits));
  }

  /**
   * A policy named {@code name} with the given limits.
   *
   * @param name 1 to 64 letters, digits, '_', '.' or '-'
   * @param limits 1 to 8 limits
   * @return the policy
   * @throws IllegalArgumentException if the name or the number of limits is invalid
   */
  public static Policy of(String name, List<Limit> limits) {
    return new Policy(name, limits);
  }

  /**
   * The name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The limits, in the order given.
   *
   * @return an immutable list
   */
  public List<Limit> limits() {
    return limits;
  }

  /**
   * The reference models of the limits, in the same order: what a backend runs or checks against.
   *
   * @return an immutable list
   */
  public List<Model> models() {
    return List.of(models);
  }

  Model[] modelArray() {
    return models;
  }

  /**
   * The largest cost a request may ask: the smallest capacity among the limits.
   *
   * @return the maximum cost
   */
  public long maxCost() {
    return maxCost;
  }

  /**
   * Checks a request's cost against this policy.
   *
   * @param cost the cost
   * @return the cost
   * @throws IllegalArgumentException if the cost is below 1 or above {@link #maxCost()}
   */
  public long checkCost(long cost) {
    if (cost < 1) {
      throw new IllegalArgumentException("cost must be at least 1: " + cost);
    }
    if (cost > maxCost) {
      throw new IllegalArgumentException(
          "cost must be at most the capacity " + maxCost + " of policy '" + name + "': " + cost);
    }
    return cost;
  }

  /**
   * Combines the outcomes of this policy's limits, one per limit in order, into one decision:
   * allowed if all allow; the binding limit is the denying one with the longest wait, or when
   * allowed the one with the least left.
   *
   * @param outcomes one outcome per limit
   * @return the decision
   */
  public Decision decide(Outcome... outcomes) {
    int binding = 0;
    boolean allowed = true;
    long resetAfter = 0;
    for (int i = 0; i < outcomes.length; i++) {
      Outcome o = outcomes[i];
      resetAfter = Math.max(resetAfter, o.resetAfter());
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
        name,
        allowed,
        limits.get(binding).capacity(),
        b.remaining(),
        allowed ? 0 : b.retryAfter(),
        resetAfter);
  }

  /**
   * The decision of a single-limit policy from its outcome; the fast path of {@link #decide}.
   *
   * @param outcome the outcome of the first limit
   * @return the decision
   */
  Decision decide(Outcome outcome) {
    return new Decision(
        name,
        outcome.allowed(),
        maxCost,
        outcome.remaining(),
        outcome.retryAfter(),
        outcome.resetAfter());
  }

  @Override
  public boolean equals(Object o) {
    return o == this
        || (o instanceof Policy other
            && hash == other.hash
            && name.equals(other.name)
            && limits.equals(other.limits));
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return name + limits.stream().map(Limit::toString).collect(Collectors.joining(", ", "[", "]"));
  }
}

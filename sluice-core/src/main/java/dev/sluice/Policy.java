package dev.sluice;

import dev.sluice.internal.Checks;
import dev.sluice.internal.algorithm.Model;
import dev.sluice.internal.algorithm.Permits;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * A named set of limits that apply together, such as 10 per second and 1,000 per day.
 *
 * <p>A request is allowed only if every limit allows it, and then consumes from all of them; if any
 * limit denies, none is consumed.
 *
 * <p>Each limit has an id within its policy: given with {@link Builder#limit(String, Limit)}, else
 * its position ({@code "0"}, {@code "1"}, ...). A client's usage of a limit is stored under the
 * policy's name and the limit's id, never under the limit's parameters: a policy whose limits are
 * edited (a reload, a rolling deploy with two versions, a limiter rebuilt over the same store)
 * keeps every client's usage, which the new parameters then judge (see {@link
 * dev.sluice.internal.algorithm.State} for how a bucket's debt and a window's count carry over).
 *
 * <p>A policy may belong to a {@linkplain Builder#group(String) group}: the keys of every policy of
 * one group are stored together (in Redis under one hash tag, so on Redis Cluster on one node), so
 * that {@link RateLimiter#tryAcquireAll} can decide requests under several of them atomically. The
 * group is part of where the state is stored: moving a policy into or out of a group starts its
 * clients afresh.
 *
 * <p>Immutable and thread-safe; two policies are equal when their names, groups, ids and limits
 * are.
 */
public final class Policy {

  /** The name of the policy used when no other applies. */
  public static final String DEFAULT = "default";

  /** The most limits one policy may hold. */
  public static final int MAX_LIMITS = 16;

  private final String name;
  private final @Nullable String group;
  private final String stateName;
  private final List<Limit> limits;
  private final List<String> ids;
  private final Model[] models;
  private final String[] slots;
  private final long maxCost;
  private final boolean holdsPermits;
  private final int hash;

  private Policy(String name, @Nullable String group, List<String> ids, List<Limit> limits) {
    this.name = Checks.name("policy name", name);
    this.group = group == null ? null : Checks.name("group", group);
    this.stateName = group == null ? name : name + "@" + group;
    if (limits.isEmpty() || limits.size() > MAX_LIMITS) {
      throw Checks.fail("limits", "hold 1 to " + MAX_LIMITS + " limits", limits.size());
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < limits.size(); i++) {
      Checks.notNull("limit", limits.get(i));
      String id = Checks.name("limit id", ids.get(i));
      if (!seen.add(id)) {
        throw Checks.fail("limit id", "be unique within policy '" + name + "'", "'" + id + "'");
      }
    }
    this.limits = List.copyOf(limits);
    this.ids = List.copyOf(ids);
    this.models = this.limits.stream().map(Model::of).toArray(Model[]::new);
    this.slots = new String[limits.size()];
    for (int i = 0; i < slots.length; i++) {
      // A log is stored apart from the other kinds (in Redis under two keys of its own), so a
      // limit id that changes from one to the other and back finds each state where it left it.
      // So is a concurrency limit's set of permits.
      Limit limit = limits.get(i);
      slots[i] =
          limit instanceof Limit.SlidingLog
              ? ids.get(i) + ":log"
              : limit instanceof Limit.Concurrency ? ids.get(i) + ":permits" : ids.get(i);
    }
    // A concurrency limit takes one permit per request whatever its cost: it bounds no cost.
    this.maxCost =
        this.limits.stream()
            .filter(limit -> !(limit instanceof Limit.Concurrency))
            .mapToLong(Limit::capacity)
            .min()
            .orElse(Limit.MAX_CAPACITY);
    this.holdsPermits = this.limits.stream().anyMatch(limit -> limit instanceof Limit.Concurrency);
    if (holdsPermits) {
      Permits.ready();
    }
    this.hash =
        ((31 * name.hashCode() + Objects.hashCode(group)) * 31 + this.ids.hashCode()) * 31
            + this.limits.hashCode();
  }

  /**
   * A policy named {@code name} with the given limits, whose ids are their positions.
   *
   * @param name 1 to 64 letters, digits, '_', '.' or '-'
   * @param limits 1 to 16 limits
   * @return the policy
   * @throws IllegalArgumentException if the name or the number of limits is invalid
   */
  public static Policy of(String name, Limit... limits) {
    Checks.notNull("limits", limits);
    return of(name, Arrays.asList(limits));
  }

  /**
   * A policy named {@code name} with the given limits, whose ids are their positions.
   *
   * @param name 1 to 64 letters, digits, '_', '.' or '-'
   * @param limits 1 to 16 limits
   * @return the policy
   * @throws IllegalArgumentException if the name or the number of limits is invalid
   */
  public static Policy of(String name, List<Limit> limits) {
    Checks.notNull("limits", limits);
    List<String> ids = new ArrayList<>(limits.size());
    for (int i = 0; i < limits.size(); i++) {
      ids.add(Integer.toString(i));
    }
    return new Policy(name, null, ids, limits);
  }

  /**
   * A builder for a policy whose limits have ids of their own, or that belongs to a group.
   *
   * @param name 1 to 64 letters, digits, '_', '.' or '-'
   * @return a new builder
   */
  public static Builder builder(String name) {
    return new Builder(name);
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
   * The group whose policies' keys are stored together, if any.
   *
   * @return the group, or {@code null}
   */
  public @Nullable String group() {
    return group;
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
   * The ids of the limits, in the same order: what a client's usage of each limit is stored under.
   *
   * @return an immutable list
   */
  public List<String> ids() {
    return ids;
  }

  Model[] modelArray() {
    return models;
  }

  /**
   * What the policy's state is stored under in memory: its name, or with a group its name and group
   * (names cannot hold {@code @}, so the two never meet).
   */
  String stateName() {
    return stateName;
  }

  /**
   * Where each limit's state is kept for a key: its id, or for a sliding log its id and {@code
   * ":log"}; shared by every policy of the same layout, never modified.
   */
  String[] slots() {
    return slots;
  }

  /** This policy with each limit replaced by {@code change}'s, under the same name and ids. */
  Policy withEachLimit(UnaryOperator<Limit> change) {
    return new Policy(name, group, ids, limits.stream().map(change).toList());
  }

  /**
   * Whether an allowed request of this policy holds a permit ({@link Decision#permit()}) to
   * release: whether it has a {@linkplain Limit#concurrency concurrency limit}.
   *
   * @return true if it does
   */
  public boolean holdsPermits() {
    return holdsPermits;
  }

  /**
   * The largest cost a request may ask: the smallest capacity among the limits (concurrency limits
   * aside, which take one permit per request whatever the cost; a policy of them alone takes costs
   * up to {@link Limit#MAX_CAPACITY}).
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
      throw Checks.fail("cost", "be at least 1", cost);
    }
    if (cost > maxCost) {
      throw Checks.fail(
          "cost", "be at most the capacity " + maxCost + " of policy '" + name + "'", cost);
    }
    return cost;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o == this
        || (o instanceof Policy other
            && hash == other.hash
            && name.equals(other.name)
            && Objects.equals(group, other.group)
            && ids.equals(other.ids)
            && limits.equals(other.limits));
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder(name);
    if (group != null) {
      text.append('@').append(group);
    }
    text.append('[');
    for (int i = 0; i < limits.size(); i++) {
      text.append(i == 0 ? "" : ", ");
      if (!ids.get(i).equals(Integer.toString(i))) {
        text.append(ids.get(i)).append('=');
      }
      text.append(limits.get(i));
    }
    return text.append(']').toString();
  }

  /** Builds a {@link Policy} of limits with ids. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private @Nullable String group;
    private final List<String> ids = new ArrayList<>();
    private final List<Limit> limits = new ArrayList<>();

    private Builder(String name) {
      this.name = Checks.name("policy name", name);
    }

    /**
     * Adds a limit whose id is its position.
     *
     * @param limit the limit
     * @return this builder
     */
    public Builder limit(Limit limit) {
      return limit(Integer.toString(limits.size()), limit);
    }

    /**
     * Adds a limit with an id of its own, which keeps its usage when limits are added, removed or
     * reordered around it.
     *
     * @param id 1 to 64 letters, digits, '_', '.' or '-', unique in the policy
     * @param limit the limit
     * @return this builder
     * @throws IllegalArgumentException if the id is invalid
     */
    public Builder limit(String id, Limit limit) {
      ids.add(Checks.name("limit id", id));
      limits.add(Checks.notNull("limit", limit));
      return this;
    }

    /**
     * Puts the policy in a group: the keys of every policy of one group are stored together, so
     * that one {@link RateLimiter#tryAcquireAll} can decide keys of several of them atomically.
     *
     * @param group 1 to 64 letters, digits, '_', '.' or '-'
     * @return this builder
     * @throws IllegalArgumentException if the group name is invalid
     */
    public Builder group(String group) {
      this.group = Checks.name("group", group);
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return the policy
     * @throws IllegalArgumentException if there are no limits or too many, or two share an id
     */
    public Policy build() {
      return new Policy(name, group, ids, limits);
    }
  }
}

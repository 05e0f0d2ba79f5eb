package dev.sluice.servlet;

import dev.sluice.Limit;
import dev.sluice.http.RequestMatcher;
import java.util.ArrayList;
import java.util.List;

/**
 * One rule of the filter: which requests (path patterns, optionally methods), whose budget they
 * spend (the key), under which policy, and at what cost.
 *
 * <pre>{@code
 * Rule.builder("/api/**").key(KeyResolver.header("X-Api-Key")).build();
 * Rule.builder("/search").methods("GET").policy("search").cost(5).build();
 * }</pre>
 *
 * <p>Immutable. The filter applies the first rule that matches a request; a request no rule matches
 * is not limited.
 */
public final class Rule {

  private final RequestMatcher matcher;
  private final KeyResolver key;
  private final String policy;
  private final long cost;

  private Rule(Builder builder) {
    this.matcher = RequestMatcher.of("rule", builder.patterns, builder.methods);
    this.key = builder.key;
    this.policy = builder.policy;
    this.cost = builder.cost;
  }

  /**
   * A builder for a rule over path patterns (see {@link RequestMatcher} for their syntax).
   *
   * @param patterns one or more patterns, each starting with {@code /}
   * @return the builder
   */
  public static Builder builder(String... patterns) {
    return new Builder(List.of(patterns));
  }

  /**
   * Which requests the rule applies to.
   *
   * @return the matcher
   */
  public RequestMatcher matcher() {
    return matcher;
  }

  /**
   * The key resolver.
   *
   * @return the resolver, or {@code null} for the filter's default key
   */
  public KeyResolver key() {
    return key;
  }

  /**
   * The policy.
   *
   * @return the policy's name, or {@code null} for the client's override, else {@code default}
   */
  public String policy() {
    return policy;
  }

  /**
   * The cost of one request.
   *
   * @return from 1
   */
  public long cost() {
    return cost;
  }

  @Override
  public String toString() {
    return matcher
        + " -> key "
        + (key == null ? "(default)" : Keys.describe(key))
        + ", policy "
        + (policy == null ? "(client's or default)" : policy)
        + ", cost "
        + cost;
  }

  /** Builds a {@link Rule}. Not thread-safe. */
  public static final class Builder {
    private final List<String> patterns;
    private final List<String> methods = new ArrayList<>();
    private KeyResolver key;
    private String policy;
    private long cost = 1;

    private Builder(List<String> patterns) {
      this.patterns = patterns;
    }

    /**
     * Restricts the rule to methods.
     *
     * @param methods such as {@code GET} and {@code POST}; none for every method
     * @return this builder
     */
    public Builder methods(String... methods) {
      this.methods.addAll(List.of(methods));
      return this;
    }

    /**
     * The key; the filter's default key if not set.
     *
     * @param key the resolver
     * @return this builder
     */
    public Builder key(KeyResolver key) {
      this.key = key;
      return this;
    }

    /**
     * The policy; the client's override, else {@code default}, if not set.
     *
     * @param policy the policy's name, or {@code null}
     * @return this builder
     */
    public Builder policy(String policy) {
      this.policy = policy;
      return this;
    }

    /**
     * The cost of each request; 1 if not set.
     *
     * @param cost from 1 to 10^9 (and at most the policy's smallest capacity, checked by the
     *     filter's builder)
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder cost(long cost) {
      if (cost < 1 || cost > Limit.MAX_CAPACITY) {
        throw new IllegalArgumentException(
            "cost must be between 1 and " + Limit.MAX_CAPACITY + ": " + cost);
      }
      this.cost = cost;
      return this;
    }

    /**
     * Builds the rule.
     *
     * @return the rule
     * @throws IllegalArgumentException if a pattern or method is invalid
     */
    public Rule build() {
      return new Rule(this);
    }
  }
}

package dev.sluice;

import dev.sluice.internal.Checks;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Resolves a request to its policy: the client's override if it has one, else the policy the
 * request names, else {@code default}.
 *
 * <p>Tiers are overrides: {@code clients: {user123: premium}} puts user123 on the premium policy
 * whatever the request asks. Immutable and thread-safe; build one with {@link #builder()}.
 */
public final class PolicyRegistry {

  private final Map<String, Policy> policies;
  private final Map<String, Policy> clients;

  private PolicyRegistry(Map<String, Policy> policies, Map<String, Policy> clients) {
    this.policies = Map.copyOf(policies);
    this.clients = Map.copyOf(clients);
  }

  /**
   * A registry with the given policies and no client overrides.
   *
   * @param policies the policies; their names must differ
   * @return the registry
   * @throws IllegalArgumentException if two policies share a name
   */
  public static PolicyRegistry of(Policy... policies) {
    Builder builder = builder();
    for (Policy policy : policies) {
      builder.policy(policy);
    }
    return builder.build();
  }

  /**
   * A builder of registries.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The policy for a request.
   *
   * @param key the client key
   * @param requested the policy named by the request, or {@code null} for none
   * @return the policy
   * @throws IllegalArgumentException if the named policy does not exist, or none was named and
   *     there is neither an override nor a {@code default} policy
   */
  public Policy resolve(String key, @Nullable String requested) {
    Policy override = clients.isEmpty() ? null : clients.get(key);
    if (override != null) {
      return override;
    }
    Policy policy = policies.get(requested == null ? Policy.DEFAULT : requested);
    if (policy == null) {
      throw Checks.fail(
          "policy",
          "be one of " + new TreeMap<>(policies).keySet(),
          requested == null
              ? "none given and there is no 'default' policy"
              : "'" + requested + "'");
    }
    return policy;
  }

  /**
   * The policy with this name.
   *
   * @param name the name
   * @return the policy, or {@code null}
   */
  public @Nullable Policy get(String name) {
    return policies.get(name);
  }

  /**
   * All policies by name.
   *
   * @return an immutable map
   */
  public Map<String, Policy> policies() {
    return policies;
  }

  /**
   * The client overrides: client key to policy.
   *
   * @return an immutable map
   */
  public Map<String, Policy> clients() {
    return clients;
  }

  /** Builds a {@link PolicyRegistry}; each method validates its argument. Not thread-safe. */
  public static final class Builder {
    private final Map<String, Policy> policies = new LinkedHashMap<>();
    private final Map<String, String> clients = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Adds a policy.
     *
     * @param policy the policy
     * @return this builder
     * @throws IllegalArgumentException if a policy of that name was already added
     */
    public Builder policy(Policy policy) {
      Checks.notNull("policy", policy);
      if (policies.putIfAbsent(policy.name(), policy) != null) {
        throw Checks.fail("policy name", "be unique", "'" + policy.name() + "'");
      }
      return this;
    }

    /**
     * Puts a client on a policy whatever its requests ask (a tier).
     *
     * @param key the client key
     * @param policy the name of a policy added to this builder (before or after this call)
     * @return this builder
     * @throws IllegalArgumentException if the key is invalid
     */
    public Builder client(String key, String policy) {
      clients.put(Checks.key(key), Checks.notNull("policy", policy));
      return this;
    }

    /**
     * Builds the registry.
     *
     * @return the registry
     * @throws IllegalArgumentException if a client override names a policy that was not added
     */
    public PolicyRegistry build() {
      Map<String, Policy> resolved = new LinkedHashMap<>();
      clients.forEach(
          (key, name) -> {
            Policy policy = policies.get(name);
            if (policy == null) {
              throw Checks.fail(
                  "clients." + key,
                  "name a policy, one of " + new TreeMap<>(policies).keySet(),
                  "'" + name + "'");
            }
            resolved.put(key, policy);
          });
      return new PolicyRegistry(policies, resolved);
    }
  }
}

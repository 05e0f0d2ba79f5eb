package dev.sluice.spring;

import dev.sluice.Decision;
import dev.sluice.Durations;
import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.RateLimiter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The Actuator endpoint {@code sluice}: the policies in force ({@code GET /actuator/sluice}) and a
 * key's state without consuming anything ({@code GET /actuator/sluice/{key}?policy=}). Like every
 * endpoint but {@code health}, it is not exposed over the web unless the application says so
 * ({@code management.endpoints.web.exposure.include=health,sluice}).
 */
@Endpoint(id = "sluice")
public class SluiceEndpoint {

  private final RateLimiter limiter;
  private final String store;

  /**
   * The endpoint of a limiter.
   *
   * @param limiter the limiter
   * @param store a description of its store, such as {@code memory}
   */
  public SluiceEndpoint(RateLimiter limiter, String store) {
    this.limiter = limiter;
    this.store = store;
  }

  /**
   * The store, the policies with their limits, and how many clients have an override.
   *
   * @return the description
   */
  @ReadOperation
  public Map<String, Object> policies() {
    Map<String, Object> policies = new LinkedHashMap<>();
    for (Policy policy : limiter.policies().policies().values()) {
      List<Map<String, Object>> limits = new ArrayList<>();
      for (int i = 0; i < policy.limits().size(); i++) {
        Limit limit = policy.limits().get(i);
        Map<String, Object> described = new LinkedHashMap<>();
        described.put("id", policy.ids().get(i));
        described.put("algorithm", limit.algorithm().id());
        described.put("capacity", limit.capacity());
        described.put("window", Durations.format(limit.window()));
        described.put("limit", limit.toString());
        limits.add(described);
      }
      policies.put(policy.name(), Map.of("limits", limits));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("store", store);
    body.put("policies", policies);
    body.put("clients", limiter.policies().clients().size());
    return body;
  }

  /**
   * A key's state under a policy, consuming nothing.
   *
   * @param key the client key
   * @param policy the policy, or {@code null} for the client's override, else {@code default}
   * @return what a request of cost 1 would get now: the fields of the decision body, and its source
   */
  @ReadOperation
  public Map<String, Object> peek(@Selector String key, @Nullable String policy) {
    Decision decision = limiter.peek(key, policy);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("allowed", decision.allowed());
    body.put("policy", decision.policy());
    body.put("limit", decision.limit());
    body.put("remaining", decision.remaining());
    body.put("retryAfterMs", decision.retryAfterMillis());
    body.put("resetAfterMs", decision.resetAfterMillis());
    body.put("source", decision.source().label());
    return body;
  }
}

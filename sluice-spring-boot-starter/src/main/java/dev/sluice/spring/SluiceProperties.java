package dev.sluice.spring;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code sluice.*} properties: the vocabulary of {@code sluice serve}'s YAML file, plus {@code
 * http} (the rules of the web filters) and {@code gateway} (Spring Cloud Gateway routes).
 *
 * <pre>
 * sluice:
 *   policies:
 *     default: { capacity: 10, refill: 1/s }
 *     premium: { capacity: 100, refill: 20/s }
 *   clients: { vip-key: premium }
 *   store: { type: memory }
 *   http:
 *     rules:
 *       - path: /api/**
 *         key: header:X-Api-Key
 * </pre>
 *
 * <p>Values are bound as written and validated when the application starts: a bad one stops it with
 * a message that names the property and the allowed range (see docs/spring.md for every property).
 * Mutable, as Spring binding needs; read once at start-up.
 */
@ConfigurationProperties("sluice")
public class SluiceProperties {

  private Map<String, PolicyProperties> policies = new LinkedHashMap<>();
  private Map<String, String> clients = new LinkedHashMap<>();
  private StoreProperties store = new StoreProperties();
  private HttpProperties http = new HttpProperties();
  private GatewayProperties gateway = new GatewayProperties();

  /**
   * The policies by name; {@code default: { capacity: 10, refill: 1/s }} when none is set.
   *
   * @return the policies
   */
  public Map<String, PolicyProperties> getPolicies() {
    return policies;
  }

  /**
   * Sets the policies.
   *
   * @param policies the policies by name
   */
  public void setPolicies(Map<String, PolicyProperties> policies) {
    this.policies = policies;
  }

  /**
   * Client keys to policy names: the tiers.
   *
   * @return the overrides
   */
  public Map<String, String> getClients() {
    return clients;
  }

  /**
   * Sets the client overrides.
   *
   * @param clients client key to policy name
   */
  public void setClients(Map<String, String> clients) {
    this.clients = clients;
  }

  /**
   * Where the buckets live.
   *
   * @return the store
   */
  public StoreProperties getStore() {
    return store;
  }

  /**
   * Sets the store.
   *
   * @param store the store
   */
  public void setStore(StoreProperties store) {
    this.store = store;
  }

  /**
   * The web filters' rules and answers.
   *
   * @return the HTTP settings
   */
  public HttpProperties getHttp() {
    return http;
  }

  /**
   * Sets the HTTP settings.
   *
   * @param http the HTTP settings
   */
  public void setHttp(HttpProperties http) {
    this.http = http;
  }

  /**
   * The Spring Cloud Gateway settings.
   *
   * @return the gateway settings
   */
  public GatewayProperties getGateway() {
    return gateway;
  }

  /**
   * Sets the gateway settings.
   *
   * @param gateway the gateway settings
   */
  public void setGateway(GatewayProperties gateway) {
    this.gateway = gateway;
  }

  /** One limit: an algorithm and its parameters, as in the server's YAML. */
  public static class LimitProperties {
    private String id;
    private String algorithm;
    private Long capacity;
    private String refill;
    private String leak;
    private Long limit;
    private String window;
    private String align;
    private String lease;
    private String retryHint;

    /**
     * The limit's id within its policy (what clients' usage is stored under).
     *
     * @return the id, or {@code null} for its position
     */
    public String getId() {
      return id;
    }

    /**
     * Sets the id.
     *
     * @param id the id
     */
    public void setId(String id) {
      this.id = id;
    }

    /**
     * The algorithm: {@code token-bucket} (default), {@code leaky-bucket}, {@code fixed-window},
     * {@code sliding-window} or {@code sliding-log}.
     *
     * @return the algorithm, or {@code null}
     */
    public String getAlgorithm() {
      return algorithm;
    }

    /**
     * Sets the algorithm.
     *
     * @param algorithm the algorithm's name
     */
    public void setAlgorithm(String algorithm) {
      this.algorithm = algorithm;
    }

    /**
     * A bucket's capacity.
     *
     * @return the capacity, or {@code null}
     */
    public Long getCapacity() {
      return capacity;
    }

    /**
     * Sets the capacity.
     *
     * @param capacity the capacity
     */
    public void setCapacity(Long capacity) {
      this.capacity = capacity;
    }

    /**
     * A token bucket's refill rate, such as {@code 1/s}.
     *
     * @return the rate, or {@code null}
     */
    public String getRefill() {
      return refill;
    }

    /**
     * Sets the refill rate.
     *
     * @param refill the rate
     */
    public void setRefill(String refill) {
      this.refill = refill;
    }

    /**
     * A leaky bucket's leak rate, such as {@code 5/s}.
     *
     * @return the rate, or {@code null}
     */
    public String getLeak() {
      return leak;
    }

    /**
     * Sets the leak rate.
     *
     * @param leak the rate
     */
    public void setLeak(String leak) {
      this.leak = leak;
    }

    /**
     * A window's limit.
     *
     * @return the limit, or {@code null}
     */
    public Long getLimit() {
      return limit;
    }

    /**
     * Sets the window's limit.
     *
     * @param limit the limit
     */
    public void setLimit(Long limit) {
      this.limit = limit;
    }

    /**
     * A window's length, such as {@code 1m}.
     *
     * @return the window, or {@code null}
     */
    public String getWindow() {
      return window;
    }

    /**
     * Sets the window's length.
     *
     * @param window the duration
     */
    public void setWindow(String window) {
      this.window = window;
    }

    /**
     * A concurrency limit's lease, such as {@code 30s}: how long a permit lives unreleased.
     *
     * @return the lease, or {@code null}
     */
    public String getLease() {
      return lease;
    }

    /**
     * Sets a concurrency limit's lease.
     *
     * @param lease the duration
     */
    public void setLease(String lease) {
      this.lease = lease;
    }

    /**
     * What a concurrency limit's denial gives as its retry time at most, such as {@code 100ms}.
     *
     * @return the hint, or {@code null} for the default (100 ms, or the lease if shorter)
     */
    public String getRetryHint() {
      return retryHint;
    }

    /**
     * Sets a concurrency limit's retry hint.
     *
     * @param retryHint the duration
     */
    public void setRetryHint(String retryHint) {
      this.retryHint = retryHint;
    }

    /**
     * How a fixed window is aligned: {@code epoch} (the default) or {@code calendar} (UTC days,
     * weeks from Monday, months, years; the window is then {@code 1d}, {@code 1w}, {@code 1mo} or
     * {@code 1y}).
     *
     * @return the alignment, or {@code null}
     */
    public String getAlign() {
      return align;
    }

    /**
     * Sets how a fixed window is aligned.
     *
     * @param align {@code epoch} or {@code calendar}
     */
    public void setAlign(String align) {
      this.align = align;
    }
  }

  /** One policy: one limit inline, or {@code limits}; and how the store treats it. */
  public static class PolicyProperties extends LimitProperties {
    private List<LimitProperties> limits = new ArrayList<>();
    private String onFailure;
    private String timeout;
    private Boolean hybrid;

    /**
     * The limits of a policy of several; empty for one limit written inline.
     *
     * @return the limits
     */
    public List<LimitProperties> getLimits() {
      return limits;
    }

    /**
     * Sets the limits.
     *
     * @param limits the limits
     */
    public void setLimits(List<LimitProperties> limits) {
      this.limits = limits;
    }

    /**
     * This policy's answer when the Redis store fails: {@code allow}, {@code deny} or {@code
     * local}.
     *
     * @return the answer, or {@code null} for the store's
     */
    public String getOnFailure() {
      return onFailure;
    }

    /**
     * Sets the failure answer.
     *
     * @param onFailure the answer
     */
    public void setOnFailure(String onFailure) {
      this.onFailure = onFailure;
    }

    /**
     * This policy's deadline on the Redis store, such as {@code 20ms}.
     *
     * @return the deadline, or {@code null} for the store's
     */
    public String getTimeout() {
      return timeout;
    }

    /**
     * Sets the deadline.
     *
     * @param timeout the duration
     */
    public void setTimeout(String timeout) {
      this.timeout = timeout;
    }

    /**
     * Whether each instance leases this policy's tokens in batches (a Redis store in Lua mode).
     *
     * @return the setting, or {@code null} for false
     */
    public Boolean getHybrid() {
      return hybrid;
    }

    /**
     * Sets hybrid.
     *
     * @param hybrid whether to lease
     */
    public void setHybrid(Boolean hybrid) {
      this.hybrid = hybrid;
    }
  }

  /** The {@code store} section, as in the server's YAML. */
  public static class StoreProperties {
    private String type = "memory";
    private Long maxKeys;
    private String uri;
    private Boolean cluster;
    private String mode;
    private String timeout;
    private String onFailure;
    private String instances;
    private String localShare;
    private CircuitBreakerProperties circuitBreaker = new CircuitBreakerProperties();
    private Boolean denyCache;
    private String leaseFraction;

    /**
     * {@code memory} (default) or {@code redis}.
     *
     * @return the type
     */
    public String getType() {
      return type;
    }

    /**
     * Sets the type.
     *
     * @param type the type
     */
    public void setType(String type) {
      this.type = type;
    }

    /**
     * The most keys kept in this process's memory.
     *
     * @return the number, or {@code null} for 1,000,000
     */
    public Long getMaxKeys() {
      return maxKeys;
    }

    /**
     * Sets max-keys.
     *
     * @param maxKeys the number
     */
    public void setMaxKeys(Long maxKeys) {
      this.maxKeys = maxKeys;
    }

    /**
     * The Redis URI, or comma-separated cluster seeds.
     *
     * @return the URI, or {@code null}
     */
    public String getUri() {
      return uri;
    }

    /**
     * Sets the URI.
     *
     * @param uri the URI
     */
    public void setUri(String uri) {
      this.uri = uri;
    }

    /**
     * Whether the URI lists Redis Cluster seeds.
     *
     * @return the setting, or {@code null} for false
     */
    public Boolean getCluster() {
      return cluster;
    }

    /**
     * Sets cluster.
     *
     * @param cluster whether it is a cluster
     */
    public void setCluster(Boolean cluster) {
      this.cluster = cluster;
    }

    /**
     * {@code lua} (default) or {@code transaction}.
     *
     * @return the mode, or {@code null}
     */
    public String getMode() {
      return mode;
    }

    /**
     * Sets the mode.
     *
     * @param mode the mode
     */
    public void setMode(String mode) {
      this.mode = mode;
    }

    /**
     * The deadline of every decision, such as {@code 50ms}.
     *
     * @return the duration, or {@code null} for 50ms
     */
    public String getTimeout() {
      return timeout;
    }

    /**
     * Sets the timeout.
     *
     * @param timeout the duration
     */
    public void setTimeout(String timeout) {
      this.timeout = timeout;
    }

    /**
     * The answer when Redis fails: {@code allow}, {@code deny} or {@code local} (default).
     *
     * @return the answer, or {@code null}
     */
    public String getOnFailure() {
      return onFailure;
    }

    /**
     * Sets on-failure.
     *
     * @param onFailure the answer
     */
    public void setOnFailure(String onFailure) {
      this.onFailure = onFailure;
    }

    /**
     * How many instances share the Redis: {@code auto} (default) or a number.
     *
     * @return the setting, or {@code null}
     */
    public String getInstances() {
      return instances;
    }

    /**
     * Sets instances.
     *
     * @param instances the setting
     */
    public void setInstances(String instances) {
      this.instances = instances;
    }

    /**
     * The share of each limit the local fallback grants, such as {@code 1/3}.
     *
     * @return the share, or {@code null} for 1/instances
     */
    public String getLocalShare() {
      return localShare;
    }

    /**
     * Sets local-share.
     *
     * @param localShare the share
     */
    public void setLocalShare(String localShare) {
      this.localShare = localShare;
    }

    /**
     * The circuit breaker.
     *
     * @return the breaker's settings
     */
    public CircuitBreakerProperties getCircuitBreaker() {
      return circuitBreaker;
    }

    /**
     * Sets the circuit breaker.
     *
     * @param circuitBreaker the settings
     */
    public void setCircuitBreaker(CircuitBreakerProperties circuitBreaker) {
      this.circuitBreaker = circuitBreaker;
    }

    /**
     * Whether Redis's denials are repeated locally until their retry time.
     *
     * @return the setting, or {@code null} for true
     */
    public Boolean getDenyCache() {
      return denyCache;
    }

    /**
     * Sets deny-cache.
     *
     * @param denyCache the setting
     */
    public void setDenyCache(Boolean denyCache) {
      this.denyCache = denyCache;
    }

    /**
     * For hybrid policies, the largest lease as a fraction of the capacity, such as {@code 0.05}.
     *
     * @return the fraction, or {@code null}
     */
    public String getLeaseFraction() {
      return leaseFraction;
    }

    /**
     * Sets lease-fraction.
     *
     * @param leaseFraction the fraction
     */
    public void setLeaseFraction(String leaseFraction) {
      this.leaseFraction = leaseFraction;
    }
  }

  /** The {@code store.circuit-breaker} section. */
  public static class CircuitBreakerProperties {
    private Integer failures;
    private String openAfter;
    private String backoff;
    private String maxBackoff;

    /**
     * Failures in a row that open the breaker.
     *
     * @return the number, or {@code null} for 5
     */
    public Integer getFailures() {
      return failures;
    }

    /**
     * Sets failures.
     *
     * @param failures the number
     */
    public void setFailures(Integer failures) {
      this.failures = failures;
    }

    /**
     * How long apart the first and last failure must be.
     *
     * @return the duration, or {@code null} for 500ms
     */
    public String getOpenAfter() {
      return openAfter;
    }

    /**
     * Sets open-after.
     *
     * @param openAfter the duration
     */
    public void setOpenAfter(String openAfter) {
      this.openAfter = openAfter;
    }

    /**
     * How long the breaker stays open at first.
     *
     * @return the duration, or {@code null} for 250ms
     */
    public String getBackoff() {
      return backoff;
    }

    /**
     * Sets backoff.
     *
     * @param backoff the duration
     */
    public void setBackoff(String backoff) {
      this.backoff = backoff;
    }

    /**
     * The longest it stays open.
     *
     * @return the duration, or {@code null} for 1s
     */
    public String getMaxBackoff() {
      return maxBackoff;
    }

    /**
     * Sets max-backoff.
     *
     * @param maxBackoff the duration
     */
    public void setMaxBackoff(String maxBackoff) {
      this.maxBackoff = maxBackoff;
    }
  }

  /** The {@code http} section: the web filters. */
  public static class HttpProperties {
    private boolean enabled = true;
    private List<RuleProperties> rules = new ArrayList<>();
    private int trustedProxies;
    private String headers = "ietf";
    private String unresolvedKey = "403";
    private int filterOrder = SluiceWebOrder.DEFAULT;

    /**
     * Whether the rules are applied (the filter is registered).
     *
     * @return true by default
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets enabled.
     *
     * @param enabled whether to apply the rules
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * The rules, tried in order; the first that matches applies.
     *
     * @return the rules
     */
    public List<RuleProperties> getRules() {
      return rules;
    }

    /**
     * Sets the rules.
     *
     * @param rules the rules
     */
    public void setRules(List<RuleProperties> rules) {
      this.rules = rules;
    }

    /**
     * How many proxy hops of {@code Forwarded} / {@code X-Forwarded-For} to trust for the {@code
     * ip} key.
     *
     * @return 0 by default
     */
    public int getTrustedProxies() {
      return trustedProxies;
    }

    /**
     * Sets trusted-proxies.
     *
     * @param trustedProxies the number of hops
     */
    public void setTrustedProxies(int trustedProxies) {
      this.trustedProxies = trustedProxies;
    }

    /**
     * Which rate-limit headers: {@code ietf} (default), {@code legacy}, {@code both} or {@code
     * none}.
     *
     * @return the style
     */
    public String getHeaders() {
      return headers;
    }

    /**
     * Sets headers.
     *
     * @param headers the style
     */
    public void setHeaders(String headers) {
      this.headers = headers;
    }

    /**
     * The answer to a request whose key cannot be resolved: a status (403 by default) or {@code
     * allow}.
     *
     * @return the setting
     */
    public String getUnresolvedKey() {
      return unresolvedKey;
    }

    /**
     * Sets unresolved-key.
     *
     * @param unresolvedKey the setting
     */
    public void setUnresolvedKey(String unresolvedKey) {
      this.unresolvedKey = unresolvedKey;
    }

    /**
     * The order of the filter among the application's filters: after Spring Security's by default.
     *
     * @return the order
     */
    public int getFilterOrder() {
      return filterOrder;
    }

    /**
     * Sets filter-order.
     *
     * @param filterOrder the order
     */
    public void setFilterOrder(int filterOrder) {
      this.filterOrder = filterOrder;
    }
  }

  /** One rule of {@code http.rules}. */
  public static class RuleProperties {
    private List<String> path = new ArrayList<>();
    private List<String> methods = new ArrayList<>();
    private String key;
    private String policy;
    private Long cost;

    /**
     * The path patterns, such as {@code /api/**}.
     *
     * @return the patterns
     */
    public List<String> getPath() {
      return path;
    }

    /**
     * Sets the path patterns.
     *
     * @param path the patterns
     */
    public void setPath(List<String> path) {
      this.path = path;
    }

    /**
     * The methods; empty for every method.
     *
     * @return the methods
     */
    public List<String> getMethods() {
      return methods;
    }

    /**
     * Sets the methods.
     *
     * @param methods the methods
     */
    public void setMethods(List<String> methods) {
      this.methods = methods;
    }

    /**
     * The key: {@code ip}, {@code header:NAME}, {@code principal} or {@code spel:EXPRESSION}.
     *
     * @return the key, or {@code null} for the {@code KeyResolver} bean (the client address)
     */
    public String getKey() {
      return key;
    }

    /**
     * Sets the key.
     *
     * @param key the key
     */
    public void setKey(String key) {
      this.key = key;
    }

    /**
     * The policy.
     *
     * @return the policy, or {@code null} for the client's override, else {@code default}
     */
    public String getPolicy() {
      return policy;
    }

    /**
     * Sets the policy.
     *
     * @param policy the policy's name
     */
    public void setPolicy(String policy) {
      this.policy = policy;
    }

    /**
     * The cost of each request.
     *
     * @return the cost, or {@code null} for 1
     */
    public Long getCost() {
      return cost;
    }

    /**
     * Sets the cost.
     *
     * @param cost the cost
     */
    public void setCost(Long cost) {
      this.cost = cost;
    }
  }

  /** The {@code gateway} section. */
  public static class GatewayProperties {
    private Map<String, RouteProperties> routes = new LinkedHashMap<>();

    /**
     * Per route id: the policy and cost of the route's requests.
     *
     * @return the routes
     */
    public Map<String, RouteProperties> getRoutes() {
      return routes;
    }

    /**
     * Sets the routes.
     *
     * @param routes the routes by id
     */
    public void setRoutes(Map<String, RouteProperties> routes) {
      this.routes = routes;
    }
  }

  /** One route of {@code gateway.routes}. */
  public static class RouteProperties {
    private String policy;
    private Long cost;

    /**
     * The policy.
     *
     * @return the policy, or {@code null} for the client's override, else {@code default}
     */
    public String getPolicy() {
      return policy;
    }

    /**
     * Sets the policy.
     *
     * @param policy the policy's name
     */
    public void setPolicy(String policy) {
      this.policy = policy;
    }

    /**
     * The cost of each request.
     *
     * @return the cost, or {@code null} for 1
     */
    public Long getCost() {
      return cost;
    }

    /**
     * Sets the cost.
     *
     * @param cost the cost
     */
    public void setCost(Long cost) {
      this.cost = cost;
    }
  }
}

package dev.sluice.spring;

import java.util.LinkedHashMap;
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
}

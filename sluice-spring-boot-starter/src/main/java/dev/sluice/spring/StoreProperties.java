package dev.sluice.spring;

/** The {@code sluice.store} section of {@link SluiceProperties}, as in the server's YAML. */
public class StoreProperties {
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

package dev.sluice.spring;

import java.util.ArrayList;
import java.util.List;

/** One rule of {@code sluice.http.rules}. */
public class RuleProperties {
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

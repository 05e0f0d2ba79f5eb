package dev.sluice.spring;

/** One route of {@code sluice.gateway.routes}. */
public class RouteProperties {
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

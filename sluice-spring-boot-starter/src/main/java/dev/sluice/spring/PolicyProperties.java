package dev.sluice.spring;

import java.util.ArrayList;
import java.util.List;

/**
 * One policy of {@code sluice.policies}: one limit inline, or {@code limits}; and how the store
 * treats it.
 */
public class PolicyProperties extends LimitProperties {
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
   * This policy's answer when the Redis store fails: {@code allow}, {@code deny} or {@code local}.
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

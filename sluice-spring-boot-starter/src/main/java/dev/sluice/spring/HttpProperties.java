package dev.sluice.spring;

import java.util.ArrayList;
import java.util.List;

/** The {@code sluice.http} section of {@link SluiceProperties}: the web filters. */
public class HttpProperties {
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
   * How many proxy hops of {@code Forwarded} / {@code X-Forwarded-For} to trust for the {@code ip}
   * key.
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
   * Which rate-limit headers: {@code ietf} (default), {@code legacy}, {@code both} or {@code none}.
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

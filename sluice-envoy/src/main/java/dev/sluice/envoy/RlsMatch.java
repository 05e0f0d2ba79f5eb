package dev.sluice.envoy;

import java.util.List;

/**
 * The rule a request's descriptor matched, and where its usage is counted.
 *
 * @param rule the rule
 * @param key the counter's client key under the rule's policy: the request's keys and values (a
 *     shared wildcard's pattern in place of its value)
 * @param metricKeys what metrics name each level: the configured {@code key} or {@code key_value},
 *     or the request's value where {@code detailed_metric} or {@code value_to_metric} asks
 */
public record RlsMatch(RlsRule rule, String key, List<String> metricKeys) {

  /**
   * Copies the list.
   *
   * @param rule the rule
   * @param key the counter key
   * @param metricKeys the metric keys
   */
  public RlsMatch {
    metricKeys = List.copyOf(metricKeys);
  }
}

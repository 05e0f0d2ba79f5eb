package dev.sluice.envoy;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One configured descriptor of a domain: a key, an optional value (exact, or a wildcard with {@code
 * *} standing for any run of characters), an optional rule, and nested descriptors.
 *
 * @param key the descriptor key
 * @param value the value; {@code null} for a key-only descriptor, which matches any value and keeps
 *     one counter per value
 * @param rule the rule applied when a request's descriptor ends here, or {@code null}
 * @param children the nested descriptors
 * @param valueToMetric whether metrics name the request's value at this level
 * @param shareThreshold for a wildcard: every matching value shares one counter
 */
public record RlsNode(
    String key,
    @Nullable String value,
    @Nullable RlsRule rule,
    List<RlsNode> children,
    boolean valueToMetric,
    boolean shareThreshold) {

  /**
   * Copies the children.
   *
   * @param key the key
   * @param value the value
   * @param rule the rule
   * @param children the children
   * @param valueToMetric value_to_metric
   * @param shareThreshold share_threshold
   */
  public RlsNode {
    children = List.copyOf(children);
  }

  /**
   * Whether the value is a wildcard pattern.
   *
   * @return true if the value holds a {@code *}
   */
  public boolean wildcard() {
    return value != null && value.indexOf('*') >= 0;
  }

  /**
   * The name of this level as the configuration writes it: {@code key} or {@code key_value}.
   *
   * @return the name
   */
  public String configName() {
    return value == null ? key : key + "_" + value;
  }

  /** Whether a wildcard value matches: each {@code *} matches any run, even an empty one. */
  boolean matches(String candidate) {
    String pattern = value == null ? "" : value;
    String[] parts = pattern.split("\\*", -1);
    if (!candidate.startsWith(parts[0])) {
      return false;
    }
    int at = parts[0].length();
    int end = candidate.length() - parts[parts.length - 1].length();
    if (end < at || !candidate.endsWith(parts[parts.length - 1])) {
      return false;
    }
    for (int i = 1; i < parts.length - 1; i++) {
      int found = candidate.indexOf(parts[i], at);
      if (found < 0 || found + parts[i].length() > end) {
        return false;
      }
      at = found + parts[i].length();
    }
    return true;
  }
}

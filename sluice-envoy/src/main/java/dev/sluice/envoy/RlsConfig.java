package dev.sluice.envoy;

import dev.sluice.envoy.proto.descriptor.RateLimitDescriptor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A loaded RLS configuration: domains of nested descriptors, in envoyproxy/ratelimit's format, and
 * its matching of a request's descriptor.
 *
 * <p>Matching walks the descriptor's entries from the domain down, as envoyproxy/ratelimit does: at
 * each level the entry's exact {@code key_value} is looked for first, then the first wildcard value
 * (in the order of the file) that matches, then the key alone. A rule applies only when the walk
 * ends at it with the descriptor's last entry. Immutable and thread-safe.
 */
public final class RlsConfig {

  /** The longest client key; longer counter keys are replaced by a digest. */
  private static final int MAX_KEY_BYTES = 512;

  private final Map<String, RlsDomain> domains;

  private RlsConfig(Map<String, RlsDomain> domains) {
    this.domains = domains;
  }

  /**
   * A configuration of the given domains.
   *
   * @param domains the domains, each name once
   * @return the configuration
   * @throws IllegalArgumentException if two domains have one name
   */
  public static RlsConfig of(List<RlsDomain> domains) {
    Map<String, RlsDomain> byName = new LinkedHashMap<>();
    for (RlsDomain domain : domains) {
      if (byName.putIfAbsent(domain.name(), domain) != null) {
        throw new IllegalArgumentException("duplicate domain '" + domain.name() + "'");
      }
    }
    return new RlsConfig(Map.copyOf(byName));
  }

  /**
   * The empty configuration: every request is OK.
   *
   * @return it
   */
  public static RlsConfig empty() {
    return new RlsConfig(Map.of());
  }

  /**
   * The domains by name.
   *
   * @return the domains
   */
  public Map<String, RlsDomain> domains() {
    return domains;
  }

  /**
   * The domain of a name.
   *
   * @param name the domain
   * @return the domain, or {@code null} if not configured
   */
  public @Nullable RlsDomain domain(String name) {
    return domains.get(name);
  }

  /**
   * The rule a descriptor matches in a domain.
   *
   * @param domain the domain
   * @param descriptor the request's descriptor
   * @return the match, or {@code null} if the domain is unknown or no rule applies
   */
  public @Nullable RlsMatch match(String domain, RateLimitDescriptor descriptor) {
    RlsDomain configured = domains.get(domain);
    if (configured == null || descriptor.getEntriesCount() == 0) {
      return null;
    }
    List<RlsNode> level = configured.descriptors();
    List<RateLimitDescriptor.Entry> entries = descriptor.getEntriesList();
    List<String> metricKeys = new ArrayList<>(entries.size());
    List<String> keyValues = new ArrayList<>(entries.size());
    for (int i = 0; i < entries.size(); i++) {
      RateLimitDescriptor.Entry entry = entries.get(i);
      RlsNode node = find(level, entry);
      if (node == null) {
        return null;
      }
      String metric;
      String counted = entry.getValue();
      if (node.value() == null) {
        metric = node.valueToMetric() ? entry.getKey() + "_" + entry.getValue() : entry.getKey();
      } else if (node.wildcard()) {
        if (node.shareThreshold()) {
          counted = node.value();
          metric = node.configName();
        } else {
          metric =
              node.valueToMetric() ? entry.getKey() + "_" + entry.getValue() : node.configName();
        }
      } else {
        metric = node.configName();
      }
      metricKeys.add(metric);
      keyValues.add(entry.getKey());
      keyValues.add(counted);
      if (i == entries.size() - 1) {
        RlsRule rule = node.rule();
        if (rule == null) {
          return null;
        }
        if (rule.detailedMetric()) {
          for (int j = 0; j < entries.size(); j++) {
            RateLimitDescriptor.Entry each = entries.get(j);
            metricKeys.set(j, each.getKey() + "_" + keyValues.get(2 * j + 1));
          }
        }
        return new RlsMatch(rule, counterKey(keyValues), metricKeys);
      }
      if (node.children().isEmpty()) {
        return null;
      }
      level = node.children();
    }
    return null;
  }

  private static @Nullable RlsNode find(List<RlsNode> level, RateLimitDescriptor.Entry entry) {
    String key = entry.getKey();
    String value = entry.getValue();
    for (RlsNode node : level) {
      if (node.key().equals(key) && value.equals(node.value()) && !node.wildcard()) {
        return node;
      }
    }
    for (RlsNode node : level) {
      if (node.key().equals(key) && node.wildcard() && node.matches(value)) {
        return node;
      }
    }
    for (RlsNode node : level) {
      if (node.key().equals(key) && node.value() == null) {
        return node;
      }
    }
    return null;
  }

  /**
   * A client key naming the request's keys and values without ambiguity (each part prefixed by its
   * length), or a digest of it when it would be longer than a client key may be.
   */
  static String counterKey(List<String> keyValues) {
    StringBuilder key = new StringBuilder();
    for (String part : keyValues) {
      key.append(part.length()).append(':').append(part);
    }
    String text = key.toString();
    if (text.getBytes(StandardCharsets.UTF_8).length <= MAX_KEY_BYTES) {
      return text;
    }
    return "sha256:" + RlsRule.digest(text, 64);
  }
}

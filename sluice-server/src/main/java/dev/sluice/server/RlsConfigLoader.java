package dev.sluice.server;

import dev.sluice.Algorithm;
import dev.sluice.Durations;
import dev.sluice.Limit;
import dev.sluice.Rate;
import dev.sluice.ValidationException;
import dev.sluice.envoy.RlsConfig;
import dev.sluice.envoy.RlsDomain;
import dev.sluice.envoy.RlsNode;
import dev.sluice.envoy.RlsRule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads envoyproxy/ratelimit's configuration (a YAML file, or a directory of them) into an {@link
 * RlsConfig}, or fails with the first problem as {@code file:line: message}, through the same
 * {@link YamlReader} as Sluice's own file.
 *
 * <p>Every key of envoyproxy/ratelimit's current format is accepted or, where Sluice does not
 * implement it ({@code quota_mode}, {@code metadata}), refused by name as unsupported; unknown
 * keys, bad units, duplicate descriptors and duplicate domains are errors. Sluice's extensions: per
 * domain {@code atomic}, per {@code rate_limit} {@code algorithm}, {@code capacity}, {@code
 * unit_multiplier} and units written as durations ({@code unit: 30s}).
 *
 * <p>A directory is read with its subdirectories, in name order, taking {@code .yaml} and {@code
 * .yml} files and skipping every file or folder whose name starts with a dot, so that Kubernetes'
 * {@code ..data} and timestamped folders behind a ConfigMap's links are read once, through the
 * links.
 */
final class RlsConfigLoader {

  private static final List<String> TOP_KEYS = List.of("domain", "descriptors", "atomic");

  private static final List<String> DESCRIPTOR_KEYS =
      List.of(
          "key",
          "value",
          "rate_limit",
          "descriptors",
          "shadow_mode",
          "quota_mode",
          "detailed_metric",
          "value_to_metric",
          "share_threshold",
          "metadata");

  private static final List<String> RATE_LIMIT_KEYS =
      List.of(
          "requests_per_unit",
          "unit",
          "unlimited",
          "name",
          "replaces",
          "algorithm",
          "capacity",
          "unit_multiplier");

  /** Keys of envoyproxy/ratelimit's format that Sluice refuses, and why. */
  private static final Map<String, String> UNSUPPORTED =
      Map.of(
          "quota_mode", "Envoy's quota-based limiting is not implemented",
          "metadata", "response dynamic metadata is not implemented");

  private static final long MAX_UINT32 = 0xFFFF_FFFFL;

  private final YamlReader yaml;
  private final String source;
  private boolean atomic;
  private String domain = "";

  private RlsConfigLoader(String source) {
    this.source = source;
    this.yaml = new YamlReader(source);
  }

  /**
   * Reads a file or a directory.
   *
   * @param path the file or directory
   * @return the configuration
   * @throws IllegalArgumentException if a file cannot be read or is invalid, or two files name one
   *     domain
   */
  static RlsConfig load(Path path) {
    Map<String, String> texts = RlsFiles.read(path);
    List<RlsDomain> domains = new ArrayList<>();
    Map<String, String> where = new LinkedHashMap<>();
    for (Map.Entry<String, String> file : texts.entrySet()) {
      RlsConfigLoader loader = new RlsConfigLoader(file.getKey());
      RlsDomain domain = loader.parse(file.getValue(), where);
      if (domain != null) {
        domains.add(domain);
      }
    }
    return RlsConfig.of(domains);
  }

  private RlsDomain parse(String text, Map<String, String> where) {
    Node root = yaml.compose(text);
    if (root == null || YamlReader.isNull(root)) {
      return null;
    }
    Map<String, NodeTuple> top = yaml.fields(root, "the configuration", TOP_KEYS, "");
    NodeTuple domainEntry = top.get("domain");
    if (domainEntry == null) {
      throw yaml.error(root, "domain must be set: the domain that requests name");
    }
    Node domainNode = domainEntry.getValueNode();
    domain = yaml.text(domainNode, "domain", "a domain name");
    if (domain.isEmpty()) {
      throw yaml.error(domainNode, "domain must not be empty");
    }
    String previous = where.putIfAbsent(domain, source);
    if (previous != null) {
      throw yaml.error(
          domainNode, "duplicate domain '" + domain + "': it is already in " + previous);
    }
    atomic = top.containsKey("atomic") && yaml.bool(top.get("atomic").getValueNode(), "atomic");
    List<RlsNode> descriptors =
        top.containsKey("descriptors")
            ? descriptors(top.get("descriptors").getValueNode(), "descriptors", List.of())
            : List.of();
    return new RlsDomain(domain, descriptors, atomic);
  }

  private List<RlsNode> descriptors(Node node, String path, List<String> parents) {
    if (YamlReader.isNull(node)) {
      return List.of();
    }
    if (!(node instanceof SequenceNode sequence)) {
      throw yaml.error(
          node, path + " must be a list of descriptors: found " + YamlReader.kind(node));
    }
    List<RlsNode> nodes = new ArrayList<>();
    Set<String> names = new HashSet<>();
    List<Node> items = sequence.getValue();
    for (int i = 0; i < items.size(); i++) {
      String itemPath = path + "[" + i + "]";
      RlsNode descriptor = descriptor(items.get(i), itemPath, parents);
      if (!names.add(descriptor.configName())) {
        throw yaml.error(
            items.get(i),
            "duplicate descriptor composite key '"
                + String.join(".", with(parents, descriptor.configName()))
                + "' in domain '"
                + domain
                + "'");
      }
      nodes.add(descriptor);
    }
    return nodes;
  }

  private RlsNode descriptor(Node node, String path, List<String> parents) {
    Map<String, NodeTuple> keys = yaml.fields(node, path, DESCRIPTOR_KEYS, "");
    unsupported(keys, path);
    NodeTuple keyEntry = keys.get("key");
    if (keyEntry == null) {
      throw yaml.error(node, path + ".key must be set: descriptor has no key");
    }
    String key = yaml.text(keyEntry.getValueNode(), path + ".key", "a descriptor key");
    if (key.isEmpty()) {
      throw yaml.error(keyEntry.getValueNode(), path + ".key must not be empty");
    }
    String value =
        keys.containsKey("value")
            ? yaml.text(keys.get("value").getValueNode(), path + ".value", "a descriptor value")
            : null;
    if (value != null && value.isEmpty()) {
      value = null;
    }
    boolean shadow = flag(keys, "shadow_mode", path);
    boolean detailed = flag(keys, "detailed_metric", path);
    boolean valueToMetric = flag(keys, "value_to_metric", path);
    boolean share = flag(keys, "share_threshold", path);
    if (share && (value == null || value.indexOf('*') < 0)) {
      throw yaml.error(
          keys.get("share_threshold").getValueNode(),
          path + ".share_threshold can only be used with a wildcard value (containing '*')");
    }
    String name = value == null ? key : key + "_" + value;
    List<String> here = with(parents, name);
    RlsRule rule =
        keys.containsKey("rate_limit") && !YamlReader.isNull(keys.get("rate_limit").getValueNode())
            ? rule(
                keys.get("rate_limit").getValueNode(), path + ".rate_limit", here, shadow, detailed)
            : null;
    List<RlsNode> children =
        keys.containsKey("descriptors")
            ? descriptors(keys.get("descriptors").getValueNode(), path + ".descriptors", here)
            : List.of();
    return new RlsNode(key, value, rule, children, valueToMetric, share);
  }

  private void unsupported(Map<String, NodeTuple> keys, String path) {
    for (Map.Entry<String, String> entry : UNSUPPORTED.entrySet()) {
      NodeTuple tuple = keys.get(entry.getKey());
      if (tuple != null) {
        throw yaml.error(
            tuple.getKeyNode(),
            path
                + "."
                + entry.getKey()
                + " is not supported by Sluice ("
                + entry.getValue()
                + "); remove it");
      }
    }
  }

  private boolean flag(Map<String, NodeTuple> keys, String key, String path) {
    NodeTuple tuple = keys.get(key);
    return tuple != null && yaml.bool(tuple.getValueNode(), path + "." + key);
  }

  private RlsRule rule(
      Node node, String path, List<String> where, boolean shadow, boolean detailed) {
    Map<String, NodeTuple> keys = yaml.fields(node, path, RATE_LIMIT_KEYS, "");
    boolean unlimited = flag(keys, "unlimited", path);
    String name =
        keys.containsKey("name")
            ? yaml.text(keys.get("name").getValueNode(), path + ".name", "a rule name")
            : "";
    List<String> replaces = replaces(keys.get("replaces"), path + ".replaces", name);
    if (unlimited) {
      for (String key : List.of("unit", "requests_per_unit", "algorithm", "capacity")) {
        if (keys.containsKey(key)) {
          throw yaml.error(
              keys.get(key).getKeyNode(),
              path + "." + key + " must not be set when unlimited is true");
        }
      }
      return new RlsRule(
          domain,
          where,
          null,
          0,
          dev.sluice.envoy.proto.rls.RateLimitResponse.RateLimit.Unit.UNKNOWN,
          true,
          name,
          replaces,
          shadow,
          detailed,
          atomic);
    }
    NodeTuple unitEntry = keys.get("unit");
    if (unitEntry == null) {
      throw yaml.error(
          node, path + ".unit must be set: second, minute, hour, day, week, month or year");
    }
    Duration window = window(unitEntry.getValueNode(), path + ".unit");
    if (keys.containsKey("unit_multiplier")) {
      Node multiplierNode = keys.get("unit_multiplier").getValueNode();
      long multiplier = yaml.integer(multiplierNode, path + ".unit_multiplier");
      if (multiplier < 1 || multiplier > 1_000_000) {
        throw yaml.error(
            multiplierNode, path + ".unit_multiplier must be between 1 and 1000000: " + multiplier);
      }
      window = window.multipliedBy(multiplier);
    }
    if (window.compareTo(Limit.MAX_WINDOW) > 0) {
      throw yaml.error(
          unitEntry.getValueNode(),
          path
              + ".unit must be at most "
              + Durations.format(Limit.MAX_WINDOW)
              + ": "
              + Durations.format(window));
    }
    NodeTuple requestsEntry = keys.get("requests_per_unit");
    long requests = 0;
    if (requestsEntry != null) {
      Node requestsNode = requestsEntry.getValueNode();
      requests = yaml.integer(requestsNode, path + ".requests_per_unit");
      if (requests < 0 || requests > MAX_UINT32) {
        throw yaml.error(
            requestsNode,
            path
                + ".requests_per_unit must be a uint32, from 0 to "
                + MAX_UINT32
                + ": "
                + requests);
      }
      if (requests > RlsRule.MAX_REQUESTS_PER_UNIT) {
        throw yaml.error(
            requestsNode,
            path
                + ".requests_per_unit must be at most "
                + RlsRule.MAX_REQUESTS_PER_UNIT
                + " (Sluice's largest limit): "
                + requests);
      }
    }
    Limit limit = requests == 0 ? null : limit(node, keys, path, requests, window);
    return new RlsRule(
        domain,
        where,
        limit,
        requests,
        RlsRule.reportedUnit(window),
        false,
        name,
        replaces,
        shadow,
        detailed,
        atomic);
  }

  /** A unit: one of envoyproxy/ratelimit's names, or a duration such as {@code 30s}. */
  private Duration window(Node node, String path) {
    String text = yaml.text(node, path, "a unit such as minute");
    Duration named = RlsRule.unitLength(text);
    if (named != null) {
      return named;
    }
    if (!text.isEmpty() && Character.isDigit(text.charAt(0))) {
      Duration window = yaml.check(node, () -> Durations.parse(path, text));
      if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.toNanos() % 1_000_000_000 != 0) {
        throw yaml.error(node, path + " must be a whole number of seconds: '" + text + "'");
      }
      return window;
    }
    throw yaml.error(
        node,
        path
            + " must be second, minute, hour, day, week, month, year or a duration such as 30s:"
            + " invalid rate limit unit '"
            + text
            + "'");
  }

  private Limit limit(
      Node node, Map<String, NodeTuple> keys, String path, long requests, Duration window) {
    Algorithm algorithm = Algorithm.FIXED_WINDOW;
    if (keys.containsKey("algorithm")) {
      Node algorithmNode = keys.get("algorithm").getValueNode();
      String id = yaml.text(algorithmNode, path + ".algorithm", "an algorithm name");
      algorithm =
          yaml.check(algorithmNode, () -> Algorithm.fromId(id), "algorithm", path + ".algorithm");
    }
    boolean bucket = algorithm == Algorithm.TOKEN_BUCKET || algorithm == Algorithm.LEAKY_BUCKET;
    long capacity = requests;
    if (keys.containsKey("capacity")) {
      Node capacityNode = keys.get("capacity").getValueNode();
      if (!bucket) {
        throw yaml.error(
            keys.get("capacity").getKeyNode(),
            path + ".capacity is for token-bucket and leaky-bucket only, not " + algorithm);
      }
      capacity = yaml.integer(capacityNode, path + ".capacity");
    }
    long size = capacity;
    Algorithm chosen = algorithm;
    try {
      return switch (chosen) {
        case TOKEN_BUCKET -> Limit.tokenBucket(size, Rate.of(requests, window));
        case LEAKY_BUCKET -> Limit.leakyBucket(size, Rate.of(requests, window));
        case SLIDING_WINDOW -> Limit.slidingWindow(requests, window);
        case SLIDING_LOG -> Limit.slidingLog(requests, window);
        case FIXED_WINDOW -> Limit.fixedWindow(requests, window);
        case CONCURRENCY ->
            throw yaml.error(
                keys.get("algorithm").getValueNode(),
                path
                    + ".algorithm must limit a rate: concurrency needs a release at the end of each"
                    + " request, which Envoy's rate limit service has not");
      };
    } catch (ValidationException e) {
      String param = e.parameter().split(" ", 2)[0];
      String key = param.equals("capacity") ? "capacity" : "requests_per_unit";
      NodeTuple culprit = keys.get(key);
      throw yaml.error(
          culprit != null ? culprit.getValueNode() : node,
          e.renamed(e.parameter(), path + "." + key).getMessage());
    }
  }

  private List<String> replaces(NodeTuple entry, String path, String name) {
    if (entry == null || YamlReader.isNull(entry.getValueNode())) {
      return List.of();
    }
    Node node = entry.getValueNode();
    if (!(node instanceof SequenceNode sequence)) {
      throw yaml.error(node, path + " must be a list such as [{ name: other }]");
    }
    List<String> names = new ArrayList<>();
    List<Node> items = sequence.getValue();
    for (int i = 0; i < items.size(); i++) {
      Map<String, NodeTuple> keys =
          yaml.fields(items.get(i), path + "[" + i + "]", List.of("name"), "");
      NodeTuple nameEntry = keys.get("name");
      String replaced =
          nameEntry == null
              ? ""
              : yaml.text(nameEntry.getValueNode(), path + "[" + i + "].name", "a rule name");
      if (replaced.isEmpty()) {
        throw yaml.error(items.get(i), path + "[" + i + "].name must not be empty");
      }
      if (replaced.equals(name)) {
        throw yaml.error(
            items.get(i),
            path + "[" + i + "].name must not be the rule's own name: '" + name + "'");
      }
      names.add(replaced);
    }
    return names;
  }

  private static List<String> with(List<String> list, String last) {
    List<String> all = new ArrayList<>(list);
    all.add(last);
    return all;
  }
}

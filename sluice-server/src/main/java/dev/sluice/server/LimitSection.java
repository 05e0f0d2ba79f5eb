package dev.sluice.server;

import dev.sluice.Algorithm;
import dev.sluice.CalendarUnit;
import dev.sluice.Durations;
import dev.sluice.Limit;
import dev.sluice.Rate;
import dev.sluice.ValidationException;
import dev.sluice.http.LimitKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/**
 * One limit of a policy in {@code sluice.yaml}: its algorithm and the keys that algorithm takes
 * ({@link LimitKeys}, the vocabulary the Spring properties share), validated by the core's rules
 * with the file, line and YAML path of the value at fault.
 */
final class LimitSection {

  private final YamlReader yaml;

  LimitSection(YamlReader yaml) {
    this.yaml = yaml;
  }

  /**
   * One limit: an algorithm (token-bucket by default) and its parameters, and {@code extra} keys.
   */
  Limit read(Node node, String path, List<String> extra) {
    if (!(node instanceof MappingNode)) {
      throw yaml.error(node, path + " must be a mapping, such as { capacity: 10, refill: 1/s }");
    }
    Map<String, NodeTuple> keys = yaml.fields(node, path, null, "");
    Algorithm algorithm =
        keys.containsKey("algorithm")
            ? algorithm(keys.get("algorithm").getValueNode(), path + ".algorithm")
            : Algorithm.TOKEN_BUCKET;
    if (algorithm == Algorithm.TOKEN_BUCKET || algorithm == Algorithm.LEAKY_BUCKET) {
      String rateKey = algorithm == Algorithm.TOKEN_BUCKET ? "refill" : "leak";
      yaml.fields(node, path, with(extra, algorithm), " for " + algorithm);
      long capacity =
          yaml.integer(required(node, keys, path, "capacity", algorithm), path + ".capacity");
      Node rateNode = required(node, keys, path, rateKey, algorithm);
      String rateText = yaml.text(rateNode, path + "." + rateKey, "a rate such as 1/s");
      Rate rate = rate(rateNode, path + "." + rateKey, rateText);
      return build(
          node,
          keys,
          path,
          () ->
              algorithm == Algorithm.TOKEN_BUCKET
                  ? Limit.tokenBucket(capacity, rate)
                  : Limit.leakyBucket(capacity, rate));
    }
    if (algorithm == Algorithm.CONCURRENCY) {
      return concurrency(node, keys, path, extra);
    }
    yaml.fields(node, path, with(extra, algorithm), " for " + algorithm);
    long limit = yaml.integer(required(node, keys, path, "limit", algorithm), path + ".limit");
    Node windowNode = required(node, keys, path, "window", algorithm);
    String windowText = yaml.text(windowNode, path + ".window", "a duration such as 1m");
    if (keys.containsKey("align") && calendar(keys.get("align").getValueNode(), path + ".align")) {
      CalendarUnit unit =
          yaml.check(windowNode, () -> CalendarUnit.parse(path + ".window", windowText));
      return build(node, keys, path, () -> Limit.calendarWindow(limit, unit));
    }
    Duration window = yaml.check(windowNode, () -> Durations.parse(path + ".window", windowText));
    return build(node, keys, path, () -> LimitKeys.window(algorithm, limit, window));
  }

  /** A concurrency limit: {@code limit}, {@code lease} and an optional {@code retry-hint}. */
  private Limit concurrency(
      Node node, Map<String, NodeTuple> keys, String path, List<String> extra) {
    Algorithm algorithm = Algorithm.CONCURRENCY;
    yaml.fields(node, path, with(extra, algorithm), " for " + algorithm);
    long limit = yaml.integer(required(node, keys, path, "limit", algorithm), path + ".limit");
    Node leaseNode = required(node, keys, path, "lease", algorithm);
    String leaseText = yaml.text(leaseNode, path + ".lease", "a duration such as 30s");
    Duration lease = yaml.check(leaseNode, () -> Durations.parse(path + ".lease", leaseText));
    NodeTuple hint = keys.get("retry-hint");
    if (hint == null || YamlReader.isNull(hint.getValueNode())) {
      return build(node, keys, path, () -> Limit.concurrency(limit, lease));
    }
    Node hintNode = hint.getValueNode();
    String hintText = yaml.text(hintNode, path + ".retry-hint", "a duration such as 100ms");
    Duration retryHint =
        yaml.check(hintNode, () -> Durations.parse(path + ".retry-hint", hintText));
    try {
      return Limit.concurrency(limit, lease, retryHint);
    } catch (ValidationException e) {
      if (e.concerns("retryHint")) {
        throw yaml.error(hintNode, e.renamed("retryHint", path + ".retry-hint").getMessage());
      }
      return build(node, keys, path, () -> Limit.concurrency(limit, lease, retryHint));
    }
  }

  /** The keys of a limit of {@code algorithm} ({@link LimitKeys}), then {@code extra}. */
  private static List<String> with(List<String> extra, Algorithm algorithm) {
    List<String> all = new ArrayList<>(LimitKeys.of(algorithm));
    all.addAll(extra);
    return all;
  }

  /**
   * A rate; the core's failure about the period's format alone is replaced by one that shows the
   * whole rate.
   */
  private Rate rate(Node node, String path, String text) {
    try {
      return Rate.parse(text);
    } catch (ValidationException e) {
      if (e.parameter().equals("rate period") && e.rule().startsWith("be a whole number")) {
        throw yaml.error(
            node,
            path
                + " must be <tokens>/<period> such as 1/s, 100/m, 10000/d or 5/10s: '"
                + text
                + "'");
      }
      throw yaml.error(node, e.renamed("rate", path).getMessage());
    }
  }

  /**
   * Whether a fixed window's {@code align} asks for the calendar ({@code epoch} is the default).
   */
  private boolean calendar(Node node, String path) {
    String align = yaml.text(node, path, "calendar or epoch");
    if (align.equals("calendar") || align.equals("epoch")) {
      return align.equals("calendar");
    }
    throw yaml.error(node, path + " must be calendar or epoch: '" + align + "'");
  }

  private Algorithm algorithm(Node node, String path) {
    String id = yaml.text(node, path, "an algorithm name");
    return yaml.check(node, () -> Algorithm.fromId(id), "algorithm", path);
  }

  /**
   * Builds a limit; the core's parameters (capacity, limit, window, refill, leak) are the YAML
   * keys, so the failure gets the key's path and line.
   */
  private Limit build(
      Node node, Map<String, NodeTuple> keys, String path, YamlReader.Check<Limit> limit) {
    try {
      return limit.get();
    } catch (ValidationException e) {
      String param = e.parameter().split(" ", 2)[0];
      NodeTuple culprit = keys.get(param);
      throw yaml.error(
          culprit != null ? culprit.getValueNode() : node,
          e.renamed(param, path + "." + param).getMessage());
    }
  }

  private Node required(
      Node node, Map<String, NodeTuple> keys, String path, String key, Algorithm algorithm) {
    NodeTuple tuple = keys.get(key);
    if (tuple == null || YamlReader.isNull(tuple.getValueNode())) {
      throw yaml.error(
          tuple == null ? node : tuple.getValueNode(),
          path + "." + key + " must be set: " + algorithm + " needs " + LimitKeys.needs(algorithm));
    }
    return tuple.getValueNode();
  }
}

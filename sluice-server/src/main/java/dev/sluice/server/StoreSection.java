package dev.sluice.server;

import dev.sluice.InMemoryBackend;
import dev.sluice.ResilientBackend;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/**
 * The {@code store} section of a {@code sluice.yaml}: the memory store, or Redis and its failure
 * handling.
 */
final class StoreSection {

  private final YamlReader yaml;

  StoreSection(YamlReader yaml) {
    this.yaml = yaml;
  }

  /**
   * Reads the section.
   *
   * @param node the section's value
   * @return the store
   * @throws IllegalArgumentException with file:line if it is invalid
   */
  StoreConfig read(Node node) {
    Map<String, NodeTuple> keys = yaml.fields(node, "store", null, "");
    NodeTuple typeEntry = keys.get("type");
    if (typeEntry == null) {
      throw yaml.error(node, "store.type must be set: memory or redis");
    }
    Node typeNode = typeEntry.getValueNode();
    String typeText = yaml.text(typeNode, "store.type", "memory or redis");
    StoreConfig.Type type =
        yaml.check(
            typeNode, () -> StoreConfig.parseEnum("store.type", typeText, StoreConfig.Type.class));
    long maxKeys =
        keys.containsKey("max-keys")
            ? maxKeys(keys.get("max-keys").getValueNode())
            : InMemoryBackend.DEFAULT_MAX_KEYS;
    if (type == StoreConfig.Type.MEMORY) {
      yaml.fields(node, "store", List.of("type", "max-keys"), " for the memory store");
      StoreConfig memory = StoreConfig.MEMORY;
      return new StoreConfig(
          memory.type(), null, false, null, null, null, memory.leaseFraction(), maxKeys);
    }
    yaml.fields(
        node,
        "store",
        List.of(
            "type",
            "uri",
            "cluster",
            "mode",
            "timeout",
            "on-failure",
            "local-share",
            "circuit-breaker",
            "deny-cache",
            "lease-fraction",
            "instances",
            "max-keys"),
        " for the redis store");
    NodeTuple uriEntry = keys.get("uri");
    if (uriEntry == null || YamlReader.isNull(uriEntry.getValueNode())) {
      throw yaml.error(
          uriEntry == null ? node : uriEntry.getValueNode(),
          "store.uri must be set for the redis store, such as redis://127.0.0.1:6379");
    }
    String uriText =
        yaml.text(uriEntry.getValueNode(), "store.uri", "a URI such as redis://127.0.0.1:6379");
    StoreConfig redis =
        yaml.check(uriEntry.getValueNode(), () -> StoreConfig.redis("store.uri", uriText));
    StoreConfig.Mode mode =
        keys.containsKey("mode")
            ? yaml.option(keys.get("mode").getValueNode(), "store.mode", StoreConfig.Mode.class)
            : redis.mode();
    Duration timeout = redis.timeout();
    if (keys.containsKey("timeout")) {
      Node timeoutNode = keys.get("timeout").getValueNode();
      String timeoutText = yaml.text(timeoutNode, "store.timeout", "a duration such as 50ms");
      timeout =
          yaml.check(timeoutNode, () -> StoreConfig.parseTimeout("store.timeout", timeoutText));
    }
    boolean cluster =
        keys.containsKey("cluster")
            && yaml.bool(keys.get("cluster").getValueNode(), "store.cluster");
    double leaseFraction = StoreConfig.DEFAULT_LEASE_FRACTION;
    if (keys.containsKey("lease-fraction")) {
      Node fractionNode = keys.get("lease-fraction").getValueNode();
      leaseFraction =
          yaml.share(
              fractionNode,
              "store.lease-fraction",
              yaml.text(fractionNode, "store.lease-fraction", "a fraction such as 0.05"));
    }
    return new StoreConfig(
        StoreConfig.Type.REDIS,
        redis.uri(),
        cluster,
        mode,
        timeout,
        resilience(keys),
        leaseFraction,
        maxKeys);
  }

  /** {@code store.max-keys}: a whole number from 1 to 2^31. */
  private long maxKeys(Node node) {
    long value = yaml.integer(node, "store.max-keys");
    if (value < 1 || value > StoreConfig.MAX_MAX_KEYS) {
      throw yaml.error(
          node, "store.max-keys must be between 1 and " + StoreConfig.MAX_MAX_KEYS + ": " + value);
    }
    return value;
  }

  /** {@code store.instances}: {@code auto} or a whole number from 1 to 10,000. */
  private int instances(Node node) {
    String text = yaml.text(node, "store.instances", "auto or a number of instances");
    if (text.equals("auto")) {
      return StoreConfig.Resilience.AUTO;
    }
    if (!text.matches("[0-9]{1,6}")
        || Integer.parseInt(text) < 1
        || Integer.parseInt(text) > StoreConfig.MAX_INSTANCES) {
      throw yaml.error(
          node,
          "store.instances must be auto or a whole number between 1 and "
              + StoreConfig.MAX_INSTANCES
              + ": '"
              + text
              + "'");
    }
    return Integer.parseInt(text);
  }

  /** The failure handling of a Redis store; every key optional. */
  private StoreConfig.Resilience resilience(Map<String, NodeTuple> keys) {
    StoreConfig.Resilience defaults = StoreConfig.Resilience.DEFAULTS;
    ResilientBackend.OnFailure onFailure =
        keys.containsKey("on-failure")
            ? yaml.option(
                keys.get("on-failure").getValueNode(),
                "store.on-failure",
                ResilientBackend.OnFailure.class)
            : defaults.onFailure();
    double share = defaults.localShare();
    if (keys.containsKey("local-share")) {
      Node shareNode = keys.get("local-share").getValueNode();
      share =
          yaml.share(
              shareNode,
              "store.local-share",
              yaml.text(shareNode, "store.local-share", "a share such as 1/3 or 0.5"));
    }
    int instances =
        keys.containsKey("instances")
            ? instances(keys.get("instances").getValueNode())
            : defaults.instances();
    int failures = defaults.failures();
    Duration openAfter = defaults.openAfter();
    Duration backoff = defaults.backoff();
    Duration maxBackoff = defaults.maxBackoff();
    if (keys.containsKey("circuit-breaker")) {
      Node breaker = keys.get("circuit-breaker").getValueNode();
      Map<String, NodeTuple> settings =
          yaml.fields(
              breaker,
              "store.circuit-breaker",
              List.of("failures", "open-after", "backoff", "max-backoff"),
              "");
      if (settings.containsKey("failures")) {
        Node failuresNode = settings.get("failures").getValueNode();
        long value = yaml.integer(failuresNode, "store.circuit-breaker.failures");
        if (value < 1 || value > 1000) {
          throw yaml.error(
              failuresNode, "store.circuit-breaker.failures must be between 1 and 1000: " + value);
        }
        failures = (int) value;
      }
      if (settings.containsKey("open-after")) {
        openAfter =
            yaml.duration(
                settings.get("open-after").getValueNode(),
                "store.circuit-breaker.open-after",
                Duration.ZERO,
                Duration.ofMinutes(1));
      }
      if (settings.containsKey("backoff")) {
        backoff =
            yaml.duration(
                settings.get("backoff").getValueNode(),
                "store.circuit-breaker.backoff",
                Duration.ofMillis(1),
                Duration.ofMinutes(10));
      }
      if (settings.containsKey("max-backoff")) {
        maxBackoff =
            yaml.duration(
                settings.get("max-backoff").getValueNode(),
                "store.circuit-breaker.max-backoff",
                backoff,
                Duration.ofMinutes(10));
      } else if (maxBackoff.compareTo(backoff) < 0) {
        maxBackoff = backoff;
      }
    }
    boolean denyCache =
        !keys.containsKey("deny-cache")
            || yaml.bool(keys.get("deny-cache").getValueNode(), "store.deny-cache");
    return new StoreConfig.Resilience(
        onFailure, share, instances, failures, openAfter, backoff, maxBackoff, denyCache);
  }
}

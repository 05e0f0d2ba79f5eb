package dev.sluice.server;

import dev.sluice.Algorithm;
import dev.sluice.Durations;
import dev.sluice.InMemoryBackend;
import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.PolicyRegistry;
import dev.sluice.Rate;
import dev.sluice.ResilientBackend;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a {@code sluice.yaml} into a {@link ServerConfig}, or fails with the first problem as
 * {@code file:line: path must rule: actual}.
 *
 * <p>Works on SnakeYAML's node tree rather than on constructed Java objects so that every value
 * keeps its line. Unknown keys and duplicate keys are errors. The core's own validation messages
 * (ranges of capacities, windows, rates) are reused with the YAML path in place of the parameter
 * name, since the configuration uses the core's vocabulary.
 */
final class ConfigLoader {

  /** Larger files are refused before parsing. */
  static final int MAX_FILE_BYTES = 1 << 20;

  private static final List<String> TOP_KEYS =
      List.of("policies", "clients", "store", "server", "admin");

  /** The keys a policy takes beside its limit or limits. */
  private static final List<String> POLICY_KEYS = List.of("on-failure", "timeout", "hybrid");

  /** The keys a limit takes beside its algorithm's parameters. */
  private static final List<String> LIMIT_KEYS = List.of("id");

  private final String source;
  private final Map<String, ServerConfig.PolicyStoreOptions> storeOptions = new LinkedHashMap<>();

  /** Where each hybrid policy says so, to point at it if the store cannot lease. */
  private final Map<String, Node> hybridNodes = new LinkedHashMap<>();

  private ConfigLoader(String source) {
    this.source = source;
  }

  /**
   * Reads and validates a configuration file.
   *
   * @param file the file; its name as given prefixes every message
   * @return the configuration
   * @throws IllegalArgumentException if the file cannot be read or is invalid
   */
  static ServerConfig load(Path file) {
    return parse(file.toString(), read(file));
  }

  /**
   * Reads a configuration file as UTF-8 text.
   *
   * @throws IllegalArgumentException if it cannot be read, is too large or is not UTF-8
   */
  static String read(Path file) {
    try {
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new IllegalArgumentException(
            file + ": the configuration file must be at most " + MAX_FILE_BYTES + " bytes");
      }
      return StandardCharsets.UTF_8
          .newDecoder()
          .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(file + ": the configuration file must be UTF-8 text");
    } catch (IOException e) {
      throw new IllegalArgumentException(
          file + ": cannot read the configuration file: " + describe(e));
    }
  }

  /**
   * Validates configuration text.
   *
   * @param source the file name for messages
   * @param text the YAML text
   * @return the configuration
   * @throws IllegalArgumentException if the text is invalid
   */
  static ServerConfig parse(String source, String text) {
    return new ConfigLoader(source).parse(text);
  }

  private ServerConfig parse(String text) {
    Node root;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setAllowRecursiveKeys(false);
      options.setMaxAliasesForCollections(20);
      root = new Yaml(new SafeConstructor(options)).compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
      throw new IllegalArgumentException(
          source + (mark == null ? "" : ":" + (mark.getLine() + 1)) + ": invalid YAML: " + problem);
    } catch (YAMLException e) {
      throw new IllegalArgumentException(source + ": invalid YAML: " + e.getMessage());
    }
    if (root == null || isNull(root)) {
      return ServerConfig.defaults();
    }
    Map<String, NodeTuple> top = fields(root, "the configuration", TOP_KEYS, "");
    // An empty section (all of it commented out) is the same as none, except for policies.
    top.values().removeIf(entry -> isNull(entry.getValueNode()) && !"policies".equals(key(entry)));
    Map<String, Policy> policies =
        top.containsKey("policies")
            ? policies(top.get("policies"))
            : Map.of(Policy.DEFAULT, ServerConfig.DEFAULT_POLICY);
    PolicyRegistry.Builder registry = PolicyRegistry.builder();
    policies.values().forEach(registry::policy);
    if (top.containsKey("clients")) {
      clients(top.get("clients"), policies, registry);
    }
    ServerConfig config = ServerConfig.defaults();
    if (top.containsKey("store")) {
      config = config.withStore(store(top.get("store").getValueNode()));
    }
    if (top.containsKey("server")) {
      config = server(top.get("server").getValueNode(), config);
    }
    if (top.containsKey("admin")) {
      config = admin(top.get("admin").getValueNode(), config);
    }
    if (config.store().mode() == StoreConfig.Mode.TRANSACTION && !hybridNodes.isEmpty()) {
      Map.Entry<String, Node> first = hybridNodes.entrySet().iterator().next();
      throw error(
          first.getValue(),
          "policies."
              + first.getKey()
              + ".hybrid needs store.mode lua: leases are taken by a script");
    }
    return new ServerConfig(
        registry.build(),
        config.store(),
        config.host(),
        config.port(),
        config.adminToken(),
        Map.copyOf(storeOptions));
  }

  private ServerConfig server(Node node, ServerConfig config) {
    Map<String, NodeTuple> keys = fields(node, "server", List.of("host", "port"), "");
    if (keys.containsKey("port")) {
      Node portNode = keys.get("port").getValueNode();
      long port = integer(portNode, "server.port");
      if (port < 0 || port > 65535) {
        throw error(portNode, "server.port must be between 0 and 65535: " + port);
      }
      config = config.withPort((int) port);
    }
    if (keys.containsKey("host")) {
      config =
          config.withHost(
              text(keys.get("host").getValueNode(), "server.host", "an address such as 127.0.0.1"));
    }
    return config;
  }

  private ServerConfig admin(Node node, ServerConfig config) {
    NodeTuple token = fields(node, "admin", List.of("token"), "").get("token");
    if (token == null || isNull(token.getValueNode())) {
      return config;
    }
    Node tokenNode = token.getValueNode();
    String value = text(tokenNode, "admin.token", "a secret string");
    return config.withAdminToken(
        check(tokenNode, () -> ServerConfig.checkToken("admin.token", value)));
  }

  private Map<String, Policy> policies(NodeTuple section) {
    Map<String, NodeTuple> entries = fields(section.getValueNode(), "policies", null, "");
    if (entries.isEmpty()) {
      throw error(
          section.getValueNode(),
          "policies must hold at least one policy, such as default: { capacity: 10, refill: 1/s }");
    }
    Map<String, Policy> policies = new LinkedHashMap<>();
    entries.forEach((name, entry) -> policies.put(name, policy(name, entry)));
    return policies;
  }

  private Policy policy(String name, NodeTuple entry) {
    String path = "policies." + name;
    Node value = entry.getValueNode();
    if (!(value instanceof MappingNode)) {
      throw error(
          value,
          path + " must be a mapping, such as { capacity: 10, refill: 1/s } or { limits: [...] }");
    }
    Policy.Builder builder = check(entry.getKeyNode(), () -> Policy.builder(name));
    Map<String, NodeTuple> keys = fields(value, path, null, "");
    storeOptions(name, keys, path);
    Set<String> ids = new HashSet<>();
    if (keys.containsKey("limits")) {
      fields(
          value,
          path,
          List.of("limits", "on-failure", "timeout", "hybrid"),
          " (beside limits, a policy takes only on-failure, timeout and hybrid)");
      Node list = keys.get("limits").getValueNode();
      if (!(list instanceof SequenceNode)
          || ((SequenceNode) list).getValue().isEmpty()
          || ((SequenceNode) list).getValue().size() > Policy.MAX_LIMITS) {
        throw error(
            list,
            path
                + ".limits must be a list of 1 to "
                + Policy.MAX_LIMITS
                + " limits, such as [{ capacity: 10, refill: 1/s }, { algorithm: fixed-window,"
                + " limit: 1000, window: 1d }]");
      }
      List<Node> items = ((SequenceNode) list).getValue();
      for (int i = 0; i < items.size(); i++) {
        String itemPath = path + ".limits[" + i + "]";
        addLimit(builder, items.get(i), itemPath, Integer.toString(i), LIMIT_KEYS, ids);
      }
    } else {
      addLimit(builder, value, path, "0", with(POLICY_KEYS, "id"), ids);
    }
    return check(entry.getKeyNode(), builder::build);
  }

  /**
   * Adds one limit under its id: the {@code id} key if given, else {@code position}. The id is what
   * the clients' usage of the limit is stored under, so that editing the limit keeps it.
   */
  private void addLimit(
      Policy.Builder builder,
      Node node,
      String path,
      String position,
      List<String> extra,
      Set<String> ids) {
    Limit limit = limit(node, path, extra);
    NodeTuple idEntry =
        ((MappingNode) node)
            .getValue().stream().filter(tuple -> key(tuple).equals("id")).findFirst().orElse(null);
    Node at = idEntry != null ? idEntry.getValueNode() : node;
    String id = idEntry != null ? text(at, path + ".id", "a limit id such as burst") : position;
    if (!ids.add(id)) {
      throw error(
          at,
          path
              + ".id must be unique within the policy: '"
              + id
              + "'"
              + (idEntry == null ? " is the id of another limit (ids default to positions)" : ""));
    }
    check(at, () -> builder.limit(id, limit), "limit id", path + ".id");
  }

  /** How the store treats a policy, if the policy says anything about it. */
  private void storeOptions(String name, Map<String, NodeTuple> keys, String path) {
    ResilientBackend.OnFailure onFailure =
        keys.containsKey("on-failure")
            ? option(
                keys.get("on-failure").getValueNode(),
                path + ".on-failure",
                ResilientBackend.OnFailure.class)
            : null;
    Duration timeout =
        keys.containsKey("timeout")
            ? duration(
                keys.get("timeout").getValueNode(),
                path + ".timeout",
                StoreConfig.MIN_TIMEOUT,
                StoreConfig.MAX_TIMEOUT)
            : null;
    boolean hybrid =
        keys.containsKey("hybrid") && bool(keys.get("hybrid").getValueNode(), path + ".hybrid");
    if (hybrid) {
      hybridNodes.put(name, keys.get("hybrid").getValueNode());
    }
    if (onFailure != null || timeout != null || hybrid) {
      storeOptions.put(name, new ServerConfig.PolicyStoreOptions(onFailure, timeout, hybrid));
    }
  }

  /**
   * One limit: an algorithm (token-bucket by default) and its parameters, and {@code extra} keys.
   */
  private Limit limit(Node node, String path, List<String> extra) {
    if (!(node instanceof MappingNode)) {
      throw error(node, path + " must be a mapping, such as { capacity: 10, refill: 1/s }");
    }
    Map<String, NodeTuple> keys = fields(node, path, null, "");
    Algorithm algorithm =
        keys.containsKey("algorithm")
            ? algorithm(keys.get("algorithm").getValueNode(), path + ".algorithm")
            : Algorithm.TOKEN_BUCKET;
    switch (algorithm) {
      case TOKEN_BUCKET:
      case LEAKY_BUCKET:
        {
          String rateKey = algorithm == Algorithm.TOKEN_BUCKET ? "refill" : "leak";
          fields(node, path, with(extra, "algorithm", "capacity", rateKey), " for " + algorithm);
          long capacity =
              integer(required(node, keys, path, "capacity", algorithm), path + ".capacity");
          Node rateNode = required(node, keys, path, rateKey, algorithm);
          String rateText = text(rateNode, path + "." + rateKey, "a rate such as 1/s");
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
      default:
        {
          fields(node, path, with(extra, "algorithm", "limit", "window"), " for " + algorithm);
          long limit = integer(required(node, keys, path, "limit", algorithm), path + ".limit");
          Node windowNode = required(node, keys, path, "window", algorithm);
          String windowText = text(windowNode, path + ".window", "a duration such as 1m");
          Duration window = check(windowNode, () -> Durations.parse(path + ".window", windowText));
          return build(
              node,
              keys,
              path,
              () ->
                  algorithm == Algorithm.FIXED_WINDOW
                      ? Limit.fixedWindow(limit, window)
                      : algorithm == Algorithm.SLIDING_WINDOW
                          ? Limit.slidingWindow(limit, window)
                          : Limit.slidingLog(limit, window));
        }
    }
  }

  private static List<String> with(List<String> extra, String... keys) {
    List<String> all = new ArrayList<>(List.of(keys));
    all.addAll(extra);
    return all;
  }

  /**
   * A rate; the core's message about the period alone is replaced by one that shows the whole rate.
   */
  private Rate rate(Node node, String path, String text) {
    try {
      return Rate.parse(text);
    } catch (IllegalArgumentException e) {
      String message = e.getMessage();
      if (message.startsWith("rate period must be a whole number")) {
        throw error(
            node,
            path
                + " must be <tokens>/<period> such as 1/s, 100/m, 10000/d or 5/10s: '"
                + text
                + "'");
      }
      throw error(
          node, message.startsWith("rate ") ? path + message.substring("rate".length()) : message);
    }
  }

  private Algorithm algorithm(Node node, String path) {
    String id = text(node, path, "an algorithm name");
    return check(node, () -> Algorithm.fromId(id), "algorithm", path);
  }

  /**
   * Builds a limit; the core names the offending parameter first in its message ("capacity must be
   * ..."), which is also the YAML key, so the message gets the key's path and line.
   */
  private Limit build(Node node, Map<String, NodeTuple> keys, String path, Check<Limit> limit) {
    try {
      return limit.get();
    } catch (IllegalArgumentException e) {
      String message = e.getMessage();
      String param = message.split(" ", 2)[0];
      NodeTuple culprit = keys.get(param);
      throw error(culprit != null ? culprit.getValueNode() : node, path + "." + message);
    }
  }

  private Node required(
      Node node, Map<String, NodeTuple> keys, String path, String key, Algorithm algorithm) {
    NodeTuple tuple = keys.get(key);
    if (tuple == null || isNull(tuple.getValueNode())) {
      String needs =
          algorithm == Algorithm.TOKEN_BUCKET
              ? "capacity and refill"
              : algorithm == Algorithm.LEAKY_BUCKET ? "capacity and leak" : "limit and window";
      throw error(
          tuple == null ? node : tuple.getValueNode(),
          path + "." + key + " must be set: " + algorithm + " needs " + needs);
    }
    return tuple.getValueNode();
  }

  private void clients(
      NodeTuple section, Map<String, Policy> policies, PolicyRegistry.Builder registry) {
    fields(section.getValueNode(), "clients", null, "")
        .forEach(
            (key, entry) -> {
              String path = "clients." + key;
              Node value = entry.getValueNode();
              String name = text(value, path, "a policy name");
              if (!policies.containsKey(name)) {
                throw error(
                    value,
                    path
                        + " must name a policy, one of "
                        + new TreeSet<>(policies.keySet())
                        + ": '"
                        + name
                        + "'");
              }
              check(entry.getKeyNode(), () -> registry.client(key, name), "key", "clients key");
            });
  }

  private StoreConfig store(Node node) {
    Map<String, NodeTuple> keys = fields(node, "store", null, "");
    NodeTuple typeEntry = keys.get("type");
    if (typeEntry == null) {
      throw error(node, "store.type must be set: memory or redis");
    }
    Node typeNode = typeEntry.getValueNode();
    String typeText = text(typeNode, "store.type", "memory or redis");
    StoreConfig.Type type =
        check(
            typeNode, () -> StoreConfig.parseEnum("store.type", typeText, StoreConfig.Type.class));
    long maxKeys =
        keys.containsKey("max-keys")
            ? maxKeys(keys.get("max-keys").getValueNode())
            : InMemoryBackend.DEFAULT_MAX_KEYS;
    if (type == StoreConfig.Type.MEMORY) {
      fields(node, "store", List.of("type", "max-keys"), " for the memory store");
      StoreConfig memory = StoreConfig.MEMORY;
      return new StoreConfig(
          memory.type(), null, false, null, null, null, memory.leaseFraction(), maxKeys);
    }
    fields(
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
    if (uriEntry == null || isNull(uriEntry.getValueNode())) {
      throw error(
          uriEntry == null ? node : uriEntry.getValueNode(),
          "store.uri must be set for the redis store, such as redis://127.0.0.1:6379");
    }
    String uriText =
        text(uriEntry.getValueNode(), "store.uri", "a URI such as redis://127.0.0.1:6379");
    StoreConfig redis =
        check(uriEntry.getValueNode(), () -> StoreConfig.redis("store.uri", uriText));
    StoreConfig.Mode mode =
        keys.containsKey("mode")
            ? option(keys.get("mode").getValueNode(), "store.mode", StoreConfig.Mode.class)
            : redis.mode();
    Duration timeout = redis.timeout();
    if (keys.containsKey("timeout")) {
      Node timeoutNode = keys.get("timeout").getValueNode();
      String timeoutText = text(timeoutNode, "store.timeout", "a duration such as 50ms");
      timeout = check(timeoutNode, () -> StoreConfig.parseTimeout("store.timeout", timeoutText));
    }
    boolean cluster =
        keys.containsKey("cluster") && bool(keys.get("cluster").getValueNode(), "store.cluster");
    double leaseFraction = StoreConfig.DEFAULT_LEASE_FRACTION;
    if (keys.containsKey("lease-fraction")) {
      Node fractionNode = keys.get("lease-fraction").getValueNode();
      leaseFraction =
          share(
              fractionNode,
              "store.lease-fraction",
              text(fractionNode, "store.lease-fraction", "a fraction such as 0.05"));
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
    long value = integer(node, "store.max-keys");
    if (value < 1 || value > StoreConfig.MAX_MAX_KEYS) {
      throw error(
          node, "store.max-keys must be between 1 and " + StoreConfig.MAX_MAX_KEYS + ": " + value);
    }
    return value;
  }

  /** {@code store.instances}: {@code auto} or a whole number from 1 to 10,000. */
  private int instances(Node node) {
    String text = text(node, "store.instances", "auto or a number of instances");
    if (text.equals("auto")) {
      return StoreConfig.Resilience.AUTO;
    }
    if (!text.matches("[0-9]{1,6}")
        || Integer.parseInt(text) < 1
        || Integer.parseInt(text) > StoreConfig.MAX_INSTANCES) {
      throw error(
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
            ? option(
                keys.get("on-failure").getValueNode(),
                "store.on-failure",
                ResilientBackend.OnFailure.class)
            : defaults.onFailure();
    double share = defaults.localShare();
    if (keys.containsKey("local-share")) {
      Node shareNode = keys.get("local-share").getValueNode();
      share =
          share(
              shareNode,
              "store.local-share",
              text(shareNode, "store.local-share", "a share such as 1/3 or 0.5"));
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
          fields(
              breaker,
              "store.circuit-breaker",
              List.of("failures", "open-after", "backoff", "max-backoff"),
              "");
      if (settings.containsKey("failures")) {
        Node failuresNode = settings.get("failures").getValueNode();
        long value = integer(failuresNode, "store.circuit-breaker.failures");
        if (value < 1 || value > 1000) {
          throw error(
              failuresNode, "store.circuit-breaker.failures must be between 1 and 1000: " + value);
        }
        failures = (int) value;
      }
      if (settings.containsKey("open-after")) {
        openAfter =
            duration(
                settings.get("open-after").getValueNode(),
                "store.circuit-breaker.open-after",
                Duration.ZERO,
                Duration.ofMinutes(1));
      }
      if (settings.containsKey("backoff")) {
        backoff =
            duration(
                settings.get("backoff").getValueNode(),
                "store.circuit-breaker.backoff",
                Duration.ofMillis(1),
                Duration.ofMinutes(10));
      }
      if (settings.containsKey("max-backoff")) {
        maxBackoff =
            duration(
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
            || bool(keys.get("deny-cache").getValueNode(), "store.deny-cache");
    return new StoreConfig.Resilience(
        onFailure, share, instances, failures, openAfter, backoff, maxBackoff, denyCache);
  }

  /** A share in (0, 1]: a fraction such as {@code 1/3} or a decimal such as {@code 0.5}. */
  private double share(Node node, String path, String text) {
    double share = Double.NaN;
    try {
      int slash = text.indexOf('/');
      share =
          slash < 0
              ? Double.parseDouble(text)
              : Double.parseDouble(text.substring(0, slash).trim())
                  / Double.parseDouble(text.substring(slash + 1).trim());
    } catch (NumberFormatException e) {
      // reported below
    }
    if (!(share > 0 && share <= 1)) {
      throw error(
          node, path + " must be more than 0 and at most 1, such as 1/3 or 0.5: '" + text + "'");
    }
    return share;
  }

  private Duration duration(Node node, String path, Duration min, Duration max) {
    String value = text(node, path, "a duration such as 500ms");
    Duration duration = check(node, () -> Durations.parse(path, value));
    if (duration.compareTo(min) < 0 || duration.compareTo(max) > 0) {
      throw error(
          node,
          path
              + " must be between "
              + Durations.format(min)
              + " and "
              + Durations.format(max)
              + ": "
              + value);
    }
    return duration;
  }

  private boolean bool(Node node, String path) {
    String value = text(node, path, "true or false");
    if (!value.equals("true") && !value.equals("false")) {
      throw error(node, path + " must be true or false: '" + value + "'");
    }
    return value.equals("true");
  }

  private <E extends Enum<E>> E option(Node node, String path, Class<E> type) {
    String value = text(node, path, "one of its values");
    return check(node, () -> StoreConfig.parseEnum(path, value, type));
  }

  /**
   * The entries of a mapping by key, refusing duplicate keys, non-scalar keys and, if {@code
   * allowed} is given, keys outside it.
   */
  private Map<String, NodeTuple> fields(Node node, String path, List<String> allowed, String hint) {
    if (!(node instanceof MappingNode)) {
      throw error(
          node,
          path
              + " must be a mapping"
              + (allowed == null ? "" : " of " + String.join(", ", allowed))
              + ": found "
              + kind(node));
    }
    Map<String, NodeTuple> fields = new LinkedHashMap<>();
    String prefix = path.equals("the configuration") ? "" : path + ".";
    for (NodeTuple tuple : ((MappingNode) node).getValue()) {
      Node keyNode = tuple.getKeyNode();
      if (!(keyNode instanceof ScalarNode) || isNull(keyNode)) {
        throw error(keyNode, path + " keys must be plain text: found " + kind(keyNode));
      }
      String key = ((ScalarNode) keyNode).getValue();
      if (allowed != null && !allowed.contains(key)) {
        throw error(
            keyNode,
            "unknown key "
                + prefix
                + key
                + ": allowed keys are "
                + String.join(", ", allowed)
                + hint);
      }
      if (fields.putIfAbsent(key, tuple) != null) {
        throw error(keyNode, "duplicate key " + prefix + key + ": each key may appear once");
      }
    }
    return fields;
  }

  /** A scalar's text. */
  private String text(Node node, String path, String expected) {
    if (!(node instanceof ScalarNode) || isNull(node)) {
      throw error(node, path + " must be " + expected + ": found " + kind(node));
    }
    return ((ScalarNode) node).getValue();
  }

  /** A whole number written in decimal. */
  private long integer(Node node, String path) {
    String text = text(node, path, "a whole number");
    if (!text.matches("[+-]?[0-9]+")) {
      throw error(node, path + " must be a whole number: '" + text + "'");
    }
    if (text.length() > 18) {
      throw error(node, path + " must be a whole number of at most 18 digits: '" + text + "'");
    }
    return Long.parseLong(text);
  }

  /**
   * Runs a core validation, rewriting its message to start with {@code path} instead of {@code
   * param}.
   */
  private <T> T check(Node node, Check<T> check, String param, String path) {
    try {
      return check.get();
    } catch (IllegalArgumentException e) {
      String message = e.getMessage();
      throw error(
          node,
          message.startsWith(param + " ") ? path + message.substring(param.length()) : message);
    }
  }

  private <T> T check(Node node, Check<T> check) {
    try {
      return check.get();
    } catch (IllegalArgumentException e) {
      throw error(node, e.getMessage());
    }
  }

  private IllegalArgumentException error(Node node, String message) {
    return new IllegalArgumentException(
        source + ":" + (node.getStartMark().getLine() + 1) + ": " + message);
  }

  private static String key(NodeTuple entry) {
    return ((ScalarNode) entry.getKeyNode()).getValue();
  }

  private static boolean isNull(Node node) {
    return node.getTag().equals(Tag.NULL);
  }

  private static String kind(Node node) {
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    return isNull(node) ? "nothing" : "'" + ((ScalarNode) node).getValue() + "'";
  }

  private static String describe(IOException e) {
    return e instanceof NoSuchFileException ? "no such file" : e.toString();
  }

  /** A validation that may throw {@link IllegalArgumentException}. */
  @FunctionalInterface
  private interface Check<T> {
    T get();
  }
}

package dev.sluice.server;

import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.PolicyRegistry;
import dev.sluice.RateLimiter;
import dev.sluice.ResilientBackend;
import dev.sluice.envoy.RlsOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.SequenceNode;

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
      List.of("policies", "clients", "store", "server", "admin", "rls");

  /** The keys a limit takes beside its algorithm's parameters. */
  private static final List<String> LIMIT_KEYS = List.of("id");

  /** The keys a policy of one limit written inline takes beside the limit's. */
  private static final List<String> INLINE_KEYS = List.of("id", "on-failure", "timeout", "hybrid");

  private final YamlReader yaml;
  private final Map<String, ServerConfig.PolicyStoreOptions> storeOptions = new LinkedHashMap<>();

  /** Where each hybrid policy says so, to point at it if the store cannot lease. */
  private final Map<String, Node> hybridNodes = new LinkedHashMap<>();

  private final String source;

  private ConfigLoader(String source) {
    this.source = source;
    this.yaml = new YamlReader(source);
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
    return YamlReader.read(file);
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
    Node root = yaml.compose(text);
    if (root == null || YamlReader.isNull(root)) {
      return ServerConfig.defaults();
    }
    Map<String, NodeTuple> top = yaml.fields(root, "the configuration", TOP_KEYS, "");
    // An empty section (all of it commented out) is the same as none, except for policies.
    top.values()
        .removeIf(
            entry ->
                YamlReader.isNull(entry.getValueNode())
                    && !"policies".equals(YamlReader.key(entry)));
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
      config = config.withStore(new StoreSection(yaml).read(top.get("store").getValueNode()));
    }
    if (top.containsKey("server")) {
      config = server(top.get("server").getValueNode(), config);
    }
    if (top.containsKey("admin")) {
      config = admin(top.get("admin").getValueNode(), config);
    }
    if (top.containsKey("rls")) {
      config = config.withRls(rls(top.get("rls").getValueNode(), config.rls()));
    }
    if (config.store().mode() == StoreConfig.Mode.TRANSACTION && !hybridNodes.isEmpty()) {
      Map.Entry<String, Node> first = hybridNodes.entrySet().iterator().next();
      throw yaml.error(
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
        Map.copyOf(storeOptions),
        config.maxWait(),
        config.rls());
  }

  private ServerConfig server(Node node, ServerConfig config) {
    Map<String, NodeTuple> keys =
        yaml.fields(node, "server", List.of("host", "port", "grpc-port", "max-wait"), "");
    if (keys.containsKey("max-wait")) {
      Duration wait =
          yaml.duration(
              keys.get("max-wait").getValueNode(),
              "server.max-wait",
              Duration.ZERO,
              RateLimiter.MAX_WAIT);
      config = config.withMaxWait(wait);
    }
    if (keys.containsKey("grpc-port")) {
      Node portNode = keys.get("grpc-port").getValueNode();
      long port = yaml.integer(portNode, "server.grpc-port");
      if (port < 0 || port > 65535) {
        throw yaml.error(portNode, "server.grpc-port must be between 0 and 65535: " + port);
      }
      config = config.withRls(config.rls().withGrpcPort((int) port));
    }
    if (keys.containsKey("port")) {
      Node portNode = keys.get("port").getValueNode();
      long port = yaml.integer(portNode, "server.port");
      if (port < 0 || port > 65535) {
        throw yaml.error(portNode, "server.port must be between 0 and 65535: " + port);
      }
      config = config.withPort((int) port);
    }
    if (keys.containsKey("host")) {
      config =
          config.withHost(
              yaml.text(
                  keys.get("host").getValueNode(), "server.host", "an address such as 127.0.0.1"));
    }
    return config;
  }

  /**
   * The {@code rls} section: envoyproxy/ratelimit's configuration (a path, relative to this file's
   * folder), the global shadow mode and the response headers.
   */
  private RlsSettings rls(Node node, RlsSettings settings) {
    Map<String, NodeTuple> keys =
        yaml.fields(node, "rls", List.of("config", "shadow-mode", "response-headers"), "");
    Path path = settings.config();
    if (keys.containsKey("config")) {
      String text =
          yaml.text(keys.get("config").getValueNode(), "rls.config", "a file or directory");
      Path given = Path.of(text);
      Path folder = Path.of(source).toAbsolutePath().getParent();
      path = given.isAbsolute() || folder == null ? given : folder.resolve(given);
    }
    boolean shadow =
        keys.containsKey("shadow-mode")
            && yaml.bool(keys.get("shadow-mode").getValueNode(), "rls.shadow-mode");
    RlsOptions.Headers headers = settings.headers();
    if (keys.containsKey("response-headers")) {
      Node headersNode = keys.get("response-headers").getValueNode();
      String text = yaml.text(headersNode, "rls.response-headers", "off, draft or ietf");
      headers =
          switch (text) {
            case "off" -> RlsOptions.Headers.OFF;
            case "draft" -> RlsOptions.Headers.DRAFT;
            case "ietf" -> RlsOptions.Headers.IETF;
            default ->
                throw yaml.error(
                    headersNode, "rls.response-headers must be off, draft or ietf: '" + text + "'");
          };
    }
    return new RlsSettings(path, settings.grpcPort(), shadow, headers);
  }

  private ServerConfig admin(Node node, ServerConfig config) {
    NodeTuple token = yaml.fields(node, "admin", List.of("token"), "").get("token");
    if (token == null || YamlReader.isNull(token.getValueNode())) {
      return config;
    }
    Node tokenNode = token.getValueNode();
    String value = yaml.text(tokenNode, "admin.token", "a secret string");
    return config.withAdminToken(
        yaml.check(tokenNode, () -> ServerConfig.checkToken("admin.token", value)));
  }

  private Map<String, Policy> policies(NodeTuple section) {
    Map<String, NodeTuple> entries = yaml.fields(section.getValueNode(), "policies", null, "");
    if (entries.isEmpty()) {
      throw yaml.error(
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
      throw yaml.error(
          value,
          path + " must be a mapping, such as { capacity: 10, refill: 1/s } or { limits: [...] }");
    }
    Policy.Builder builder = yaml.check(entry.getKeyNode(), () -> Policy.builder(name));
    Map<String, NodeTuple> keys = yaml.fields(value, path, null, "");
    storeOptions(name, keys, path);
    Set<String> ids = new HashSet<>();
    if (keys.containsKey("limits")) {
      yaml.fields(
          value,
          path,
          List.of("limits", "on-failure", "timeout", "hybrid"),
          " (beside limits, a policy takes only on-failure, timeout and hybrid)");
      Node list = keys.get("limits").getValueNode();
      if (!(list instanceof SequenceNode sequence)
          || sequence.getValue().isEmpty()
          || sequence.getValue().size() > Policy.MAX_LIMITS) {
        throw yaml.error(
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
      addLimit(builder, value, path, "0", INLINE_KEYS, ids);
    }
    return yaml.check(entry.getKeyNode(), builder::build);
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
    Limit limit = new LimitSection(yaml).read(node, path, extra);
    NodeTuple idEntry =
        ((MappingNode) node)
            .getValue().stream()
                .filter(tuple -> YamlReader.key(tuple).equals("id"))
                .findFirst()
                .orElse(null);
    Node at = idEntry != null ? idEntry.getValueNode() : node;
    String id =
        idEntry != null ? yaml.text(at, path + ".id", "a limit id such as burst") : position;
    if (!ids.add(id)) {
      throw yaml.error(
          at,
          path
              + ".id must be unique within the policy: '"
              + id
              + "'"
              + (idEntry == null ? " is the id of another limit (ids default to positions)" : ""));
    }
    yaml.check(at, () -> builder.limit(id, limit), "limit id", path + ".id");
  }

  /** How the store treats a policy, if the policy says anything about it. */
  private void storeOptions(String name, Map<String, NodeTuple> keys, String path) {
    ResilientBackend.OnFailure onFailure =
        keys.containsKey("on-failure")
            ? yaml.option(
                keys.get("on-failure").getValueNode(),
                path + ".on-failure",
                ResilientBackend.OnFailure.class)
            : null;
    Duration timeout =
        keys.containsKey("timeout")
            ? yaml.duration(
                keys.get("timeout").getValueNode(),
                path + ".timeout",
                StoreConfig.MIN_TIMEOUT,
                StoreConfig.MAX_TIMEOUT)
            : null;
    boolean hybrid =
        keys.containsKey("hybrid")
            && yaml.bool(keys.get("hybrid").getValueNode(), path + ".hybrid");
    if (hybrid) {
      hybridNodes.put(name, keys.get("hybrid").getValueNode());
    }
    if (onFailure != null || timeout != null || hybrid) {
      storeOptions.put(name, new ServerConfig.PolicyStoreOptions(onFailure, timeout, hybrid));
    }
  }

  private void clients(
      NodeTuple section, Map<String, Policy> policies, PolicyRegistry.Builder registry) {
    yaml.fields(section.getValueNode(), "clients", null, "")
        .forEach(
            (key, entry) -> {
              String path = "clients." + key;
              Node value = entry.getValueNode();
              String name = yaml.text(value, path, "a policy name");
              if (!policies.containsKey(name)) {
                throw yaml.error(
                    value,
                    path
                        + " must name a policy, one of "
                        + new TreeSet<>(policies.keySet())
                        + ": '"
                        + name
                        + "'");
              }
              yaml.check(
                  entry.getKeyNode(), () -> registry.client(key, name), "key", "clients key");
            });
  }
}

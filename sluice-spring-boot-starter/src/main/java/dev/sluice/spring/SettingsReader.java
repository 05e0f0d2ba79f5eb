package dev.sluice.spring;

import dev.sluice.Algorithm;
import dev.sluice.CalendarUnit;
import dev.sluice.Durations;
import dev.sluice.InMemoryBackend;
import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.PolicyRegistry;
import dev.sluice.Rate;
import dev.sluice.ResilientBackend;
import dev.sluice.http.ClientAddress;
import dev.sluice.http.HeaderStyle;
import dev.sluice.http.RequestMatcher;
import dev.sluice.http.UnresolvedKey;
import dev.sluice.http.Validation;
import dev.sluice.spring.SluiceProperties.LimitProperties;
import dev.sluice.spring.SluiceProperties.PolicyProperties;
import dev.sluice.spring.SluiceProperties.RuleProperties;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Validates {@link SluiceProperties} into {@link Settings}, failing on the first problem with an
 * {@link InvalidPropertyException} that names the property ({@code sluice.policies.free.refill must
 * be ...}).
 *
 * <p>The vocabulary and the ranges are those of {@code sluice serve}'s configuration file
 * (docs/configuration.md); the core's own validation messages are reused, with the property's path
 * in place of the parameter's name ({@link Validation} reads the parameter).
 */
final class SettingsReader {

  static final Policy DEFAULT_POLICY =
      Policy.of(Policy.DEFAULT, Limit.tokenBucket(10, Rate.perSecond(1)));

  private static final long MAX_MAX_KEYS = 1L << 31;
  private static final int MAX_INSTANCES = 10_000;
  private static final Duration MIN_TIMEOUT = Duration.ofMillis(1);
  private static final Duration MAX_TIMEOUT = Duration.ofSeconds(60);
  private static final String[] URI_SCHEMES = {"redis://", "rediss://", "redis-sentinel://"};

  private final Map<String, ResilientBackend.OnFailure> onFailures = new LinkedHashMap<>();
  private final Map<String, Duration> timeouts = new LinkedHashMap<>();
  private final Set<String> hybrid = new LinkedHashSet<>();

  private SettingsReader() {}

  /**
   * Validates the properties.
   *
   * @param properties the bound properties
   * @param forwardHeadersStrategy the value of {@code server.forward-headers-strategy}, or {@code
   *     null}
   * @return the settings
   * @throws InvalidPropertyException for the first invalid property
   */
  static Settings read(SluiceProperties properties, String forwardHeadersStrategy) {
    return new SettingsReader().settings(properties, forwardHeadersStrategy);
  }

  private Settings settings(SluiceProperties properties, String forwardHeadersStrategy) {
    PolicyRegistry.Builder registry = PolicyRegistry.builder();
    Map<String, Policy> policies = policies(properties.getPolicies());
    policies.values().forEach(registry::policy);
    properties
        .getClients()
        .forEach(
            (key, name) -> {
              String path = "sluice.clients." + key;
              if (name == null || !policies.containsKey(name)) {
                throw invalid(
                    path,
                    path
                        + " must name a policy, one of "
                        + new TreeSet<>(policies.keySet())
                        + ": '"
                        + name
                        + "'");
              }
              check("sluice.clients", () -> registry.client(key, name));
            });
    Settings.Store store = store(properties.getStore());
    if (store.redis() && store.transaction() && !hybrid.isEmpty()) {
      String path = "sluice.policies." + hybrid.iterator().next() + ".hybrid";
      throw invalid(path, path + " needs sluice.store.mode lua: leases are taken by a script");
    }
    PolicyRegistry built = registry.build();
    return new Settings(
        built,
        Map.copyOf(onFailures),
        Map.copyOf(timeouts),
        Set.copyOf(hybrid),
        store,
        http(properties.getHttp(), built, forwardHeadersStrategy),
        routes(properties.getGateway(), built));
  }

  private Map<String, Policy> policies(Map<String, PolicyProperties> entries) {
    Map<String, Policy> policies = new LinkedHashMap<>();
    if (entries.isEmpty()) {
      policies.put(Policy.DEFAULT, DEFAULT_POLICY);
      return policies;
    }
    entries.forEach((name, entry) -> policies.put(name, policy(name, entry)));
    return policies;
  }

  private Policy policy(String name, PolicyProperties entry) {
    String path = "sluice.policies." + name;
    Policy.Builder builder = check("sluice.policies", () -> Policy.builder(name));
    storeOptions(name, entry, path);
    Set<String> ids = new HashSet<>();
    if (entry.getLimits() != null && !entry.getLimits().isEmpty()) {
      List<String> inline = setKeys(entry);
      if (!inline.isEmpty()) {
        String key = path + "." + inline.get(0);
        throw invalid(
            key,
            key
                + " must not be set beside limits: put it in one of the limits (beside limits, a"
                + " policy takes only on-failure, timeout and hybrid)");
      }
      if (entry.getLimits().size() > Policy.MAX_LIMITS) {
        throw invalid(
            path + ".limits",
            path
                + ".limits must hold 1 to "
                + Policy.MAX_LIMITS
                + " limits: "
                + entry.getLimits().size());
      }
      for (int i = 0; i < entry.getLimits().size(); i++) {
        addLimit(
            builder,
            entry.getLimits().get(i),
            path + ".limits[" + i + "]",
            Integer.toString(i),
            ids);
      }
    } else {
      addLimit(builder, entry, path, "0", ids);
    }
    return check(path, builder::build);
  }

  /** The names of the inline limit keys that are set. */
  private static List<String> setKeys(LimitProperties limit) {
    List<String> keys = new ArrayList<>();
    if (limit.getId() != null) keys.add("id");
    if (limit.getAlgorithm() != null) keys.add("algorithm");
    if (limit.getCapacity() != null) keys.add("capacity");
    if (limit.getRefill() != null) keys.add("refill");
    if (limit.getLeak() != null) keys.add("leak");
    if (limit.getLimit() != null) keys.add("limit");
    if (limit.getWindow() != null) keys.add("window");
    if (limit.getAlign() != null) keys.add("align");
    if (limit.getLease() != null) keys.add("lease");
    if (limit.getRetryHint() != null) keys.add("retry-hint");
    return keys;
  }

  private void addLimit(
      Policy.Builder builder,
      LimitProperties entry,
      String path,
      String position,
      Set<String> ids) {
    if (entry == null) {
      throw invalid(path, path + " must be a limit, such as { capacity: 10, refill: 1/s }");
    }
    Limit limit = limit(entry, path);
    String id = entry.getId() != null ? entry.getId() : position;
    if (!ids.add(id)) {
      throw invalid(
          path + ".id",
          path
              + ".id must be unique within the policy: '"
              + id
              + "'"
              + (entry.getId() == null
                  ? " is the id of another limit (ids default to positions)"
                  : ""));
    }
    try {
      builder.limit(id, limit);
    } catch (IllegalArgumentException e) {
      throw invalid(path + ".id", Validation.renamed(e, "limit id", path + ".id"));
    }
  }

  private Limit limit(LimitProperties entry, String path) {
    Algorithm algorithm =
        entry.getAlgorithm() == null
            ? Algorithm.TOKEN_BUCKET
            : check(path + ".algorithm", () -> Algorithm.fromId(entry.getAlgorithm()), "algorithm");
    boolean bucket = algorithm == Algorithm.TOKEN_BUCKET || algorithm == Algorithm.LEAKY_BUCKET;
    String rateKey = algorithm == Algorithm.LEAKY_BUCKET ? "leak" : "refill";
    List<String> allowed =
        bucket
            ? List.of("id", "algorithm", "capacity", rateKey)
            : switch (algorithm) {
              case FIXED_WINDOW -> List.of("id", "algorithm", "limit", "window", "align");
              case CONCURRENCY -> List.of("id", "algorithm", "limit", "lease", "retry-hint");
              default -> List.of("id", "algorithm", "limit", "window");
            };
    for (String key : setKeys(entry)) {
      if (!allowed.contains(key)) {
        throw invalid(
            path + "." + key,
            path
                + "."
                + key
                + " does not apply to "
                + algorithm
                + ", which takes "
                + needs(algorithm));
      }
    }
    if (bucket) {
      long capacity = required(entry.getCapacity(), path, "capacity", algorithm);
      String rateText =
          required(
              algorithm == Algorithm.LEAKY_BUCKET ? entry.getLeak() : entry.getRefill(),
              path,
              rateKey,
              algorithm);
      Rate rate = rate(path + "." + rateKey, rateText);
      return build(
          path,
          () ->
              algorithm == Algorithm.TOKEN_BUCKET
                  ? Limit.tokenBucket(capacity, rate)
                  : Limit.leakyBucket(capacity, rate));
    }
    long limit = required(entry.getLimit(), path, "limit", algorithm);
    if (algorithm == Algorithm.CONCURRENCY) {
      String leaseText = required(entry.getLease(), path, "lease", algorithm);
      Duration lease = check(path + ".lease", () -> Durations.parse(path + ".lease", leaseText));
      Limit withoutHint = build(path, () -> Limit.concurrency(limit, lease));
      if (entry.getRetryHint() == null) {
        return withoutHint;
      }
      Duration hint =
          check(
              path + ".retry-hint",
              () -> Durations.parse(path + ".retry-hint", entry.getRetryHint()));
      return check(path + ".retry-hint", () -> Limit.concurrency(limit, lease, hint), "retryHint");
    }
    String windowText = required(entry.getWindow(), path, "window", algorithm);
    if (calendar(entry.getAlign(), path + ".align")) {
      CalendarUnit unit =
          check(path + ".window", () -> CalendarUnit.parse(path + ".window", windowText));
      return build(path, () -> Limit.calendarWindow(limit, unit));
    }
    Duration window = check(path + ".window", () -> Durations.parse(path + ".window", windowText));
    return build(
        path,
        () ->
            algorithm == Algorithm.FIXED_WINDOW
                ? Limit.fixedWindow(limit, window)
                : algorithm == Algorithm.SLIDING_WINDOW
                    ? Limit.slidingWindow(limit, window)
                    : Limit.slidingLog(limit, window));
  }

  /**
   * Whether a fixed window's {@code align} asks for the calendar ({@code epoch} is the default).
   */
  private static boolean calendar(String align, String path) {
    if (align == null || align.equals("epoch")) {
      return false;
    }
    if (align.equals("calendar")) {
      return true;
    }
    throw invalid(path, path + " must be calendar or epoch: '" + align + "'");
  }

  private static String needs(Algorithm algorithm) {
    return switch (algorithm) {
      case TOKEN_BUCKET -> "capacity and refill";
      case LEAKY_BUCKET -> "capacity and leak";
      case CONCURRENCY -> "limit and lease";
      default -> "limit and window";
    };
  }

  private static <T> T required(T value, String path, String key, Algorithm algorithm) {
    if (value == null) {
      throw invalid(
          path + "." + key,
          path + "." + key + " must be set: " + algorithm + " needs " + needs(algorithm));
    }
    return value;
  }

  /** A limit; the core's message names the parameter, which is also the property's key. */
  private static Limit build(String path, Supplier<Limit> limit) {
    try {
      return limit.get();
    } catch (IllegalArgumentException e) {
      String message = Validation.under(e, path);
      throw invalid(path + "." + Validation.param(e), message);
    }
  }

  /** A rate; the core's message about the period alone is replaced by one about the whole rate. */
  private static Rate rate(String path, String text) {
    try {
      return Rate.parse(text);
    } catch (IllegalArgumentException e) {
      if (String.valueOf(e.getMessage()).startsWith("rate period must be a whole number")) {
        throw invalid(
            path,
            path
                + " must be <tokens>/<period> such as 1/s, 100/m, 10000/d or 5/10s: '"
                + text
                + "'");
      }
      throw invalid(path, Validation.renamed(e, "rate", path));
    }
  }

  private void storeOptions(String name, PolicyProperties entry, String path) {
    if (entry.getOnFailure() != null) {
      onFailures.put(
          name,
          option(path + ".on-failure", entry.getOnFailure(), ResilientBackend.OnFailure.class));
    }
    if (entry.getTimeout() != null) {
      timeouts.put(name, duration(path + ".timeout", entry.getTimeout(), MIN_TIMEOUT, MAX_TIMEOUT));
    }
    if (Boolean.TRUE.equals(entry.getHybrid())) {
      hybrid.add(name);
    }
  }

  private static Settings.Store store(SluiceProperties.StoreProperties store) {
    String type =
        store.getType() == null ? "memory" : store.getType().trim().toLowerCase(Locale.ROOT);
    if (!type.equals("memory") && !type.equals("redis")) {
      throw invalid(
          "sluice.store.type",
          "sluice.store.type must be one of memory, redis: '" + store.getType() + "'");
    }
    long maxKeys = InMemoryBackend.DEFAULT_MAX_KEYS;
    if (store.getMaxKeys() != null) {
      maxKeys = store.getMaxKeys();
      if (maxKeys < 1 || maxKeys > MAX_MAX_KEYS) {
        throw invalid(
            "sluice.store.max-keys",
            "sluice.store.max-keys must be between 1 and " + MAX_MAX_KEYS + ": " + maxKeys);
      }
    }
    SluiceProperties.CircuitBreakerProperties breaker = store.getCircuitBreaker();
    if (type.equals("memory")) {
      Map<String, Object> redisOnly = new LinkedHashMap<>();
      redisOnly.put("uri", store.getUri());
      redisOnly.put("cluster", store.getCluster());
      redisOnly.put("mode", store.getMode());
      redisOnly.put("timeout", store.getTimeout());
      redisOnly.put("on-failure", store.getOnFailure());
      redisOnly.put("instances", store.getInstances());
      redisOnly.put("local-share", store.getLocalShare());
      redisOnly.put("deny-cache", store.getDenyCache());
      redisOnly.put("lease-fraction", store.getLeaseFraction());
      redisOnly.put("circuit-breaker.failures", breaker.getFailures());
      redisOnly.put("circuit-breaker.open-after", breaker.getOpenAfter());
      redisOnly.put("circuit-breaker.backoff", breaker.getBackoff());
      redisOnly.put("circuit-breaker.max-backoff", breaker.getMaxBackoff());
      redisOnly.forEach(
          (key, value) -> {
            if (value != null) {
              throw invalid(
                  "sluice.store." + key,
                  "sluice.store."
                      + key
                      + " does not apply to the memory store, which takes only max-keys");
            }
          });
      return new Settings.Store(
          false,
          maxKeys,
          null,
          false,
          false,
          null,
          null,
          1,
          Double.NaN,
          0,
          null,
          null,
          null,
          false,
          0);
    }
    String uri = store.getUri();
    if (uri == null || uri.isBlank()) {
      throw invalid(
          "sluice.store.uri",
          "sluice.store.uri must be set for the redis store, such as redis://127.0.0.1:6379");
    }
    boolean schemeOk = false;
    for (String scheme : URI_SCHEMES) {
      schemeOk |= uri.startsWith(scheme) && uri.length() > scheme.length();
    }
    if (!schemeOk || uri.chars().anyMatch(Character::isWhitespace)) {
      throw invalid(
          "sluice.store.uri",
          "sluice.store.uri must start with redis://, rediss:// or redis-sentinel:// and have no"
              + " spaces: '"
              + dev.sluice.redis.RedisBackend.redacted(uri)
              + "'");
    }
    String mode = store.getMode() == null ? "lua" : store.getMode().trim().toLowerCase(Locale.ROOT);
    if (!mode.equals("lua") && !mode.equals("transaction")) {
      throw invalid(
          "sluice.store.mode",
          "sluice.store.mode must be one of lua, transaction: '" + store.getMode() + "'");
    }
    Duration timeout =
        store.getTimeout() == null
            ? Duration.ofMillis(50)
            : duration("sluice.store.timeout", store.getTimeout(), MIN_TIMEOUT, MAX_TIMEOUT);
    ResilientBackend.OnFailure onFailure =
        store.getOnFailure() == null
            ? ResilientBackend.OnFailure.LOCAL
            : option(
                "sluice.store.on-failure", store.getOnFailure(), ResilientBackend.OnFailure.class);
    int instances = instances(store.getInstances());
    double localShare =
        store.getLocalShare() == null
            ? Double.NaN
            : share("sluice.store.local-share", store.getLocalShare());
    int failures = 5;
    if (breaker.getFailures() != null) {
      failures = breaker.getFailures();
      if (failures < 1 || failures > 1000) {
        throw invalid(
            "sluice.store.circuit-breaker.failures",
            "sluice.store.circuit-breaker.failures must be between 1 and 1000: " + failures);
      }
    }
    Duration openAfter =
        breaker.getOpenAfter() == null
            ? Duration.ofMillis(500)
            : duration(
                "sluice.store.circuit-breaker.open-after",
                breaker.getOpenAfter(),
                Duration.ZERO,
                Duration.ofMinutes(1));
    Duration backoff =
        breaker.getBackoff() == null
            ? Duration.ofMillis(250)
            : duration(
                "sluice.store.circuit-breaker.backoff",
                breaker.getBackoff(),
                Duration.ofMillis(1),
                Duration.ofMinutes(10));
    Duration maxBackoff =
        breaker.getMaxBackoff() == null
            ? (backoff.compareTo(Duration.ofSeconds(1)) > 0 ? backoff : Duration.ofSeconds(1))
            : duration(
                "sluice.store.circuit-breaker.max-backoff",
                breaker.getMaxBackoff(),
                backoff,
                Duration.ofMinutes(10));
    double leaseFraction =
        store.getLeaseFraction() == null
            ? 0.05
            : share("sluice.store.lease-fraction", store.getLeaseFraction());
    return new Settings.Store(
        true,
        maxKeys,
        uri,
        Boolean.TRUE.equals(store.getCluster()),
        mode.equals("transaction"),
        timeout,
        onFailure,
        instances,
        localShare,
        failures,
        openAfter,
        backoff,
        maxBackoff,
        !Boolean.FALSE.equals(store.getDenyCache()),
        leaseFraction);
  }

  private static int instances(String text) {
    if (text == null || text.trim().equals("auto")) {
      return 0;
    }
    String value = text.trim();
    if (!value.matches("[0-9]{1,6}")
        || Integer.parseInt(value) < 1
        || Integer.parseInt(value) > MAX_INSTANCES) {
      throw invalid(
          "sluice.store.instances",
          "sluice.store.instances must be auto or a whole number between 1 and "
              + MAX_INSTANCES
              + ": '"
              + text
              + "'");
    }
    return Integer.parseInt(value);
  }

  /** A share in (0, 1]: a fraction such as {@code 1/3} or a decimal such as {@code 0.5}. */
  private static double share(String path, String text) {
    double share = Double.NaN;
    try {
      int slash = text.indexOf('/');
      share =
          slash < 0
              ? Double.parseDouble(text.trim())
              : Double.parseDouble(text.substring(0, slash).trim())
                  / Double.parseDouble(text.substring(slash + 1).trim());
    } catch (NumberFormatException e) {
      // reported below
    }
    if (!(share > 0 && share <= 1)) {
      throw invalid(
          path, path + " must be more than 0 and at most 1, such as 1/3 or 0.5: '" + text + "'");
    }
    return share;
  }

  private static Duration duration(String path, String text, Duration min, Duration max) {
    Duration duration = check(path, () -> Durations.parse(path, text.trim()));
    if (duration.compareTo(min) < 0 || duration.compareTo(max) > 0) {
      throw invalid(
          path,
          path
              + " must be between "
              + Durations.format(min)
              + " and "
              + Durations.format(max)
              + ": "
              + text);
    }
    return duration;
  }

  private static <E extends Enum<E>> E option(String path, String text, Class<E> type) {
    StringBuilder names = new StringBuilder();
    for (E value : type.getEnumConstants()) {
      String name = value.name().toLowerCase(Locale.ROOT).replace('_', '-');
      if (name.equals(text.trim().toLowerCase(Locale.ROOT))) {
        return value;
      }
      names.append(names.length() == 0 ? "" : ", ").append(name);
    }
    throw invalid(path, path + " must be one of " + names + ": '" + text + "'");
  }

  private static Settings.Http http(
      SluiceProperties.HttpProperties http,
      PolicyRegistry policies,
      String forwardHeadersStrategy) {
    int trusted = http.getTrustedProxies();
    check(
        "sluice.http.trusted-proxies",
        () -> ClientAddress.checkTrustedProxies("sluice.http.trusted-proxies", trusted));
    boolean forwardedByServer =
        forwardHeadersStrategy != null && !forwardHeadersStrategy.trim().equalsIgnoreCase("none");
    if (forwardedByServer && trusted > 0) {
      throw invalid(
          "sluice.http.trusted-proxies",
          "sluice.http.trusted-proxies must be 0 when server.forward-headers-strategy is "
              + forwardHeadersStrategy.trim()
              + ": the server already resolves the client address from the forwarded headers: "
              + trusted);
    }
    HeaderStyle headers =
        check(
            "sluice.http.headers",
            () -> HeaderStyle.parse("sluice.http.headers", http.getHeaders()));
    UnresolvedKey unresolvedKey =
        check(
            "sluice.http.unresolved-key",
            () -> UnresolvedKey.parse("sluice.http.unresolved-key", http.getUnresolvedKey()));
    List<Settings.Rule> rules = new ArrayList<>();
    for (int i = 0; i < http.getRules().size(); i++) {
      RuleProperties rule = http.getRules().get(i);
      String path = "sluice.http.rules[" + i + "]";
      RequestMatcher matcher =
          check(path + ".path", () -> RequestMatcher.of(path, rule.getPath(), rule.getMethods()));
      KeySpec key = rule.getKey() == null ? null : KeySpec.parse(path + ".key", rule.getKey());
      long cost = cost(path, rule.getPolicy(), rule.getCost(), policies);
      rules.add(new Settings.Rule(matcher, key, rule.getPolicy(), cost));
    }
    return new Settings.Http(
        http.isEnabled(),
        List.copyOf(rules),
        trusted,
        forwardedByServer,
        headers,
        unresolvedKey,
        http.getFilterOrder());
  }

  private static Map<String, Settings.Route> routes(
      SluiceProperties.GatewayProperties gateway, PolicyRegistry policies) {
    Map<String, Settings.Route> routes = new LinkedHashMap<>();
    gateway
        .getRoutes()
        .forEach(
            (id, route) -> {
              String path = "sluice.gateway.routes." + id;
              Policy named =
                  policies.get(route.getPolicy() != null ? route.getPolicy() : Policy.DEFAULT);
              if (named != null && named.holdsPermits()) {
                throw invalid(
                    path + ".policy",
                    path
                        + ".policy must not have a concurrency limit: the gateway's"
                        + " RequestRateLimiter has no end of request to release a permit at: '"
                        + named.name()
                        + "'");
              }
              routes.put(
                  id,
                  new Settings.Route(
                      route.getPolicy(), cost(path, route.getPolicy(), route.getCost(), policies)));
            });
    return Map.copyOf(routes);
  }

  /** Checks that a rule's or route's policy exists and that its cost fits it. */
  private static long cost(String path, String policy, Long cost, PolicyRegistry policies) {
    Policy named = policies.get(policy != null ? policy : Policy.DEFAULT);
    if (named == null && policy != null) {
      throw invalid(
          path + ".policy",
          path
              + ".policy must name a policy, one of "
              + new TreeSet<>(policies.policies().keySet())
              + ": '"
              + policy
              + "'");
    }
    long value = cost == null ? 1 : cost;
    long max = named == null ? Limit.MAX_CAPACITY : named.maxCost();
    if (value < 1 || value > max) {
      throw invalid(
          path + ".cost",
          path
              + ".cost must be between 1 and "
              + max
              + (named == null ? "" : ", the smallest capacity of policy " + named.name())
              + ": "
              + value);
    }
    return value;
  }

  /** Runs a validation whose message already names {@code path}, or names its parameter. */
  private static <T> T check(String path, Supplier<T> check) {
    try {
      return check.get();
    } catch (InvalidPropertyException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      String message = String.valueOf(e.getMessage());
      throw invalid(path, message.startsWith(path) ? message : path + ": " + message);
    }
  }

  /** Runs a core validation whose message names {@code param}, renamed to {@code path}. */
  private static <T> T check(String path, Supplier<T> check, String param) {
    try {
      return check.get();
    } catch (IllegalArgumentException e) {
      throw invalid(path, Validation.renamed(e, param, path));
    }
  }

  private static InvalidPropertyException invalid(String property, String message) {
    return new InvalidPropertyException(property, message);
  }
}

package dev.sluice.spring;

import static dev.sluice.spring.PropertyChecks.MAX_TIMEOUT;
import static dev.sluice.spring.PropertyChecks.MIN_TIMEOUT;
import static dev.sluice.spring.PropertyChecks.duration;
import static dev.sluice.spring.PropertyChecks.invalid;
import static dev.sluice.spring.PropertyChecks.option;

import dev.sluice.InMemoryBackend;
import dev.sluice.ResilientBackend;
import dev.sluice.redis.RedisBackend;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads {@code sluice.store.*}: the memory store and its key bound, or the Redis store with its
 * URI, mode, deadline, failure answer, instance share, circuit breaker, deny cache and lease
 * fraction; a Redis-only key set for the memory store is an error.
 */
final class StoreReader {

  private static final long MAX_MAX_KEYS = 1L << 31;
  private static final int MAX_INSTANCES = 10_000;
  private static final String[] URI_SCHEMES = {"redis://", "rediss://", "redis-sentinel://"};

  private StoreReader() {}

  /**
   * Validates the store section.
   *
   * @param store the bound section
   * @return the store settings
   * @throws InvalidPropertyException for the first invalid property
   */
  static Settings.Store read(StoreProperties store) {
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
    CircuitBreakerProperties breaker = store.getCircuitBreaker();
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
              + RedisBackend.redacted(uri)
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
}

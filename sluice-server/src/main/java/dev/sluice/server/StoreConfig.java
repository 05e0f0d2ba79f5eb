package dev.sluice.server;

import dev.sluice.Durations;
import dev.sluice.InMemoryBackend;
import dev.sluice.ResilientBackend;
import dev.sluice.redis.RedisBackend;
import java.time.Duration;
import java.util.Locale;

/**
 * Where the server keeps its buckets: the {@code store} section of the configuration, validated.
 *
 * @param type memory or redis
 * @param uri the Redis URI (for a cluster, comma-separated seed URIs); {@code null} for memory
 * @param cluster whether {@code uri} names Redis Cluster seeds
 * @param mode how Redis decides: one Lua script or a WATCH/MULTI/EXEC transaction
 * @param timeout the deadline of every Redis call
 * @param resilience what answers when Redis cannot, and when to stop asking it; {@code null} for
 *     memory
 * @param leaseFraction for hybrid policies, the largest lease as a fraction of a bucket's capacity
 * @param maxKeys the most keys kept in this process's memory: the memory store's, or the local
 *     fallback's of a Redis store
 */
record StoreConfig(
    Type type,
    String uri,
    boolean cluster,
    Mode mode,
    Duration timeout,
    Resilience resilience,
    double leaseFraction,
    long maxKeys) {

  /** The default largest lease of a hybrid policy: 5% of the capacity. */
  static final double DEFAULT_LEASE_FRACTION = 0.05;

  /** The in-memory store: buckets in this process only. */
  static final StoreConfig MEMORY =
      new StoreConfig(
          Type.MEMORY,
          null,
          false,
          null,
          null,
          null,
          DEFAULT_LEASE_FRACTION,
          InMemoryBackend.DEFAULT_MAX_KEYS);

  /** The most keys {@code max-keys} may keep. */
  static final long MAX_MAX_KEYS = 1L << 31;

  /** The most instances {@code instances} may name. */
  static final int MAX_INSTANCES = 10_000;

  /** The default deadline of a Redis call. */
  static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(50);

  static final Duration MIN_TIMEOUT = Duration.ofMillis(1);
  static final Duration MAX_TIMEOUT = Duration.ofSeconds(60);

  private static final String[] URI_SCHEMES = {"redis://", "rediss://", "redis-sentinel://"};

  /**
   * The failure handling of a Redis store (see {@link dev.sluice.ResilientBackend}).
   *
   * @param onFailure what answers when Redis fails or is judged away (the circuit is open)
   * @param localShare the share of each limit the local fallback grants this instance, or {@code
   *     NaN} for 1 / {@code instances}
   * @param instances how many instances share the store, or {@link #AUTO} for the fleet that Redis
   *     last counted
   * @param failures failures in a row that open the circuit breaker
   * @param openAfter how long apart the first and the last of them must have started
   * @param backoff how long the breaker stays open at first
   * @param maxBackoff the longest it stays open
   * @param denyCache whether denials are repeated locally until their retry time
   */
  record Resilience(
      ResilientBackend.OnFailure onFailure,
      double localShare,
      int instances,
      int failures,
      Duration openAfter,
      Duration backoff,
      Duration maxBackoff,
      boolean denyCache) {

    /** {@code instances: auto}: the fleet's size as Redis last counted it. */
    static final int AUTO = 0;

    /**
     * The local fallback at 1 / the counted fleet of each limit, the breaker after 5 failures over
     * 500 ms, open for 250 ms up to 1 s, the deny cache on.
     */
    static final Resilience DEFAULTS =
        new Resilience(
            ResilientBackend.OnFailure.LOCAL,
            Double.NaN,
            AUTO,
            5,
            Duration.ofMillis(500),
            Duration.ofMillis(250),
            Duration.ofSeconds(1),
            true);
  }

  /** The kinds of store. */
  enum Type {
    MEMORY,
    REDIS
  }

  /** How the Redis store makes a decision atomically. */
  enum Mode {
    /** One EVALSHA of a script: one round trip. */
    LUA,
    /** WATCH/MULTI/EXEC with bounded retries, for deployments that forbid scripts. */
    TRANSACTION
  }

  /**
   * A Redis store with the default mode and timeout.
   *
   * @param param the name of the setting, for the error message
   * @param uri the URI
   * @return the store
   * @throws IllegalArgumentException if the URI is invalid
   */
  static StoreConfig redis(String param, String uri) {
    return new StoreConfig(
        Type.REDIS,
        checkUri(param, uri),
        false,
        Mode.LUA,
        DEFAULT_TIMEOUT,
        Resilience.DEFAULTS,
        DEFAULT_LEASE_FRACTION,
        InMemoryBackend.DEFAULT_MAX_KEYS);
  }

  /**
   * This store with another Redis URI, keeping mode and timeout if this is a Redis store already
   * (the {@code --redis} and {@code --redis-cluster} options).
   */
  StoreConfig withRedisUri(String param, String newUri, boolean newCluster) {
    StoreConfig redis = redis(param, newUri);
    return type == Type.REDIS
        ? new StoreConfig(
            Type.REDIS, redis.uri, newCluster, mode, timeout, resilience, leaseFraction, maxKeys)
        : new StoreConfig(
            Type.REDIS,
            redis.uri,
            newCluster,
            redis.mode,
            redis.timeout,
            redis.resilience,
            leaseFraction,
            maxKeys);
  }

  /**
   * Checks a Redis URI: a known scheme and something after it, no whitespace.
   *
   * @throws IllegalArgumentException if it is not
   */
  static String checkUri(String param, String uri) {
    for (String scheme : URI_SCHEMES) {
      if (uri.startsWith(scheme)
          && uri.length() > scheme.length()
          && uri.chars().noneMatch(Character::isWhitespace)) {
        return uri;
      }
    }
    throw new IllegalArgumentException(
        param
            + " must start with redis://, rediss:// or redis-sentinel:// and have no spaces: '"
            + uri
            + "'");
  }

  /**
   * Parses a Redis call deadline.
   *
   * @throws IllegalArgumentException if not a duration from 1ms to 60s
   */
  static Duration parseTimeout(String param, String text) {
    Duration timeout = Durations.parse(param, text);
    if (timeout.compareTo(MIN_TIMEOUT) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0) {
      throw new IllegalArgumentException(
          param
              + " must be between "
              + Durations.format(MIN_TIMEOUT)
              + " and "
              + Durations.format(MAX_TIMEOUT)
              + ": "
              + Durations.format(timeout));
    }
    return timeout;
  }

  /** Parses one of an enum's values by its lower-case, hyphenated name. */
  static <E extends Enum<E>> E parseEnum(String param, String text, Class<E> type) {
    StringBuilder names = new StringBuilder();
    for (E value : type.getEnumConstants()) {
      String name = name(value);
      if (name.equals(text.trim().toLowerCase(Locale.ROOT))) {
        return value;
      }
      names.append(names.length() == 0 ? "" : ", ").append(name);
    }
    throw new IllegalArgumentException(param + " must be one of " + names + ": '" + text + "'");
  }

  /** The configuration name of an enum value, such as {@code memory} or {@code transaction}. */
  static String name(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  /**
   * A short description for logs, such as {@code memory} or {@code redis redis://h:6379 (lua,
   * timeout 50ms)}.
   */
  String describe() {
    return type == Type.MEMORY
        ? "memory"
        : "redis "
            + (cluster ? "cluster " : "")
            + RedisBackend.redacted(uri)
            + " ("
            + name(mode)
            + ", timeout "
            + Durations.format(timeout)
            + ", on failure "
            + name(resilience.onFailure())
            + ")";
  }
}

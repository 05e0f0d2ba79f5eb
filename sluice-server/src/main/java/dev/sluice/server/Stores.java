package dev.sluice.server;

import dev.sluice.Backend;
import dev.sluice.InMemoryBackend;
import dev.sluice.Policy;
import dev.sluice.ResilientBackend;
import dev.sluice.redis.Fleet;
import dev.sluice.redis.HybridBackend;
import dev.sluice.redis.RedisBackend;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Creates the {@link Backend} that a {@link StoreConfig} describes: the one place where store types
 * plug into the server.
 */
final class Stores {

  private Stores() {}

  /**
   * An opened store: its backend and, for a Redis store whose {@code instances} is {@code auto},
   * this instance's membership of the fleet Redis counts.
   *
   * @param backend the backend, to be closed by the caller after the fleet
   * @param fleet the fleet, or {@code null}
   */
  record Opened(Backend backend, Fleet fleet) {}

  /**
   * The backend of a store. A Redis store in Lua mode is wrapped in a {@link HybridBackend} that
   * leases the tokens of the policies {@code hybrid} accepts (asked at each request, so that a
   * reload can change them) and passes every other policy through unchanged.
   *
   * @param store the store configuration
   * @param hybrid which policies lease their tokens in batches
   * @return the opened store
   * @throws dev.sluice.BackendException if Redis cannot be reached
   */
  static Opened open(StoreConfig store, Predicate<Policy> hybrid) {
    if (store.type() == StoreConfig.Type.MEMORY) {
      return new Opened(InMemoryBackend.builder().maxKeys(store.maxKeys()).build(), null);
    }
    RedisBackend redis =
        RedisBackend.builder()
            .uri(store.uri())
            .cluster(store.cluster())
            .mode(
                store.mode() == StoreConfig.Mode.LUA
                    ? RedisBackend.Mode.LUA
                    : RedisBackend.Mode.TRANSACTION)
            // The resilient layer owns the deadline and gives a late call a second one: Redis's own
            // timeout is only a safety net behind both.
            .timeout(min(store.timeout().multipliedBy(2), StoreConfig.MAX_TIMEOUT))
            .build();
    Fleet fleet;
    try {
      fleet =
          store.resilience().instances() == StoreConfig.Resilience.AUTO ? Fleet.join(redis) : null;
    } catch (RuntimeException e) {
      redis.close();
      throw e;
    }
    if (store.mode() == StoreConfig.Mode.TRANSACTION) {
      return new Opened(redis, fleet);
    }
    return new Opened(
        HybridBackend.builder(redis)
            .policies(hybrid)
            .maxLeaseFraction(store.leaseFraction())
            .build(),
        fleet);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /**
   * The names of the policies that lease their tokens, and checks that the store can lease.
   *
   * @param config the configuration
   * @return the names
   * @throws IllegalArgumentException if a policy is hybrid on a Redis store in transaction mode
   */
  static Set<String> hybridPolicies(ServerConfig config) {
    Set<String> names = new HashSet<>();
    config
        .storeOptions()
        .forEach(
            (policy, options) -> {
              if (options.hybrid()) {
                names.add(policy);
              }
            });
    if (!names.isEmpty() && config.store().mode() == StoreConfig.Mode.TRANSACTION) {
      throw new IllegalArgumentException(
          "policies."
              + new TreeSet<>(names).first()
              + ".hybrid needs store.mode lua: leases are taken by a script");
    }
    return Set.copyOf(names);
  }

  /**
   * Puts a Redis store behind its deadline, failure policy, circuit breaker and deny cache.
   *
   * @param store the store, instrumented as the caller likes
   * @param fleet the fleet Redis counts, or {@code null} when {@code instances} is a number
   * @param config the configuration: the store's resilience and the per-policy overrides
   * @return the protected backend
   */
  static ResilientBackend protect(Backend store, Fleet fleet, ServerConfig config) {
    StoreConfig.Resilience resilience = config.store().resilience();
    ResilientBackend.Builder builder =
        ResilientBackend.builder(store)
            .timeout(config.store().timeout())
            .onFailure(resilience.onFailure())
            .localMaxKeys(config.store().maxKeys())
            .circuitBreaker(
                resilience.failures(),
                resilience.openAfter(),
                resilience.backoff(),
                resilience.maxBackoff())
            .denyCache(resilience.denyCache());
    if (fleet != null) {
      builder.instances(fleet);
    } else {
      builder.instances(resilience.instances());
    }
    if (!Double.isNaN(resilience.localShare())) {
      builder.localShare(resilience.localShare());
    }
    ResilientBackend backend = builder.build();
    applyOverrides(backend, config);
    return backend;
  }

  /** Applies the per-policy answers and deadlines of {@code config}. */
  static void applyOverrides(ResilientBackend backend, ServerConfig config) {
    Map<String, ResilientBackend.OnFailure> answers = new HashMap<>();
    Map<String, Duration> deadlines = new HashMap<>();
    config
        .storeOptions()
        .forEach(
            (policy, failover) -> {
              if (failover.onFailure() != null) {
                answers.put(policy, failover.onFailure());
              }
              if (failover.timeout() != null) {
                deadlines.put(policy, failover.timeout());
              }
            });
    backend.setPolicyOverrides(answers, deadlines);
  }
}

package dev.sluice.server;

import dev.sluice.Backend;
import dev.sluice.InMemoryBackend;
import dev.sluice.ResilientBackend;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import dev.sluice.redis.RedisBackend;

/**
 * Creates the {@link Backend} that a {@link StoreConfig} describes: the one place where store types
 * plug into the server.
 */
final class Stores {

  private Stores() {}

  /**
   * The backend of a store.
   *
   * @param store the store configuration
   * @return a new backend, to be closed by the caller
   * @throws dev.sluice.StoreException if Redis cannot be reached
   */
  static Backend create(StoreConfig store) {
    return switch (store.type()) {
      case MEMORY -> InMemoryBackend.create();
      case REDIS -> RedisBackend.builder()
          .uri(store.uri())
          .cluster(store.cluster())
          .mode(store.mode() == StoreConfig.Mode.LUA ? RedisBackend.Mode.LUA : RedisBackend.Mode.TRANSACTION)
          .timeout(store.timeout())
          .build();
    };
  }

  /**
   * Puts a Redis store behind its deadline, failure policy, circuit breaker and deny cache.
   *
   * @param store the store, instrumented as the caller likes
   * @param config the configuration: the store's resilience and the per-policy overrides
   * @return the protected backend
   */
  static ResilientBackend protect(Backend store, ServerConfig config) {
    StoreConfig.Resilience resilience = config.store().resilience();
    ResilientBackend backend = ResilientBackend.builder(store)
        .timeout(config.store().timeout())
        .onFailure(resilience.onFailure())
        .localShare(resilience.localShare())
        .circuitBreaker(resilience.failures(), resilience.backoff(), resilience.maxBackoff())
        .denyCache(resilience.denyCache())
        .build();
    applyOverrides(backend, config);
    return backend;
  }

  /** Applies the per-policy answers and deadlines of {@code config}. */
  static void applyOverrides(ResilientBackend backend, ServerConfig config) {
    Map<String, ResilientBackend.OnFailure> answers = new HashMap<>();
    Map<String, Duration> deadlines = new HashMap<>();
    config.failover().forEach((policy, failover) -> {
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

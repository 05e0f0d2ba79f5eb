package dev.sluice.server;

import dev.sluice.Backend;
import dev.sluice.InMemoryBackend;
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
}

package dev.sluice.server;

import dev.sluice.Backend;
import dev.sluice.InMemoryBackend;

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
   * @throws IllegalArgumentException if this build cannot provide the store
   */
  static Backend create(StoreConfig store) {
    return switch (store.type()) {
      case MEMORY -> InMemoryBackend.create();
      case REDIS -> throw new IllegalArgumentException(
          "store.type redis: the Redis store is not available in this build of sluice yet;"
              + " use store type memory (buckets in this process only)");
    };
  }
}

package dev.sluice.spring;

import dev.sluice.Acquire;
import dev.sluice.Backend;
import dev.sluice.Decision;
import dev.sluice.InMemoryBackend;
import dev.sluice.Policy;
import dev.sluice.ResilientBackend;
import dev.sluice.redis.Fleet;
import dev.sluice.redis.HybridBackend;
import dev.sluice.redis.RedisBackend;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The backend the starter builds from {@code sluice.store}: the in-memory backend, or Redis behind
 * its deadline, failure policy, circuit breaker and deny cache (with the fleet count and hybrid
 * leases), as {@code sluice serve} builds it. Closing it leaves the fleet before closing Redis.
 */
final class SluiceStore implements Backend {

  private final Backend backend;
  private final ResilientBackend resilient;
  private final Fleet fleet;
  private final String description;

  private SluiceStore(
      Backend backend, ResilientBackend resilient, Fleet fleet, String description) {
    this.backend = backend;
    this.resilient = resilient;
    this.fleet = fleet;
    this.description = description;
  }

  /**
   * Opens the store the settings describe.
   *
   * @throws dev.sluice.BackendException if Redis cannot be reached
   */
  static SluiceStore open(Settings settings) {
    Settings.Store store = settings.store();
    if (!store.redis()) {
      return new SluiceStore(
          InMemoryBackend.builder().maxKeys(store.maxKeys()).build(), null, null, "memory");
    }
    RedisBackend redis =
        RedisBackend.builder()
            .uri(store.uri())
            .cluster(store.cluster())
            .mode(store.transaction() ? RedisBackend.Mode.TRANSACTION : RedisBackend.Mode.LUA)
            .timeout(store.timeout())
            .build();
    Fleet fleet = null;
    try {
      fleet = store.instances() == 0 ? Fleet.join(redis) : null;
      Backend decided =
          store.transaction()
              ? redis
              : HybridBackend.builder(redis)
                  .policies(policy -> settings.hybrid().contains(policy.name()))
                  .maxLeaseFraction(store.leaseFraction())
                  .build();
      ResilientBackend.Builder builder =
          ResilientBackend.builder(decided)
              .timeout(store.timeout())
              .onFailure(store.onFailure())
              .localMaxKeys(store.maxKeys())
              .circuitBreaker(
                  store.failures(), store.openAfter(), store.backoff(), store.maxBackoff())
              .denyCache(store.denyCache());
      if (fleet != null) {
        builder.instances(fleet);
      } else {
        builder.instances(store.instances());
      }
      if (!Double.isNaN(store.localShare())) {
        builder.localShare(store.localShare());
      }
      settings.onFailures().forEach(builder::onFailure);
      settings.timeouts().forEach(builder::timeout);
      ResilientBackend resilient = builder.build();
      return new SluiceStore(resilient, resilient, fleet, store.describe());
    } catch (RuntimeException e) {
      if (fleet != null) {
        fleet.close();
      }
      redis.close();
      throw e;
    }
  }

  /** The failure handling in front of Redis, or {@code null} for the memory store. */
  ResilientBackend resilient() {
    return resilient;
  }

  /** Such as {@code memory} or {@code redis redis://host:6379}, without credentials. */
  String describe() {
    return description;
  }

  @Override
  public Decision tryAcquire(Policy policy, String key, long cost) {
    return backend.tryAcquire(policy, key, cost);
  }

  @Override
  public CompletionStage<Decision> tryAcquireAsync(Policy policy, String key, long cost) {
    return backend.tryAcquireAsync(policy, key, cost);
  }

  @Override
  public Decision peek(Policy policy, String key) {
    return backend.peek(policy, key);
  }

  @Override
  public CompletionStage<List<Decision>> tryAcquireAllAsync(List<Acquire> requests) {
    return backend.tryAcquireAllAsync(requests);
  }

  @Override
  public CompletionStage<Decision> peekAsync(Policy policy, String key) {
    return backend.peekAsync(policy, key);
  }

  @Override
  public void reset(Policy policy, String key) {
    backend.reset(policy, key);
  }

  @Override
  public CompletionStage<Decision> refundAsync(Policy policy, String key, long cost) {
    return backend.refundAsync(policy, key, cost);
  }

  @Override
  public CompletionStage<Void> releaseAsync(Policy policy, String key, String permit) {
    return backend.releaseAsync(policy, key, permit);
  }

  @Override
  public CompletionStage<Void> resetAsync(Policy policy, String key) {
    return backend.resetAsync(policy, key);
  }

  @Override
  public void close() {
    try {
      if (fleet != null) {
        fleet.close();
      }
    } finally {
      backend.close();
    }
  }
}

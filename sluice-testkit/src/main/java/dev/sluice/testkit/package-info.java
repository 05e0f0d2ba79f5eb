/**
 * Test fixtures that run real {@code redis-server} processes on free 127.0.0.1 ports, with fault
 * injection.
 *
 * <p>Fixtures: {@link dev.sluice.testkit.RedisNode} (one server), {@link
 * dev.sluice.testkit.RedisReplicaPair} (primary + replica), {@link dev.sluice.testkit.RedisCluster}
 * (3 primaries x 1 replica) and {@link dev.sluice.testkit.RedisSentinel} (primary + replica + 3
 * Sentinels), all {@link java.lang.AutoCloseable}; {@link dev.sluice.testkit.RedisExtension}
 * manages them for JUnit 5 test classes or methods. The binary comes from {@code
 * SLUICE_REDIS_SERVER}, the {@code PATH}, or the embedded-redis jar ({@link
 * dev.sluice.testkit.RedisBinary}).
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisExtension<RedisCluster> redis = RedisExtension.cluster();
 *
 * @Test
 * void survivesFailover() {
 *     RedisNode owner = redis.get().primaryForKey("bucket:{tenant-1}");
 *     owner.kill();
 *     // CLUSTER FAILOVER FORCE on its replica, then waits for cluster_state:ok
 *     redis.get().failover(owner);
 *     // ... the store under test must recover; the extension then replaces the faulted cluster
 * }
 * }</pre>
 */
package dev.sluice.testkit;

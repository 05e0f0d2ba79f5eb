package dev.sluice.testkit;

/**
 * One slot range of a {@link RedisCluster} with its current primary and replica.
 *
 * <p>Design: the range never changes; the two nodes swap roles when the fixture fails the shard
 * over ({@link RedisCluster#failover(RedisNode, boolean)}), which is the only writer.
 */
final class ClusterShard {

  final int firstSlot;
  final int lastSlot;
  volatile RedisNode primary;
  volatile RedisNode replica;

  ClusterShard(int firstSlot, int lastSlot, RedisNode primary, RedisNode replica) {
    this.firstSlot = firstSlot;
    this.lastSlot = lastSlot;
    this.primary = primary;
    this.replica = replica;
  }
}

package dev.sluice.testkit;

import dev.sluice.testkit.ClusterView.NodeLine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Redis Cluster of 3 primaries with 1 replica each (6 {@link RedisNode} processes), formed
 * without {@code redis-cli}.
 *
 * <p>Formation: every node gets a distinct config epoch; the primaries take slots 0-5460,
 * 5461-10922 and 10923-16383 ({@code CLUSTER ADDSLOTSRANGE} on Redis 7+, {@code CLUSTER ADDSLOTS}
 * before); every node {@code CLUSTER MEET}s the others; once every node knows all six, each replica
 * gets {@code CLUSTER REPLICATE}. {@link #start()} returns when every node reports {@code
 * cluster_state:ok}, agrees on who replicates whom, and every replica has its link up. The cluster
 * node timeout is {@value #NODE_TIMEOUT_MILLIS} ms, so a primary that is killed or paused for
 * longer than that is failed over by the cluster itself a few seconds later.
 *
 * <p>{@link #primaries()} and {@link #replicas()} reflect the roles as this fixture last set or
 * observed them (after {@link #failover(RedisNode)} the promoted replica is a primary). {@link
 * #primaryForSlot(int)} asks the cluster itself.
 *
 * <pre>{@code
 * try (RedisCluster cluster = RedisCluster.start()) {
 *     RedisNode owner = cluster.primaryForKey("user:42");
 *     owner.command("SET", "user:42", "x");
 *     cluster.failover(owner);   // its replica is now the primary for that slot
 * }
 * }</pre>
 */
public final class RedisCluster implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RedisCluster.class);

  /** The {@code cluster-node-timeout} of every node, in milliseconds. */
  public static final int NODE_TIMEOUT_MILLIS = 2000;

  /** Number of hash slots in Redis Cluster. */
  public static final int SLOTS = SlotHash.SLOTS;

  private static final int SHARDS = 3;

  /** The classic layout of redis-cli for three primaries. */
  private static final int[][] SLOT_RANGES = {{0, 5460}, {5461, 10922}, {10923, 16383}};

  private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(15);

  /**
   * How long a {@code CLUSTER FAILOVER [FORCE]} may take before {@code TAKEOVER} is used. It
   * normally wins in well under a second; it cannot win when the primaries refuse their vote, e.g.
   * for a second failover of the same slots within 2 x node timeout.
   */
  private static final Duration TAKEOVER_AFTER = Duration.ofSeconds(3);

  private final List<ClusterShard> shards;
  private final List<RedisNode> allNodes;

  private volatile boolean failedOver;

  private RedisCluster(List<ClusterShard> shards, List<RedisNode> allNodes) {
    this.shards = shards;
    this.allNodes = allNodes;
  }

  /**
   * Starts six cluster-enabled nodes, forms the cluster and waits until it is healthy.
   *
   * @return the running cluster
   * @throws IllegalStateException if a node does not start or the cluster does not converge within
   *     20 s (the message says which step and includes the nodes' views and log tails)
   */
  public static RedisCluster start() {
    return start(RedisBinary.get());
  }

  /** Starts a cluster with a given binary (tests of the embedded fallback use this). */
  static RedisCluster start(RedisBinary binary) {
    long t0 = System.nanoTime();
    List<RedisNode> nodes = new ArrayList<>();
    try {
      List<String> config =
          List.of(
              "cluster-enabled yes",
              "cluster-config-file nodes.conf",
              "cluster-node-timeout " + NODE_TIMEOUT_MILLIS,
              // a replica may always take over, however long it was cut off (tests pause nodes)
              "cluster-replica-validity-factor 0");
      for (int i = 0; i < 2 * SHARDS; i++) {
        nodes.add(RedisNode.start(binary, config, true));
      }
      List<ClusterShard> shards = new ArrayList<>();
      for (int i = 0; i < SHARDS; i++) {
        shards.add(
            new ClusterShard(
                SLOT_RANGES[i][0], SLOT_RANGES[i][1], nodes.get(i), nodes.get(SHARDS + i)));
      }
      RedisCluster cluster = new RedisCluster(shards, List.copyOf(nodes));
      LOG.debug("6 cluster nodes started in {} ms", (System.nanoTime() - t0) / 1_000_000);
      // CLUSTER ADDSLOTSRANGE exists from Redis 7 on
      ClusterFormation.form(shards, cluster.allNodes, binary.majorVersion() >= 7, t0);
      LOG.info("Redis cluster formed in {} ms: {}", (System.nanoTime() - t0) / 1_000_000, cluster);
      return cluster;
    } catch (RuntimeException | Error e) {
      Nodes.closeAfter(e, nodes);
      throw e;
    }
  }

  /**
   * Returns the current primaries, in slot order (the first owns slot 0).
   *
   * @return three nodes
   */
  public List<RedisNode> primaries() {
    return shards.stream().map(s -> s.primary).collect(Collectors.toUnmodifiableList());
  }

  /**
   * Returns the current replicas, in the order of their primaries in {@link #primaries()}.
   *
   * @return three nodes
   */
  public List<RedisNode> replicas() {
    return shards.stream().map(s -> s.replica).collect(Collectors.toUnmodifiableList());
  }

  /**
   * Returns all six nodes in a fixed order (the original primaries, then the original replicas).
   *
   * @return six nodes
   */
  public List<RedisNode> nodes() {
    return allNodes;
  }

  /**
   * Returns the replica of a primary.
   *
   * @param primary one of {@link #primaries()}
   * @return its replica
   * @throws IllegalArgumentException if {@code primary} is not a current primary of this cluster
   */
  public RedisNode replicaOf(RedisNode primary) {
    return shardOf(primary).replica;
  }

  /**
   * Returns the URIs of all six nodes, usable as seeds for a cluster client (e.g. Lettuce's {@code
   * RedisClusterClient.create(List<RedisURI>)}).
   *
   * @return {@code redis://127.0.0.1:PORT} for each node
   */
  public List<String> uris() {
    return allNodes.stream().map(RedisNode::uri).collect(Collectors.toUnmodifiableList());
  }

  /**
   * Fails a primary over to its replica, choosing the mode from the primary's state: a coordinated
   * {@code CLUSTER FAILOVER} if the primary is running and not paused, {@code CLUSTER FAILOVER
   * FORCE} if it is killed or paused.
   *
   * @param primary one of {@link #primaries()}
   * @return the promoted node (now a primary)
   * @see #failover(RedisNode, boolean)
   */
  public RedisNode failover(RedisNode primary) {
    return failover(primary, !primary.isRunning() || primary.isPaused());
  }

  /**
   * Fails a primary over to its replica: sends {@code CLUSTER FAILOVER} (or {@code CLUSTER FAILOVER
   * FORCE}) to the replica, falling back to {@code CLUSTER FAILOVER TAKEOVER} if it has not won
   * within 3 s (e.g. when the same slots failed over less than 2 x node timeout ago and the
   * primaries refuse their vote), and waits until the replica reports {@code role:master} and every
   * running, unpaused node reports {@code cluster_state:ok} with the promoted node owning the
   * slots. If the cluster already failed over by itself (e.g. the primary was killed more than a
   * node timeout ago), only the waiting is done. Afterwards {@link #primaries()} lists the promoted
   * node and {@link #replicas()} the former primary (which becomes its replica once it runs again).
   *
   * @param primary one of {@link #primaries()}
   * @param force use {@code FORCE} (needed when the primary is unreachable)
   * @return the promoted node
   * @throws IllegalStateException if the replica is not running or paused, or the failover does not
   *     complete within 15 s
   */
  public synchronized RedisNode failover(RedisNode primary, boolean force) {
    ClusterShard shard = shardOf(primary);
    RedisNode promoted = shard.replica;
    if (!promoted.isRunning() || promoted.isPaused()) {
      throw new IllegalStateException(
          "cannot fail over to " + promoted + ": it is not running or paused");
    }
    failedOver = true;
    long t0 = System.nanoTime();
    if (!"master".equals(role(promoted))) {
      promoted.command(
          force
              ? new String[] {"CLUSTER", "FAILOVER", "FORCE"}
              : new String[] {"CLUSTER", "FAILOVER"});
      try {
        Poll.until(
            TAKEOVER_AFTER,
            promoted + " to win the failover",
            () -> "master".equals(role(promoted)));
      } catch (IllegalStateException notYet) {
        LOG.warn(
            "CLUSTER FAILOVER{} did not promote {} within {} ms, using TAKEOVER",
            force ? " FORCE" : "",
            promoted,
            TAKEOVER_AFTER.toMillis());
        promoted.command("CLUSTER", "FAILOVER", "TAKEOVER");
      }
    }
    String promotedId = nodeId(promoted);
    Poll.until(
        FAILOVER_TIMEOUT,
        promoted
            + " to become primary of slots "
            + shard.firstSlot
            + "-"
            + shard.lastSlot
            + " in every live node's view",
        () -> {
          if (!"master".equals(role(promoted))) {
            return false;
          }
          for (RedisNode node : allNodes) {
            if (!node.isRunning() || node.isPaused()) {
              continue;
            }
            if (!"ok".equals(ClusterView.info(node).get("cluster_state"))) {
              return false;
            }
            NodeLine view = ClusterView.nodes(node).get(promotedId);
            if (view == null || !view.isMaster() || !view.ownsSlot(shard.firstSlot)) {
              return false;
            }
          }
          return true;
        },
        this::diagnostics);
    shard.replica = shard.primary;
    shard.primary = promoted;
    LOG.info(
        "Failed over slots {}-{} to {} in {} ms",
        shard.firstSlot,
        shard.lastSlot,
        promoted,
        (System.nanoTime() - t0) / 1_000_000);
    return promoted;
  }

  /**
   * Returns the node the cluster currently considers primary for a hash slot, asking the first
   * responsive node ({@code CLUSTER SLOTS}); falls back to this fixture's bookkeeping if no node
   * answers.
   *
   * @param slot a slot in 0..16383
   * @return the owning primary
   */
  public RedisNode primaryForSlot(int slot) {
    if (slot < 0 || slot >= SLOTS) {
      throw new IllegalArgumentException("slot out of range: " + slot);
    }
    Map<Integer, RedisNode> byPort = new HashMap<>();
    allNodes.forEach(n -> byPort.put(n.port(), n));
    List<RedisNode> askOrder = new ArrayList<>(primaries());
    askOrder.addAll(replicas());
    for (RedisNode node : askOrder) {
      if (!node.isRunning() || node.isPaused()) {
        continue;
      }
      try {
        List<?> ranges = (List<?>) node.command(ClusterView.QUICK, "CLUSTER", "SLOTS");
        for (Object r : ranges) {
          List<?> range = (List<?>) r;
          long first = (Long) range.get(0);
          long last = (Long) range.get(1);
          if (slot >= first && slot <= last) {
            List<?> master = (List<?>) range.get(2);
            RedisNode owner = byPort.get(((Long) master.get(1)).intValue());
            if (owner != null) {
              return owner;
            }
          }
        }
      } catch (RuntimeException e) {
        LOG.debug("CLUSTER SLOTS on {} failed", node, e);
      }
    }
    for (ClusterShard shard : shards) {
      if (slot >= shard.firstSlot && slot <= shard.lastSlot) {
        return shard.primary;
      }
    }
    throw new IllegalStateException("no owner for slot " + slot);
  }

  /**
   * Returns the node the cluster currently considers primary for a key.
   *
   * @param key a key (hash tags {@code {...}} are honoured)
   * @return the owning primary
   */
  public RedisNode primaryForKey(String key) {
    return primaryForSlot(slot(key));
  }

  /**
   * Computes the hash slot of a key like Redis Cluster does: CRC16 (XMODEM) of the key, or of its
   * hash tag (the part between the first <code>{</code> and the next <code>}</code>, if non-empty),
   * modulo 16384.
   *
   * @param key the key
   * @return its slot in 0..16383
   */
  public static int slot(String key) {
    return SlotHash.slot(key);
  }

  /** Closes all six nodes (kills the processes, deletes their directories). Idempotent. */
  @Override
  public void close() {
    Nodes.closeAll(allNodes);
  }

  /**
   * Returns a description of the shards: slot ranges with their primary and replica ports.
   *
   * @return e.g. {@code RedisCluster[0-5460: primary 40001, replica 40004; ...]}
   */
  @Override
  public String toString() {
    return "RedisCluster"
        + shards.stream()
            .map(
                s ->
                    s.firstSlot
                        + "-"
                        + s.lastSlot
                        + ": primary "
                        + s.primary.port()
                        + ", replica "
                        + s.replica.port())
            .collect(Collectors.joining("; ", "[", "]"));
  }

  void dropConnections() {
    allNodes.forEach(RedisNode::dropConnection);
  }

  boolean faultInjected() {
    return failedOver || allNodes.stream().anyMatch(RedisNode::faultInjected);
  }

  private ClusterShard shardOf(RedisNode primary) {
    for (ClusterShard shard : shards) {
      if (shard.primary == primary) {
        return shard;
      }
    }
    throw new IllegalArgumentException(primary + " is not a primary of " + this);
  }

  private static String role(RedisNode node) {
    return node.info("replication").get("role");
  }

  private static String nodeId(RedisNode node) {
    return (String) node.command("CLUSTER", "MYID");
  }

  private String diagnostics() {
    return ClusterView.diagnostics(allNodes);
  }
}

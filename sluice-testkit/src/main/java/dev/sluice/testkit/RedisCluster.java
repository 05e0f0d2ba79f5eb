package dev.sluice.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
  public static final int SLOTS = 16384;

  private static final int SHARDS = 3;

  /** The classic layout of redis-cli for three primaries. */
  private static final int[][] SLOT_RANGES = {{0, 5460}, {5461, 10922}, {10923, 16383}};

  private static final Duration FORM_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration QUICK = Duration.ofSeconds(1);

  /**
   * How long a {@code CLUSTER FAILOVER [FORCE]} may take before {@code TAKEOVER} is used. It
   * normally wins in well under a second; it cannot win when the primaries refuse their vote, e.g.
   * for a second failover of the same slots within 2 x node timeout.
   */
  private static final Duration TAKEOVER_AFTER = Duration.ofSeconds(3);

  private final List<Shard> shards;
  private final List<RedisNode> allNodes;

  /** Whether the binary has CLUSTER ADDSLOTSRANGE (Redis 7+). */
  private final boolean slotRanges;

  private volatile boolean failedOver;

  /** One slot range with its current primary and replica (swapped by failover). */
  private static final class Shard {
    final int firstSlot;
    final int lastSlot;
    volatile RedisNode primary;
    volatile RedisNode replica;

    Shard(int firstSlot, int lastSlot, RedisNode primary, RedisNode replica) {
      this.firstSlot = firstSlot;
      this.lastSlot = lastSlot;
      this.primary = primary;
      this.replica = replica;
    }
  }

  private RedisCluster(List<Shard> shards, List<RedisNode> allNodes, boolean slotRanges) {
    this.shards = shards;
    this.allNodes = allNodes;
    this.slotRanges = slotRanges;
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
      List<Shard> shards = new ArrayList<>();
      for (int i = 0; i < SHARDS; i++) {
        shards.add(
            new Shard(SLOT_RANGES[i][0], SLOT_RANGES[i][1], nodes.get(i), nodes.get(SHARDS + i)));
      }
      RedisCluster cluster =
          new RedisCluster(shards, List.copyOf(nodes), binary.majorVersion() >= 7);
      LOG.debug("6 cluster nodes started in {} ms", (System.nanoTime() - t0) / 1_000_000);
      cluster.form(t0);
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
    Shard shard = shardOf(primary);
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
            if (!"ok".equals(clusterInfo(node).get("cluster_state"))) {
              return false;
            }
            ClusterNode view = clusterNodes(node).get(promotedId);
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
        List<?> ranges = (List<?>) node.command(QUICK, "CLUSTER", "SLOTS");
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
    for (Shard shard : shards) {
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
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    int start = 0;
    int end = bytes.length;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '{') {
        for (int j = i + 1; j < bytes.length; j++) {
          if (bytes[j] == '}') {
            if (j > i + 1) {
              start = i + 1;
              end = j;
            }
            break;
          }
        }
        break;
      }
    }
    return crc16(bytes, start, end) & (SLOTS - 1);
  }

  /** Closes all six nodes (kills the processes, deletes their directories). Idempotent. */
  @Override
  public void close() {
    Nodes.closeAll(allNodes);
  }

  /**
   * Returns a description of the shards: slot ranges with their primary and replica ports.
   *
   * @return e.g. {@code RedisCluster[0-5460: 40001/40004, ...]}
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

  // ------------------------------------------------------------------------------------------------ internals

  void dropConnections() {
    allNodes.forEach(RedisNode::dropConnection);
  }

  boolean faultInjected() {
    return failedOver || allNodes.stream().anyMatch(RedisNode::faultInjected);
  }

  private Shard shardOf(RedisNode primary) {
    for (Shard shard : shards) {
      if (shard.primary == primary) {
        return shard;
      }
    }
    throw new IllegalArgumentException(primary + " is not a primary of " + this);
  }

  private void form(long t0) {
    Map<RedisNode, String> ids = new HashMap<>();
    int epoch = 1;
    for (RedisNode node : allNodes) {
      ids.put(node, (String) node.command("CLUSTER", "MYID"));
      node.command("CLUSTER", "SET-CONFIG-EPOCH", Integer.toString(epoch++));
    }
    for (Shard shard : shards) {
      if (slotRanges) {
        shard.primary.command(
            "CLUSTER",
            "ADDSLOTSRANGE",
            Integer.toString(shard.firstSlot),
            Integer.toString(shard.lastSlot));
      } else {
        List<String> args = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
        for (int s = shard.firstSlot; s <= shard.lastSlot; s++) {
          args.add(Integer.toString(s));
        }
        shard.primary.command(args.toArray(new String[0]));
      }
    }
    // Every pair meets directly (15 MEETs) instead of everyone meeting the first node and waiting
    // for gossip
    // to spread the rest, which takes about a second longer.
    for (int i = 0; i < allNodes.size(); i++) {
      for (RedisNode other : allNodes.subList(i + 1, allNodes.size())) {
        allNodes.get(i).command("CLUSTER", "MEET", other.host(), Integer.toString(other.port()));
      }
    }
    Poll.until(
        FORM_TIMEOUT,
        "all 6 cluster nodes to know each other (CLUSTER MEET)",
        () ->
            allNodes.stream()
                .allMatch(
                    n -> {
                      Map<String, ClusterNode> view = clusterNodes(n);
                      return view.size() == allNodes.size()
                          && view.values().stream().noneMatch(ClusterNode::unsettled)
                          && view.keySet().containsAll(ids.values());
                    }),
        this::diagnostics);
    LOG.debug("cluster nodes know each other after {} ms", (System.nanoTime() - t0) / 1_000_000);
    for (Shard shard : shards) {
      shard.replica.command("CLUSTER", "REPLICATE", ids.get(shard.primary));
    }
    Poll.until(
        FORM_TIMEOUT,
        "cluster_state:ok, agreed roles and replica links up on all 6 nodes",
        () -> {
          for (Shard shard : shards) {
            if (!"up".equals(shard.replica.info("replication").get("master_link_status"))) {
              return false;
            }
          }
          for (RedisNode node : allNodes) {
            if (!"ok".equals(clusterInfo(node).get("cluster_state"))) {
              return false;
            }
            Map<String, ClusterNode> view = clusterNodes(node);
            for (Shard shard : shards) {
              ClusterNode p = view.get(ids.get(shard.primary));
              ClusterNode r = view.get(ids.get(shard.replica));
              if (p == null
                  || r == null
                  || !p.isMaster()
                  || !p.ownsSlot(shard.firstSlot)
                  || r.isMaster()
                  || !ids.get(shard.primary).equals(r.masterId)
                  || p.unsettled()
                  || r.unsettled()) {
                return false;
              }
            }
          }
          return true;
        },
        this::diagnostics);
  }

  private static String role(RedisNode node) {
    return node.info("replication").get("role");
  }

  private static String nodeId(RedisNode node) {
    return (String) node.command("CLUSTER", "MYID");
  }

  private static Map<String, String> clusterInfo(RedisNode node) {
    return RedisNode.parseInfo((String) node.command(QUICK, "CLUSTER", "INFO"));
  }

  private static Map<String, ClusterNode> clusterNodes(RedisNode node) {
    String text = (String) node.command(QUICK, "CLUSTER", "NODES");
    Map<String, ClusterNode> nodes = new HashMap<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank()) {
        ClusterNode n = ClusterNode.parse(line.trim());
        nodes.put(n.id, n);
      }
    }
    return nodes;
  }

  private String diagnostics() {
    StringBuilder sb = new StringBuilder();
    for (RedisNode node : allNodes) {
      sb.append(node.diagnostics());
      if (node.isRunning() && !node.isPaused()) {
        try {
          sb.append("--- CLUSTER NODES:\n").append(node.command(QUICK, "CLUSTER", "NODES"));
          sb.append("--- cluster_state:")
              .append(clusterInfo(node).get("cluster_state"))
              .append('\n');
        } catch (RuntimeException e) {
          sb.append("--- (cannot query: ").append(e).append(")\n");
        }
      }
    }
    return sb.toString();
  }

  /** One line of {@code CLUSTER NODES}. */
  private static final class ClusterNode {
    final String id;
    final List<String> flags;
    final String masterId;
    final List<String> slots;

    private ClusterNode(String id, List<String> flags, String masterId, List<String> slots) {
      this.id = id;
      this.flags = flags;
      this.masterId = masterId;
      this.slots = slots;
    }

    static ClusterNode parse(String line) {
      String[] f = line.split(" ");
      List<String> slots = f.length > 8 ? Arrays.asList(f).subList(8, f.length) : List.of();
      return new ClusterNode(f[0], Arrays.asList(f[2].split(",")), f[3], slots);
    }

    boolean isMaster() {
      return flags.contains("master");
    }

    /** Handshake in progress, address unknown, or (possibly) failed. */
    boolean unsettled() {
      return flags.contains("handshake")
          || flags.contains("noaddr")
          || flags.contains("fail")
          || flags.contains("fail?");
    }

    boolean ownsSlot(int slot) {
      for (String s : slots) {
        if (s.startsWith("[")) {
          continue; // migrating/importing
        }
        int dash = s.indexOf('-');
        int first = Integer.parseInt(dash < 0 ? s : s.substring(0, dash));
        int last = dash < 0 ? first : Integer.parseInt(s.substring(dash + 1));
        if (slot >= first && slot <= last) {
          return true;
        }
      }
      return false;
    }
  }

  private static int crc16(byte[] bytes, int start, int end) {
    int crc = 0;
    for (int i = start; i < end; i++) {
      crc ^= (bytes[i] & 0xff) << 8;
      for (int bit = 0; bit < 8; bit++) {
        crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
      }
      crc &= 0xffff;
    }
    return crc;
  }
}

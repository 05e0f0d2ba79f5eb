package dev.sluice.testkit;

import dev.sluice.testkit.ClusterView.NodeLine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forms a {@link RedisCluster} from six started, empty cluster-enabled nodes, without {@code
 * redis-cli}.
 *
 * <p>Design: the steps of {@code redis-cli --cluster create}, done by hand: every node gets a
 * distinct config epoch; each shard's primary takes its slot range ({@code CLUSTER ADDSLOTSRANGE}
 * on Redis 7+, {@code CLUSTER ADDSLOTS} before); every pair of nodes {@code CLUSTER MEET}s; once
 * every node knows all six, each replica gets {@code CLUSTER REPLICATE}. Formation is done when
 * every node reports {@code cluster_state:ok}, agrees on who replicates whom and owns what, and
 * every replica has its link up.
 */
final class ClusterFormation {

  /** The cluster's logger: these lines have always been the cluster's. */
  private static final Logger LOG = LoggerFactory.getLogger(RedisCluster.class);

  private static final Duration FORM_TIMEOUT = Duration.ofSeconds(20);

  private ClusterFormation() {}

  /**
   * Forms the cluster of {@code nodes} (the shards' primaries and replicas) and waits until it is
   * healthy; {@code t0} is when the fixture started, for the log.
   *
   * @param slotRanges whether the binary has {@code CLUSTER ADDSLOTSRANGE} (Redis 7+)
   * @throws IllegalStateException if the cluster does not converge within 20 s per step (the
   *     message has every node's view and log tail)
   */
  static void form(List<ClusterShard> shards, List<RedisNode> nodes, boolean slotRanges, long t0) {
    Map<RedisNode, String> ids = new HashMap<>();
    int epoch = 1;
    for (RedisNode node : nodes) {
      ids.put(node, (String) node.command("CLUSTER", "MYID"));
      node.command("CLUSTER", "SET-CONFIG-EPOCH", Integer.toString(epoch++));
    }
    for (ClusterShard shard : shards) {
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
    // for gossip to spread the rest, which takes about a second longer.
    for (int i = 0; i < nodes.size(); i++) {
      for (RedisNode other : nodes.subList(i + 1, nodes.size())) {
        nodes.get(i).command("CLUSTER", "MEET", other.host(), Integer.toString(other.port()));
      }
    }
    Poll.until(
        FORM_TIMEOUT,
        "all 6 cluster nodes to know each other (CLUSTER MEET)",
        () ->
            nodes.stream()
                .allMatch(
                    n -> {
                      Map<String, NodeLine> view = ClusterView.nodes(n);
                      return view.size() == nodes.size()
                          && view.values().stream().noneMatch(NodeLine::unsettled)
                          && view.keySet().containsAll(ids.values());
                    }),
        () -> ClusterView.diagnostics(nodes));
    LOG.debug("cluster nodes know each other after {} ms", (System.nanoTime() - t0) / 1_000_000);
    for (ClusterShard shard : shards) {
      shard.replica.command("CLUSTER", "REPLICATE", ids.get(shard.primary));
    }
    Poll.until(
        FORM_TIMEOUT,
        "cluster_state:ok, agreed roles and replica links up on all 6 nodes",
        () -> {
          for (ClusterShard shard : shards) {
            if (!"up".equals(shard.replica.info("replication").get("master_link_status"))) {
              return false;
            }
          }
          for (RedisNode node : nodes) {
            if (!"ok".equals(ClusterView.info(node).get("cluster_state"))) {
              return false;
            }
            Map<String, NodeLine> view = ClusterView.nodes(node);
            for (ClusterShard shard : shards) {
              NodeLine p = view.get(ids.get(shard.primary));
              NodeLine r = view.get(ids.get(shard.replica));
              if (p == null
                  || r == null
                  || !p.isMaster()
                  || !p.ownsSlot(shard.firstSlot)
                  || r.isMaster()
                  || !ids.get(shard.primary).equals(r.masterId())
                  || p.unsettled()
                  || r.unsettled()) {
                return false;
              }
            }
          }
          return true;
        },
        () -> ClusterView.diagnostics(nodes));
  }
}

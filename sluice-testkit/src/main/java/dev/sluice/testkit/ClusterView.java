package dev.sluice.testkit;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one node of a {@link RedisCluster} says about the cluster: {@code CLUSTER INFO}, {@code
 * CLUSTER NODES} parsed by node id, and both for failure messages.
 *
 * <p>Design: each question is one command with a short (1 s) timeout, since the answers are polled
 * while nodes are being killed, paused and failed over; a node that cannot answer makes the caller
 * try again rather than wait. The format of {@code CLUSTER NODES} is that of the Redis Cluster
 * specification: {@code <id> <ip:port@cport> <flags> <master> <ping-sent> <pong-recv>
 * <config-epoch> <link-state> <slot> <slot> ...}.
 */
final class ClusterView {

  /** The timeout of each question. */
  static final Duration QUICK = Duration.ofSeconds(1);

  private ClusterView() {}

  /** {@code CLUSTER INFO} of {@code node}: field to value, e.g. {@code cluster_state} to ok. */
  static Map<String, String> info(RedisNode node) {
    return RedisNode.parseInfo((String) node.command(QUICK, "CLUSTER", "INFO"));
  }

  /** {@code CLUSTER NODES} of {@code node}: the cluster as it sees it, by node id. */
  static Map<String, NodeLine> nodes(RedisNode node) {
    String text = (String) node.command(QUICK, "CLUSTER", "NODES");
    Map<String, NodeLine> nodes = new HashMap<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank()) {
        NodeLine n = NodeLine.parse(line.trim());
        nodes.put(n.id(), n);
      }
    }
    return nodes;
  }

  /** Each node's log tails and, if it answers, its {@code CLUSTER NODES} and state. */
  static String diagnostics(List<RedisNode> nodes) {
    StringBuilder sb = new StringBuilder();
    for (RedisNode node : nodes) {
      sb.append(node.diagnostics());
      if (node.isRunning() && !node.isPaused()) {
        try {
          sb.append("--- CLUSTER NODES:\n").append(node.command(QUICK, "CLUSTER", "NODES"));
          sb.append("--- cluster_state:").append(info(node).get("cluster_state")).append('\n');
        } catch (RuntimeException e) {
          sb.append("--- (cannot query: ").append(e).append(")\n");
        }
      }
    }
    return sb.toString();
  }

  /** One line of {@code CLUSTER NODES}. */
  record NodeLine(String id, List<String> flags, String masterId, List<String> slots) {

    static NodeLine parse(String line) {
      String[] f = line.split(" ");
      List<String> slots = f.length > 8 ? Arrays.asList(f).subList(8, f.length) : List.of();
      return new NodeLine(f[0], Arrays.asList(f[2].split(",")), f[3], slots);
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
}

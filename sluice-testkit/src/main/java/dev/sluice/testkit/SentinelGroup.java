package dev.sluice.testkit;

import static dev.sluice.testkit.RedisSentinel.MASTER_NAME;
import static dev.sluice.testkit.SentinelLauncher.SENTINEL_COUNT;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The three Sentinels of a {@link RedisSentinel} and what the fixture asks of them: their views of
 * {@value RedisSentinel#MASTER_NAME} ({@code SENTINEL MASTER}, {@code REPLICAS}, {@code SENTINELS},
 * {@code GET-MASTER-ADDR-BY-NAME}), a failover, and waiting until they agree.
 *
 * <p>Design: every question is one command with a short (1 s) timeout, since the answers are polled
 * while nodes are killed and paused; only running, unpaused Sentinels are asked when the question
 * is what they agree on. The waits fail with the whole fixture's diagnostics (data nodes and
 * Sentinels), which the fixture supplies.
 */
final class SentinelGroup {

  private static final Duration QUICK = Duration.ofSeconds(1);
  private static final Duration FORM_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration FAILOVER_WAIT = Duration.ofSeconds(15);

  /** How often {@code SENTINEL FAILOVER} is tried again while the Sentinels refuse it. */
  private static final Duration REQUEST_INTERVAL = Duration.ofMillis(100);

  private final List<RedisNode> sentinels;
  private final Supplier<String> fixtureDiagnostics;

  /** The Sentinels, in a fixed order; {@code fixtureDiagnostics} describes the whole fixture. */
  SentinelGroup(List<RedisNode> sentinels, Supplier<String> fixtureDiagnostics) {
    this.sentinels = List.copyOf(sentinels);
    this.fixtureDiagnostics = fixtureDiagnostics;
  }

  List<RedisNode> nodes() {
    return sentinels;
  }

  /** The Sentinels that are running and not paused. */
  List<RedisNode> live() {
    return sentinels.stream()
        .filter(s -> s.isRunning() && !s.isPaused())
        .collect(Collectors.toList());
  }

  /**
   * Waits until every Sentinel reports {@code primary} as healthy with {@code replica} linked to
   * it, knows the two other Sentinels, and {@code SENTINEL CKQUORUM} passes.
   */
  void awaitFormed(RedisNode primary, RedisNode replica) {
    String primaryPort = Integer.toString(primary.port());
    String replicaPort = Integer.toString(replica.port());
    Poll.until(
        FORM_TIMEOUT,
        "all "
            + SENTINEL_COUNT
            + " Sentinels to monitor "
            + MASTER_NAME
            + " (primary "
            + primaryPort
            + ", replica "
            + replicaPort
            + ") and know each other",
        () -> {
          for (RedisNode sentinel : sentinels) {
            Map<String, String> master = master(sentinel);
            if (!"master".equals(master.get("flags"))
                || !primaryPort.equals(master.get("port"))
                || !"1".equals(master.get("num-slaves"))
                || !Integer.toString(SENTINEL_COUNT - 1)
                    .equals(master.get("num-other-sentinels"))) {
              return false;
            }
            List<Map<String, String>> replicas = entries(sentinel, "REPLICAS");
            if (replicas.size() != 1) {
              return false;
            }
            Map<String, String> r = replicas.get(0);
            if (!replicaPort.equals(r.get("port"))
                || !"slave".equals(r.get("flags"))
                || !"ok".equals(r.get("master-link-status"))
                || !primaryPort.equals(r.get("master-port"))) {
              return false;
            }
            Set<String> expectedPeers = new HashSet<>();
            for (RedisNode other : sentinels) {
              if (other != sentinel) {
                expectedPeers.add(Integer.toString(other.port()));
              }
            }
            List<Map<String, String>> peers = entries(sentinel, "SENTINELS");
            Set<String> peerPorts = new HashSet<>();
            for (Map<String, String> peer : peers) {
              if (!"sentinel".equals(peer.get("flags"))) {
                return false;
              }
              peerPorts.add(peer.get("port"));
            }
            if (!peerPorts.equals(expectedPeers)) {
              return false;
            }
            // throws (not yet) unless enough Sentinels are reachable to authorize a failover
            sentinel.command(QUICK, "SENTINEL", "CKQUORUM", MASTER_NAME);
          }
          return true;
        },
        fixtureDiagnostics);
  }

  /** Whether every Sentinel answers and reports the primary on {@code port} as a healthy master. */
  boolean allReportHealthy(int port) {
    String primaryPort = Integer.toString(port);
    for (RedisNode sentinel : sentinels) {
      try {
        Map<String, String> master = master(sentinel);
        if (!"master".equals(master.get("flags")) || !primaryPort.equals(master.get("port"))) {
          return false;
        }
      } catch (RuntimeException e) {
        return false;
      }
    }
    return true;
  }

  /**
   * Sends SENTINEL FAILOVER to the first live Sentinel that accepts it (INPROG: one is under way
   * already).
   */
  void requestFailover() {
    Poll.until(
        FAILOVER_WAIT,
        REQUEST_INTERVAL,
        "a Sentinel to accept SENTINEL FAILOVER " + MASTER_NAME,
        () -> {
          List<RedisNode> live = live();
          if (live.isEmpty()) {
            throw new IllegalStateException("no Sentinel is running");
          }
          RedisReplyException refused = null;
          for (RedisNode sentinel : live) {
            try {
              sentinel.command(QUICK, "SENTINEL", "FAILOVER", MASTER_NAME);
              return true;
            } catch (RedisReplyException e) {
              if (e.getMessage().startsWith("INPROG")) {
                return true;
              }
              refused = e;
            }
          }
          // NOGOODSLAVE: no Sentinel has a fresh enough view of a promotable replica yet
          throw refused;
        },
        fixtureDiagnostics);
  }

  /** Waits until every live Sentinel reports {@code node} as primary and it reports role:master. */
  void awaitMaster(RedisNode node, Duration timeout, String what) {
    Poll.until(
        timeout,
        what,
        () -> {
          List<RedisNode> live = live();
          if (live.isEmpty()) {
            throw new IllegalStateException("no Sentinel is running");
          }
          for (RedisNode sentinel : live) {
            if (masterPort(sentinel) != node.port()) {
              return false;
            }
          }
          return "master".equals(node.info("replication").get("role"));
        },
        fixtureDiagnostics);
  }

  static int masterPort(RedisNode sentinel) {
    List<?> address =
        (List<?>) sentinel.command(QUICK, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
    return Integer.parseInt((String) address.get(1));
  }

  private static Map<String, String> master(RedisNode sentinel) {
    return fields((List<?>) sentinel.command(QUICK, "SENTINEL", "MASTER", MASTER_NAME));
  }

  /** {@code SENTINEL REPLICAS|SENTINELS mymaster}: one field map per instance. */
  private static List<Map<String, String>> entries(RedisNode sentinel, String what) {
    List<Map<String, String>> result = new ArrayList<>();
    for (Object entry : (List<?>) sentinel.command(QUICK, "SENTINEL", what, MASTER_NAME)) {
      result.add(fields((List<?>) entry));
    }
    return result;
  }

  /** A flat RESP2 array of alternating names and values. */
  private static Map<String, String> fields(List<?> flat) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      map.put(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1)));
    }
    return map;
  }

  /** Each Sentinel's log tails and, if it answers, its view of the primary, replica and peers. */
  String diagnostics() {
    StringBuilder sb = new StringBuilder();
    for (RedisNode sentinel : sentinels) {
      sb.append(sentinel.diagnostics());
      if (sentinel.isRunning() && !sentinel.isPaused()) {
        try {
          Map<String, String> m = master(sentinel);
          sb.append("--- SENTINEL MASTER: port ")
              .append(m.get("port"))
              .append(", flags ")
              .append(m.get("flags"))
              .append(", num-slaves ")
              .append(m.get("num-slaves"))
              .append(", num-other-sentinels ")
              .append(m.get("num-other-sentinels"))
              .append('\n');
          for (Map<String, String> r : entries(sentinel, "REPLICAS")) {
            sb.append("--- replica ")
                .append(r.get("port"))
                .append(": flags ")
                .append(r.get("flags"))
                .append(", master-link-status ")
                .append(r.get("master-link-status"))
                .append('\n');
          }
          for (Map<String, String> s : entries(sentinel, "SENTINELS")) {
            sb.append("--- sentinel ")
                .append(s.get("port"))
                .append(": flags ")
                .append(s.get("flags"))
                .append('\n');
          }
        } catch (RuntimeException e) {
          sb.append("--- (cannot query: ").append(e).append(")\n");
        }
      }
    }
    return sb.toString();
  }
}

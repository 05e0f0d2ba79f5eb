package dev.sluice.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A primary, one replica and three Sentinels monitoring them under the master name {@value
 * #MASTER_NAME}: five {@link RedisNode} processes on free loopback ports, each in its own temp
 * directory.
 *
 * <p>The Sentinels are the same {@code redis-server} binary started as {@code redis-server
 * sentinel.conf --sentinel}, with quorum {@value #QUORUM}, {@code down-after-milliseconds} {@value
 * #DOWN_AFTER_MILLIS}, {@code failover-timeout} {@value #FAILOVER_TIMEOUT_MILLIS} and {@code
 * parallel-syncs 1}. Their configs name each other ({@code sentinel known-sentinel}), so they need
 * not wait for the 2 s hello messages to meet. {@link #start()} returns when every Sentinel reports
 * the primary as healthy ({@code SENTINEL MASTER}), knows the replica with its link up ({@code
 * SENTINEL REPLICAS}) and the two other Sentinels, connected ({@code SENTINEL SENTINELS}), and
 * {@code SENTINEL CKQUORUM} passes: about 1.3 s, most of it a Sentinel's 1 s wait before it
 * reconnects to a peer that was not listening yet when it started.
 *
 * <p>Failover comes in two forms:
 *
 * <ul>
 *   <li>{@link #failover()} asks a Sentinel for it ({@code SENTINEL FAILOVER}) and waits until it
 *       is done;
 *   <li>after a fault injected into the primary ({@link RedisNode#kill()}, {@link
 *       RedisNode#pause()}), the Sentinels fail over by themselves about 2-4 s later; {@link
 *       #awaitFailover(Duration)} waits for that.
 * </ul>
 *
 * {@link #primary()} always asks the Sentinels. A former primary that comes back ({@link
 * RedisNode#restart()}, {@link RedisNode#resume()}) is a primary of its own (a restarted one empty)
 * until the Sentinels turn it into a replica, which Sentinel does only about 10 s later: a split
 * brain that clients connected to it see.
 *
 * <pre>{@code
 * try (RedisSentinel sentinel = RedisSentinel.start()) {
 *     RedisClient client = RedisClient.create(sentinel.uri());   // redis-sentinel://...#mymaster
 *     StatefulRedisConnection<String, String> connection = client.connect();
 *     connection.sync().set("k", "v");
 *     sentinel.primary().kill();
 *     RedisNode promoted = sentinel.awaitFailover(Duration.ofSeconds(10));
 * }
 * }</pre>
 */
public final class RedisSentinel implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RedisSentinel.class);

  /** The name the Sentinels monitor the primary under. */
  public static final String MASTER_NAME = "mymaster";

  /** How many Sentinels must agree that the primary is down before a failover starts. */
  public static final int QUORUM = 2;

  /**
   * The {@code down-after-milliseconds} of the Sentinels: how long the primary may be unresponsive.
   */
  public static final int DOWN_AFTER_MILLIS = 1000;

  /**
   * The {@code failover-timeout} of the Sentinels, in milliseconds. A failover that did not win
   * (e.g. split votes) is retried after twice this.
   */
  public static final int FAILOVER_TIMEOUT_MILLIS = 3000;

  private static final int SENTINEL_COUNT = 3;
  private static final int PORT_ATTEMPTS = 5;
  private static final Duration FORM_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration FAILOVER_WAIT = Duration.ofSeconds(15);
  private static final Duration LINK_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration QUICK = Duration.ofSeconds(1);

  /** How often {@code SENTINEL FAILOVER} is tried again while the Sentinels refuse it. */
  private static final Duration REQUEST_INTERVAL = Duration.ofMillis(100);

  /** The original primary and the original replica, in that order. */
  private final List<RedisNode> dataNodes;

  private final List<RedisNode> sentinels;

  /** The primary as of formation, {@link #failover()} or {@link #awaitFailover(Duration)}. */
  private volatile RedisNode knownPrimary;

  private volatile boolean failedOver;

  private RedisSentinel(RedisNode primary, RedisNode replica, List<RedisNode> sentinels) {
    this.dataNodes = List.of(primary, replica);
    this.sentinels = sentinels;
    this.knownPrimary = primary;
  }

  /**
   * Starts a primary, a replica of it and three Sentinels monitoring them, and waits until they
   * have formed.
   *
   * @return the running fixture
   * @throws IllegalStateException if a process does not start or the Sentinels do not agree within
   *     20 s (the message has their views and log tails)
   */
  public static RedisSentinel start() {
    return start(RedisBinary.get());
  }

  /** Starts the fixture with a given binary (tests of the embedded fallback use this). */
  static RedisSentinel start(RedisBinary binary) {
    long t0 = System.nanoTime();
    List<RedisNode> started = new ArrayList<>();
    try {
      RedisNode primary = RedisNode.start(binary, List.of(), false);
      started.add(primary);
      RedisNode replica = RedisNode.start(binary, List.of(), false);
      started.add(replica);
      RedisReplicaPair.follow(replica, primary);
      List<RedisNode> sentinels = startSentinels(binary, primary);
      started.addAll(sentinels);
      RedisSentinel fixture = new RedisSentinel(primary, replica, sentinels);
      fixture.awaitFormed();
      LOG.info("Redis Sentinel formed in {} ms: {}", (System.nanoTime() - t0) / 1_000_000, fixture);
      return fixture;
    } catch (RuntimeException | Error e) {
      Nodes.closeAfter(e, started);
      throw e;
    }
  }

  /**
   * Returns the node that the Sentinels currently report as primary ({@code SENTINEL
   * GET-MASTER-ADDR-BY-NAME}, asked of the first running, unpaused Sentinel that answers). While a
   * failover is under way this is still the old primary; if no Sentinel answers, it is the primary
   * this fixture last knew of.
   *
   * @return one of {@link #nodes()}
   */
  public RedisNode primary() {
    for (RedisNode sentinel : liveSentinels()) {
      try {
        RedisNode node = dataNodeAt(masterPort(sentinel));
        if (node != null) {
          return node;
        }
      } catch (RuntimeException e) {
        LOG.debug("SENTINEL GET-MASTER-ADDR-BY-NAME on {} failed", sentinel, e);
      }
    }
    return knownPrimary;
  }

  /**
   * Returns the data node that is not {@link #primary()}: the replica, or a former primary that the
   * Sentinels will make a replica once it runs.
   *
   * @return one of {@link #nodes()}
   */
  public RedisNode replica() {
    return other(primary());
  }

  /**
   * Returns both data nodes in a fixed order: the original primary, then the original replica.
   *
   * @return two nodes
   */
  public List<RedisNode> nodes() {
    return dataNodes;
  }

  /**
   * Returns the three Sentinels (each a {@link RedisNode} with {@link RedisNode#isSentinel()},
   * which can be killed, paused or restarted like any node; {@code command("SENTINEL", ...)} talks
   * to it).
   *
   * @return three Sentinels, in a fixed order
   */
  public List<RedisNode> sentinels() {
    return sentinels;
  }

  /**
   * Returns the name the Sentinels monitor the primary under.
   *
   * @return {@value #MASTER_NAME}
   */
  public String masterName() {
    return MASTER_NAME;
  }

  /**
   * Returns a Sentinel URI naming all three Sentinels and the master name, in Lettuce's syntax:
   * {@code redis-sentinel://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3#mymaster}. {@code
   * RedisClient.create(uri).connect()} connects to the current primary and, after a failover,
   * reconnects to the new one.
   *
   * @return the URI, usable with Lettuce's {@code RedisURI.create}
   */
  public String uri() {
    return "redis-sentinel://"
        + sentinels.stream().map(s -> s.host() + ":" + s.port()).collect(Collectors.joining(","))
        + "#"
        + MASTER_NAME;
  }

  /**
   * Fails over on request: sends {@code SENTINEL FAILOVER mymaster} to a running Sentinel (retrying
   * while it answers {@code NOGOODSLAVE}, e.g. right after a previous failover, before the
   * Sentinels have seen the new replica), then waits until every running, unpaused Sentinel reports
   * the other data node as primary and that node reports {@code role:master}. If the former primary
   * is running and not paused, it is then turned into a replica of the new one the way Sentinel
   * itself would, only at once instead of about 10 s later: {@code REPLICAOF}, {@code CONFIG
   * REWRITE} and {@code CLIENT KILL TYPE normal} / {@code pubsub}, so that clients connected to it
   * reconnect through the Sentinels; this method waits for its replication link.
   *
   * @return the new primary
   * @throws IllegalStateException if the replica is not running or paused, or the failover does not
   *     complete within 15 s
   */
  public synchronized RedisNode failover() {
    RedisNode from = primary();
    RedisNode to = other(from);
    if (!to.isRunning() || to.isPaused()) {
      throw new IllegalStateException(
          "cannot fail " + MASTER_NAME + " over to " + to + ": it is not running or paused");
    }
    failedOver = true;
    long t0 = System.nanoTime();
    requestFailover();
    awaitMaster(
        to, FAILOVER_WAIT, "the Sentinels to report " + to + " as primary of " + MASTER_NAME);
    long promoted = System.nanoTime();
    if (from.isRunning() && !from.isPaused()) {
      demote(from, to);
    }
    knownPrimary = to;
    LOG.info(
        "Sentinel failover of {} to {} took {} ms ({} ms until promoted)",
        MASTER_NAME,
        to,
        (System.nanoTime() - t0) / 1_000_000,
        (promoted - t0) / 1_000_000);
    return to;
  }

  /**
   * Waits until the Sentinels have failed over by themselves, after a fault injected into the
   * primary: until every running, unpaused Sentinel reports the other data node as primary (a new
   * master address) and that node reports {@code role:master}. "The primary" is the one this
   * fixture last knew of: the original one, or the result of the last {@link #failover()} or {@code
   * awaitFailover}. With the settings of this fixture an automatic failover normally completes 2-4
   * s after the primary stopped answering (up to about 10 s when the Sentinels' first leader
   * election splits). The former primary is left as it is.
   *
   * @param timeout how long to wait
   * @return the new primary
   * @throws IllegalStateException if the Sentinels do not report a new primary within {@code
   *     timeout}
   */
  public synchronized RedisNode awaitFailover(Duration timeout) {
    RedisNode former = knownPrimary;
    RedisNode next = other(former);
    failedOver = true;
    long t0 = System.nanoTime();
    awaitMaster(
        next,
        timeout,
        "the Sentinels to fail " + MASTER_NAME + " over from " + former + " to " + next);
    knownPrimary = next;
    LOG.info(
        "Sentinels failed {} over to {} ({} ms of waiting)",
        MASTER_NAME,
        next,
        (System.nanoTime() - t0) / 1_000_000);
    return next;
  }

  /**
   * Closes the three Sentinels and both data nodes (kills the processes, deletes their
   * directories). Idempotent.
   */
  @Override
  public void close() {
    List<RedisNode> all = new ArrayList<>(sentinels);
    all.addAll(dataNodes);
    Nodes.closeAll(all);
  }

  /**
   * Returns a description: master name, the primary as last known to this fixture, and the ports.
   *
   * @return e.g. {@code RedisSentinel[mymaster: primary 40001, replica 40002, sentinels
   *     40003,40004,40005]}
   */
  @Override
  public String toString() {
    RedisNode p = knownPrimary;
    return "RedisSentinel["
        + MASTER_NAME
        + ": primary "
        + p.port()
        + ", replica "
        + other(p).port()
        + ", sentinels "
        + sentinels.stream().map(s -> Integer.toString(s.port())).collect(Collectors.joining(","))
        + "]";
  }

  // ------------------------------------------------------------------------------------------------ internals

  void dropConnections() {
    dataNodes.forEach(RedisNode::dropConnection);
    sentinels.forEach(RedisNode::dropConnection);
  }

  /**
   * Faults injected through this fixture or its nodes, and also a failover that a test started some
   * other way (e.g. {@code SENTINEL FAILOVER} from a client): any Sentinel that does not report the
   * original primary as healthy means the fixture must be replaced.
   */
  boolean faultInjected() {
    if (failedOver
        || dataNodes.stream().anyMatch(RedisNode::faultInjected)
        || sentinels.stream().anyMatch(RedisNode::faultInjected)) {
      return true;
    }
    String originalPort = Integer.toString(dataNodes.get(0).port());
    for (RedisNode sentinel : sentinels) {
      try {
        Map<String, String> master = master(sentinel);
        if (!"master".equals(master.get("flags")) || !originalPort.equals(master.get("port"))) {
          return true;
        }
      } catch (RuntimeException e) {
        return true;
      }
    }
    return false;
  }

  private static List<RedisNode> startSentinels(RedisBinary binary, RedisNode primary) {
    PortTakenException last = null;
    for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
      int[] ports = new int[SENTINEL_COUNT];
      String[] ids = new String[SENTINEL_COUNT];
      for (int i = 0; i < SENTINEL_COUNT; i++) {
        ports[i] = Ports.reserve(false);
        ids[i] = randomRunId();
      }
      List<RedisNode> started = new ArrayList<>();
      try {
        for (int i = 0; i < SENTINEL_COUNT; i++) {
          started.add(
              RedisNode.startSentinel(binary, ports[i], sentinelConfig(primary, i, ports, ids)));
        }
        return List.copyOf(started);
      } catch (RuntimeException | Error e) {
        // the one that failed closed itself (releasing its port); release the ones never used
        for (int j = started.size() + 1; j < SENTINEL_COUNT; j++) {
          Ports.release(ports[j]);
        }
        Nodes.closeAfter(e, started);
        if (!(e instanceof PortTakenException)) {
          throw e;
        }
        last = (PortTakenException) e;
        LOG.debug(
            "a Sentinel port was taken before it could be bound, retrying ({}/{})",
            attempt,
            PORT_ATTEMPTS);
      }
    }
    throw new IllegalStateException(
        "could not start the Sentinels: "
            + PORT_ATTEMPTS
            + " times a free port was taken before a Sentinel could bind it",
        last);
  }

  /**
   * The {@code sentinel ...} lines of Sentinel {@code index}: monitoring, quick timings, and its
   * peers.
   */
  private static List<String> sentinelConfig(
      RedisNode primary, int index, int[] ports, String[] ids) {
    List<String> lines = new ArrayList<>();
    lines.add("sentinel myid " + ids[index]);
    lines.add(
        "sentinel monitor "
            + MASTER_NAME
            + " "
            + primary.host()
            + " "
            + primary.port()
            + " "
            + QUORUM);
    lines.add("sentinel down-after-milliseconds " + MASTER_NAME + " " + DOWN_AFTER_MILLIS);
    lines.add("sentinel failover-timeout " + MASTER_NAME + " " + FAILOVER_TIMEOUT_MILLIS);
    lines.add("sentinel parallel-syncs " + MASTER_NAME + " 1");
    for (int j = 0; j < ports.length; j++) {
      if (j != index) {
        lines.add(
            "sentinel known-sentinel "
                + MASTER_NAME
                + " "
                + RedisNode.HOST
                + " "
                + ports[j]
                + " "
                + ids[j]);
      }
    }
    return lines;
  }

  /** A Sentinel run id: 40 hex characters. */
  private static String randomRunId() {
    byte[] bytes = new byte[20];
    ThreadLocalRandom.current().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private void awaitFormed() {
    RedisNode primary = dataNodes.get(0);
    RedisNode replica = dataNodes.get(1);
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
        this::diagnostics);
  }

  /**
   * Sends SENTINEL FAILOVER to the first live Sentinel that accepts it (INPROG: one is under way
   * already).
   */
  private void requestFailover() {
    Poll.until(
        FAILOVER_WAIT,
        REQUEST_INTERVAL,
        "a Sentinel to accept SENTINEL FAILOVER " + MASTER_NAME,
        () -> {
          List<RedisNode> live = liveSentinels();
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
        this::diagnostics);
  }

  /** Waits until every live Sentinel reports {@code node} as primary and it reports role:master. */
  private void awaitMaster(RedisNode node, Duration timeout, String what) {
    Poll.until(
        timeout,
        what,
        () -> {
          List<RedisNode> live = liveSentinels();
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
        this::diagnostics);
  }

  /**
   * Makes the former primary a replica of the new one, as Sentinel would about 10 s later, and
   * waits for the link.
   */
  private void demote(RedisNode former, RedisNode primary) {
    Map<String, String> replication = former.info("replication");
    boolean following =
        "slave".equals(replication.get("role"))
            && Integer.toString(primary.port()).equals(replication.get("master_port"));
    if (!following) {
      former.command("REPLICAOF", primary.host(), Integer.toString(primary.port()));
      former.command("CONFIG", "REWRITE");
      // like Sentinel: clients still connected to the former primary reconnect (and ask the
      // Sentinels)
      former.command("CLIENT", "KILL", "TYPE", "normal");
      former.command("CLIENT", "KILL", "TYPE", "pubsub");
    }
    Poll.until(
        LINK_TIMEOUT,
        former + " to report master_link_status:up (replica of " + primary + ")",
        () -> "up".equals(former.info("replication").get("master_link_status")),
        this::diagnostics);
  }

  private List<RedisNode> liveSentinels() {
    return sentinels.stream()
        .filter(s -> s.isRunning() && !s.isPaused())
        .collect(Collectors.toList());
  }

  private RedisNode other(RedisNode node) {
    return node == dataNodes.get(0) ? dataNodes.get(1) : dataNodes.get(0);
  }

  private RedisNode dataNodeAt(int port) {
    for (RedisNode node : dataNodes) {
      if (node.port() == port) {
        return node;
      }
    }
    return null;
  }

  private static int masterPort(RedisNode sentinel) {
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

  private String diagnostics() {
    StringBuilder sb = new StringBuilder();
    for (RedisNode node : dataNodes) {
      sb.append(node.diagnostics());
      if (node.isRunning() && !node.isPaused()) {
        try {
          Map<String, String> r = node.info("replication");
          sb.append("--- role:").append(r.get("role"));
          if (r.containsKey("master_port")) {
            sb.append(", master_port:")
                .append(r.get("master_port"))
                .append(", master_link_status:")
                .append(r.get("master_link_status"));
          }
          sb.append('\n');
        } catch (RuntimeException e) {
          sb.append("--- (cannot query: ").append(e).append(")\n");
        }
      }
    }
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

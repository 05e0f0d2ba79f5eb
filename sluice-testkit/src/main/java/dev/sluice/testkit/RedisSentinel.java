package dev.sluice.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

  private static final Duration FAILOVER_WAIT = Duration.ofSeconds(15);
  private static final Duration LINK_TIMEOUT = Duration.ofSeconds(10);

  /** The original primary and the original replica, in that order. */
  private final List<RedisNode> dataNodes;

  private final SentinelGroup group;

  /** The primary as of formation, {@link #failover()} or {@link #awaitFailover(Duration)}. */
  private volatile RedisNode knownPrimary;

  private volatile boolean failedOver;

  private RedisSentinel(RedisNode primary, RedisNode replica, List<RedisNode> sentinels) {
    this.dataNodes = List.of(primary, replica);
    this.group = new SentinelGroup(sentinels, this::diagnostics);
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
      List<RedisNode> sentinels = SentinelLauncher.start(binary, primary);
      started.addAll(sentinels);
      RedisSentinel fixture = new RedisSentinel(primary, replica, sentinels);
      fixture.group.awaitFormed(primary, replica);
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
    for (RedisNode sentinel : group.live()) {
      try {
        RedisNode node = dataNodeAt(SentinelGroup.masterPort(sentinel));
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
    return group.nodes();
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
        + group.nodes().stream()
            .map(s -> s.host() + ":" + s.port())
            .collect(Collectors.joining(","))
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
    group.requestFailover();
    group.awaitMaster(
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
    group.awaitMaster(
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
    List<RedisNode> all = new ArrayList<>(group.nodes());
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
        + group.nodes().stream()
            .map(s -> Integer.toString(s.port()))
            .collect(Collectors.joining(","))
        + "]";
  }

  void dropConnections() {
    dataNodes.forEach(RedisNode::dropConnection);
    group.nodes().forEach(RedisNode::dropConnection);
  }

  /**
   * Faults injected through this fixture or its nodes, and also a failover that a test started some
   * other way (e.g. {@code SENTINEL FAILOVER} from a client): any Sentinel that does not report the
   * original primary as healthy means the fixture must be replaced.
   */
  boolean faultInjected() {
    return failedOver
        || dataNodes.stream().anyMatch(RedisNode::faultInjected)
        || group.nodes().stream().anyMatch(RedisNode::faultInjected)
        || !group.allReportHealthy(dataNodes.get(0).port());
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
    sb.append(group.diagnostics());
    return sb.toString();
  }
}

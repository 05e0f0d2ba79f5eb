package dev.sluice.testkit;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * A primary and a replica: two {@link RedisNode}s, the second {@code REPLICAOF} the first, started
 * and linked ({@code master_link_status:up}) before {@link #start()} returns.
 *
 * <p>There is no Sentinel: {@link #failover()} is a <em>manual promotion</em> of the replica
 * ({@code REPLICAOF NO ONE}), as an operator or a client-side failover routine would do it.
 * Replication is asynchronous; to make sure a write reached the replica, send {@code WAIT 1 <ms>}
 * to the primary.
 *
 * <pre>{@code
 * try (RedisReplicaPair pair = RedisReplicaPair.start()) {
 *     pair.primary().command("SET", "k", "v");
 *     pair.primary().command("WAIT", "1", "1000");
 *     assertThat(pair.replica().command("GET", "k")).isEqualTo("v");
 * }
 * }</pre>
 */
public final class RedisReplicaPair implements AutoCloseable {

  private static final Duration LINK_TIMEOUT = Duration.ofSeconds(10);

  private volatile RedisNode primary;
  private volatile RedisNode replica;
  private volatile boolean failedOver;

  private RedisReplicaPair(RedisNode primary, RedisNode replica) {
    this.primary = primary;
    this.replica = replica;
  }

  /**
   * Starts a primary and a replica of it, and waits until the replication link is up.
   *
   * @return the running pair
   * @throws IllegalStateException if a node does not start or the link is not up within 10 s
   */
  public static RedisReplicaPair start() {
    RedisNode primary = null;
    RedisNode replica = null;
    try {
      primary = RedisNode.start();
      replica = RedisNode.start();
      follow(replica, primary);
      return new RedisReplicaPair(primary, replica);
    } catch (RuntimeException | Error e) {
      Nodes.closeAfter(e, Arrays.asList(replica, primary));
      throw e;
    }
  }

  /**
   * Returns the node that currently is the primary: the original one, or the promoted replica after
   * {@link #failover()}.
   *
   * @return the primary
   */
  public RedisNode primary() {
    return primary;
  }

  /**
   * Returns the other node: the original replica, or the former primary after {@link #failover()}.
   *
   * @return the replica (or former primary)
   */
  public RedisNode replica() {
    return replica;
  }

  /**
   * Returns both nodes, primary first.
   *
   * @return {@code [primary(), replica()]}
   */
  public List<RedisNode> nodes() {
    return List.of(primary, replica);
  }

  /**
   * Manually promotes the replica: sends it {@code REPLICAOF NO ONE} (and {@code CONFIG REWRITE},
   * so that a {@link RedisNode#restart()} keeps its new role) and waits until it reports {@code
   * role:master}. If the old primary is running and not paused, it is then made a replica of the
   * new one (and waits for the link); a killed or paused old primary is left alone and, once
   * restarted or resumed, is a standalone primary (split brain) until you send it {@code
   * REPLICAOF}. Afterwards {@link #primary()} and {@link #replica()} are swapped.
   *
   * @return the new primary
   * @throws IllegalStateException if the replica is not running or paused, or does not become
   *     primary in time
   */
  public synchronized RedisNode failover() {
    RedisNode promoted = replica;
    RedisNode former = primary;
    if (!promoted.isRunning() || promoted.isPaused()) {
      throw new IllegalStateException(
          "cannot fail over to " + promoted + ": it is not running or paused");
    }
    failedOver = true;
    promoted.command("REPLICAOF", "NO", "ONE");
    promoted.command("CONFIG", "REWRITE");
    Poll.until(
        LINK_TIMEOUT,
        promoted + " to report role:master",
        () -> "master".equals(promoted.info("replication").get("role")),
        promoted::diagnostics);
    if (former.isRunning() && !former.isPaused()) {
      follow(former, promoted);
    }
    primary = promoted;
    replica = former;
    return promoted;
  }

  /** Closes both nodes (kills the processes, deletes their directories). Idempotent. */
  @Override
  public void close() {
    Nodes.closeAll(List.of(replica, primary));
  }

  /**
   * Returns a description of both nodes.
   *
   * @return e.g. {@code RedisReplicaPair[primary=..., replica=...]}
   */
  @Override
  public String toString() {
    return "RedisReplicaPair[primary=" + primary + ", replica=" + replica + "]";
  }

  void dropConnections() {
    primary.dropConnection();
    replica.dropConnection();
  }

  boolean faultInjected() {
    return failedOver || primary.faultInjected() || replica.faultInjected();
  }

  /**
   * Makes {@code follower} a replica of {@code leader}, persists it in its config and waits for the
   * link.
   */
  static void follow(RedisNode follower, RedisNode leader) {
    follower.command("REPLICAOF", leader.host(), Integer.toString(leader.port()));
    follower.command("CONFIG", "REWRITE");
    Poll.until(
        LINK_TIMEOUT,
        follower + " to report master_link_status:up (replica of " + leader + ")",
        () -> "up".equals(follower.info("replication").get("master_link_status")),
        () -> follower.diagnostics() + leader.diagnostics());
  }
}

package dev.sluice.redis;

import dev.sluice.BackendException;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import reactor.core.Disposable;
import reactor.core.Disposables;

/**
 * The Lettuce client set-up of a Redis backend: standalone, Sentinel or Cluster; one shared,
 * multiplexed connection for scripts, and for transaction mode a bounded pool of dedicated ones.
 *
 * <p>Every command has the backend's deadline (Lettuce's command timeout). Commands are never
 * replayed after a reconnect (a consuming script run twice would consume twice): the replay filter
 * drops what was queued, and commands issued while disconnected are rejected at once. A cluster's
 * topology is read every second and at once on redirects, so decisions on moved slots resume within
 * about a second of a failover.
 *
 * <p>On a cluster, Lettuce opens the connection to each node on that node's first command, and
 * rejecting commands while disconnected includes those that would wait for such a connection. So
 * the shared connection opens one to every primary before it is used, and again whenever the
 * topology changes (a promoted replica, a new node): a command reaches a primary whose connection
 * is still being opened only in the moment between a topology change and that connection, and is
 * then answered by the failure policy, as during the failover itself.
 */
final class RedisConnection implements AutoCloseable {

  /** The longest {@link #close()} waits for the client to shut down. */
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final StatefulConnection<String, String> shared;
  private final RedisClusterAsyncCommands<String, String> commands;
  private final Connections<?> pool;
  private final Disposable topologyWatch;

  private RedisConnection(
      ClientResources resources,
      AbstractRedisClient client,
      StatefulConnection<String, String> shared,
      RedisClusterAsyncCommands<String, String> commands,
      Connections<?> pool,
      Disposable topologyWatch) {
    this.resources = resources;
    this.client = client;
    this.shared = shared;
    this.commands = commands;
    this.pool = pool;
    this.topologyWatch = topologyWatch;
  }

  /**
   * Connects.
   *
   * @param uri a Redis URI, or for a cluster comma-separated seed URIs
   * @param cluster whether {@code uri} names Redis Cluster seeds
   * @param timeout every command's deadline
   * @param connectTimeout how long to wait for the first connection
   * @param maxReconnectDelay the longest wait between two reconnect attempts
   * @param poolSize the dedicated connections of transaction mode, or 0 for none
   * @return the connection
   * @throws BackendException if Redis cannot be reached
   */
  static RedisConnection open(
      String uri,
      boolean cluster,
      Duration timeout,
      Duration connectTimeout,
      Duration maxReconnectDelay,
      int poolSize) {
    ClientResources resources =
        DefaultClientResources.builder()
            .reconnectDelay(
                Delay.exponential(
                    Duration.ofMillis(10), maxReconnectDelay, 2, TimeUnit.MILLISECONDS))
            .build();
    ClientOptions options =
        ClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .replayFilter(command -> true)
            .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).build())
            .timeoutOptions(TimeoutOptions.enabled(timeout))
            .build();
    if (cluster) {
      List<RedisURI> seeds =
          Arrays.stream(uri.split(",")).map(String::trim).map(RedisURI::create).toList();
      RedisClusterClient client = RedisClusterClient.create(resources, seeds);
      client.setOptions(clusterOptions(options));
      var shared =
          connect(
              resources,
              client,
              () -> {
                var connection = client.connect(StringCodec.UTF8);
                openPrimaries(connection).join();
                return connection;
              },
              uri);
      Disposable topologyWatch =
          resources
              .eventBus()
              .get()
              .filter(ClusterTopologyChangedEvent.class::isInstance)
              .subscribe(
                  changed -> {
                    var unused = openPrimaries(shared);
                  });
      return new RedisConnection(
          resources,
          client,
          shared,
          shared.async(),
          poolSize > 0 ? Connections.cluster(client, poolSize) : null,
          topologyWatch);
    }
    RedisURI target = RedisURI.create(uri);
    RedisClient client = RedisClient.create(resources);
    client.setOptions(options);
    var shared = connect(resources, client, () -> client.connect(StringCodec.UTF8, target), uri);
    return new RedisConnection(
        resources,
        client,
        shared,
        shared.async(),
        poolSize > 0 ? Connections.standalone(client, target, poolSize) : null,
        Disposables.disposed());
  }

  /**
   * A cluster's options: its topology read every second and at once on every adaptive trigger
   * (redirects, reconnects, uncovered slots). Lettuce 7 deprecates enabling the triggers, which it
   * enables by default; Lettuce 6, which Spring Boot 4.0 manages, has them off unless enabled.
   */
  @SuppressWarnings("deprecation")
  private static ClusterClientOptions clusterOptions(ClientOptions options) {
    return ClusterClientOptions.builder(options)
        .topologyRefreshOptions(
            ClusterTopologyRefreshOptions.builder()
                .enablePeriodicRefresh(Duration.ofSeconds(1))
                .enableAllAdaptiveRefreshTriggers()
                .adaptiveRefreshTriggersTimeout(Duration.ofMillis(500))
                .build())
        .build();
  }

  /**
   * Opens the connection to each primary of {@code connection}'s topology (one PING each), the
   * connections its commands are routed to; completes when every PING is answered or has failed
   * (within the connect timeout and the command deadline). A primary that cannot be reached is left
   * to the failure policy: its connection is tried again by its next command or topology change.
   */
  private static CompletableFuture<Void> openPrimaries(
      StatefulRedisClusterConnection<String, String> connection) {
    return CompletableFuture.allOf(connection.async().upstream().commands().ping().futures())
        .exceptionally(unreachable -> null);
  }

  private static <C extends StatefulConnection<String, String>> C connect(
      ClientResources resources, AbstractRedisClient client, Supplier<C> connect, String uri) {
    try {
      return connect.get();
    } catch (RuntimeException e) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3_000);
      throw new BackendException(
          "cannot connect to Redis at " + redacted(uri) + ": " + e.getMessage(), e);
    }
  }

  /**
   * A Redis URI (or comma-separated list) fit for logs: each password replaced.
   *
   * @param uri the URI
   * @return the URI without credentials
   */
  static String redacted(String uri) {
    return uri.replaceAll("://[^@/,]*@", "://***@");
  }

  /** The shared connection's commands: scripts, peeks, resets, the fleet's heartbeat. */
  RedisClusterAsyncCommands<String, String> commands() {
    return commands;
  }

  /** The dedicated connections of transaction mode; {@code null} in Lua mode. */
  Connections<?> pool() {
    return pool;
  }

  /**
   * Closes the connections, the client and its threads: within a few seconds, whatever state the
   * connections are in (a shutdown that hangs is left to its daemon thread).
   */
  @Override
  public void close() {
    Thread closing =
        new Thread(
            () -> {
              topologyWatch.dispose();
              if (pool != null) {
                pool.close();
              }
              shared.close();
              client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
              resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3_000);
            },
            "sluice-redis-close");
    closing.setDaemon(true);
    closing.start();
    try {
      closing.join(CLOSE_WAIT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

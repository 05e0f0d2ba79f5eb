package dev.sluice.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.StringCodec;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Dedicated connections for WATCH/MULTI/EXEC, which are per-connection state and so cannot share
 * the multiplexed connection the scripts use: a bounded pool, one connection per transaction in
 * flight, further transactions queue for the next free one. A connection is reused when its
 * transaction ends cleanly and closed when it fails (it may be inside a MULTI). On Redis Cluster
 * each lease is a pooled cluster connection's link to the primary that owns the keys' slot.
 */
final class Connections<C extends StatefulConnection<String, String>> {

  /** A connection held by one transaction until {@link #release} or {@link #discard}. */
  interface Borrowed {
    RedisAsyncCommands<String, String> commands();

    void release();

    void discard();
  }

  /** Opens a pooled connection, and finds the link a key's commands go to. */
  private interface Opener<C> {
    CompletionStage<C> open();

    CompletionStage<StatefulRedisConnection<String, String>> link(C connection, String key);
  }

  private final Opener<C> opener;
  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private final Queue<C> idle = new ConcurrentLinkedQueue<>();
  private final Queue<CompletableFuture<C>> waiters = new ConcurrentLinkedQueue<>();

  private Connections(Opener<C> opener, int max) {
    this.opener = opener;
    this.max = max;
  }

  static Connections<StatefulRedisConnection<String, String>> standalone(
      RedisClient client, RedisURI uri, int max) {
    return new Connections<>(
        new Opener<>() {
          @Override
          public CompletionStage<StatefulRedisConnection<String, String>> open() {
            return client.connectAsync(StringCodec.UTF8, uri);
          }

          @Override
          public CompletionStage<StatefulRedisConnection<String, String>> link(
              StatefulRedisConnection<String, String> connection, String key) {
            return CompletableFuture.completedFuture(connection);
          }
        },
        max);
  }

  static Connections<StatefulRedisClusterConnection<String, String>> cluster(
      RedisClusterClient client, int max) {
    return new Connections<>(
        new Opener<>() {
          @Override
          public CompletionStage<StatefulRedisClusterConnection<String, String>> open() {
            return client.connectAsync(StringCodec.UTF8);
          }

          @Override
          public CompletionStage<StatefulRedisConnection<String, String>> link(
              StatefulRedisClusterConnection<String, String> connection, String key) {
            int slot = SlotHash.getSlot(key);
            RedisClusterNode primary = connection.getPartitions().getMasterBySlot(slot);
            if (primary == null) {
              return CompletableFuture.failedFuture(
                  new IllegalStateException("no primary serves slot " + slot + " yet"));
            }
            return connection.getConnectionAsync(primary.getNodeId());
          }
        },
        max);
  }

  CompletionStage<Borrowed> borrow(String key) {
    return acquire()
        .thenCompose(
            connection ->
                opener
                    .link(connection, key)
                    .handle(
                        (link, error) -> {
                          if (error != null) {
                            discard(connection);
                            throw new CompletionException(error);
                          }
                          return (Borrowed)
                              new Borrowed() {
                                @Override
                                public RedisAsyncCommands<String, String> commands() {
                                  return link.async();
                                }

                                @Override
                                public void release() {
                                  Connections.this.release(connection);
                                }

                                @Override
                                public void discard() {
                                  Connections.this.discard(connection);
                                }
                              };
                        }));
  }

  private CompletableFuture<C> acquire() {
    C connection = idle.poll();
    if (connection != null) {
      return CompletableFuture.completedFuture(connection);
    }
    if (open.incrementAndGet() <= max) {
      return opener
          .open()
          .toCompletableFuture()
          .whenComplete(
              (opened, error) -> {
                if (error != null) {
                  open.decrementAndGet();
                }
              });
    }
    open.decrementAndGet();
    CompletableFuture<C> waiter = new CompletableFuture<>();
    waiters.add(waiter);
    C freed = idle.poll();
    if (freed != null) {
      release(freed);
    }
    return waiter;
  }

  private void release(C connection) {
    if (!connection.isOpen()) {
      discard(connection);
      return;
    }
    CompletableFuture<C> waiter;
    while ((waiter = waiters.poll()) != null) {
      if (waiter.complete(connection)) {
        return;
      }
    }
    idle.offer(connection);
  }

  private void discard(C connection) {
    // Not on the caller's thread: discards come from callbacks on Lettuce's event loop, and closing
    // a cluster connection waits for its node connections, which need that same event loop.
    ForkJoinPool.commonPool().execute(connection::close);
    open.decrementAndGet();
    CompletableFuture<C> waiter = waiters.poll();
    if (waiter != null) {
      // Errors are handed to the waiter: nothing is lost by not keeping this stage.
      var unused =
          acquire()
              .whenComplete(
                  (next, error) -> {
                    if (error != null) {
                      waiter.completeExceptionally(error);
                    } else if (!waiter.complete(next)) {
                      release(next);
                    }
                  });
    }
  }

  void close() {
    C connection;
    while ((connection = idle.poll()) != null) {
      connection.close();
    }
  }
}

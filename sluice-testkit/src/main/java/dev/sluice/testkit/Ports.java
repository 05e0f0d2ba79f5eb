package dev.sluice.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Free loopback ports for the nodes of this JVM.
 *
 * <p>Design: the kernel picks a free port (bind to port 0), which is then closed again and handed
 * out; nothing stops another process from taking it before redis-server binds it, so callers retry
 * on {@link PortTakenException}. Within this JVM a port stays reserved until it is released, so two
 * nodes never race for the same one. The developer's own Redis ports (6379, its cluster bus 16379,
 * and Sentinel's 26379) are never handed out; for cluster nodes, port + 10000 (the cluster bus)
 * must be free as well.
 */
final class Ports {

  static final int DEVELOPER_PORT = 6379;

  /** The default Sentinel port, never used either. */
  static final int DEVELOPER_SENTINEL_PORT = 26379;

  static final int CLUSTER_BUS_OFFSET = 10000;

  private static final int CANDIDATES = 100;

  /** {@link RedisNode#HOST} as an address, without a name lookup. */
  private static final InetAddress LOOPBACK = loopback();

  /** Ports handed out to nodes of this JVM that are still open. */
  private static final Set<Integer> IN_USE = ConcurrentHashMap.newKeySet();

  private Ports() {}

  /**
   * Reserves a free loopback port (never 6379 or 26379); with {@code clusterBus}, port + 10000 is
   * free too.
   *
   * @throws IllegalStateException if none of 100 ports the kernel offered would do
   */
  static int reserve(boolean clusterBus) {
    for (int i = 0; i < CANDIDATES; i++) {
      int candidate;
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(false);
        s.bind(new InetSocketAddress(LOOPBACK, 0));
        candidate = s.getLocalPort();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot find a free port on " + RedisNode.HOST, e);
      }
      if (candidate == DEVELOPER_PORT
          || candidate == DEVELOPER_PORT + CLUSTER_BUS_OFFSET
          || candidate == DEVELOPER_SENTINEL_PORT) {
        continue;
      }
      if (clusterBus
          && (candidate + CLUSTER_BUS_OFFSET > 65535
              || !bindable(candidate + CLUSTER_BUS_OFFSET))) {
        continue;
      }
      if (IN_USE.add(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("cannot find a free port on " + RedisNode.HOST);
  }

  /** Releases a reserved port: its node was closed, or it was never used. */
  static void release(int port) {
    IN_USE.remove(port);
  }

  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(LOOPBACK, port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static InetAddress loopback() {
    try {
      return InetAddress.getByAddress(RedisNode.HOST, new byte[] {127, 0, 0, 1});
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

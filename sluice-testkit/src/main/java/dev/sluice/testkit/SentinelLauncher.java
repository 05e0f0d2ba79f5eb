package dev.sluice.testkit;

import static dev.sluice.testkit.RedisSentinel.DOWN_AFTER_MILLIS;
import static dev.sluice.testkit.RedisSentinel.FAILOVER_TIMEOUT_MILLIS;
import static dev.sluice.testkit.RedisSentinel.MASTER_NAME;
import static dev.sluice.testkit.RedisSentinel.QUORUM;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the three Sentinels of a {@link RedisSentinel}, each on its own free port, configured to
 * monitor the primary and to know the other two from the start.
 *
 * <p>Design: the three ports and run ids are chosen first, since each Sentinel's config names the
 * other two ({@code sentinel known-sentinel}), so they need not wait for the 2 s hello messages to
 * meet. A port taken by someone else before its Sentinel could bind it spoils the three configs:
 * the Sentinels started so far are closed and all three start again on new ports, up to five times.
 */
final class SentinelLauncher {

  /** The fixture's logger: these lines have always been the fixture's. */
  private static final Logger LOG = LoggerFactory.getLogger(RedisSentinel.class);

  static final int SENTINEL_COUNT = 3;

  private static final int PORT_ATTEMPTS = 5;

  private SentinelLauncher() {}

  /**
   * Starts three Sentinels monitoring {@code primary} under {@link RedisSentinel#MASTER_NAME}.
   *
   * @throws IllegalStateException if they cannot be started (a port was taken five times)
   */
  static List<RedisNode> start(RedisBinary binary, RedisNode primary) {
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
        if (!(e instanceof PortTakenException taken)) {
          throw e;
        }
        last = taken;
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
}

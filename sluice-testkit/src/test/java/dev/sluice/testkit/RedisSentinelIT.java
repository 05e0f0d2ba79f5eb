package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class RedisSentinelIT {

  private static final Logger LOG = LoggerFactory.getLogger(RedisSentinelIT.class);

  @RegisterExtension static final RedisExtension<RedisSentinel> redis = RedisExtension.sentinel();

  /**
   * Runs {@code body} with a Lettuce connection made through the Sentinel URI, reconnecting every
   * 100 ms.
   */
  private static void withSentinelClient(
      RedisSentinel sentinel, Consumer<StatefulRedisConnection<String, String>> body) {
    ClientResources resources =
        DefaultClientResources.builder()
            .reconnectDelay(Delay.constant(Duration.ofMillis(100)))
            .build();
    RedisURI uri = RedisURI.create(sentinel.uri());
    uri.setTimeout(Duration.ofSeconds(2));
    RedisClient client = RedisClient.create(resources, uri);
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      body.accept(connection);
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }

  /** The port of the server a Lettuce connection is currently talking to. */
  private static int serverPort(StatefulRedisConnection<String, String> connection) {
    return Integer.parseInt(RedisNode.parseInfo(connection.sync().info("server")).get("tcp_port"));
  }

  /**
   * Waits until the client writes to {@code primary} again (it reconnects through the Sentinels).
   */
  private static long awaitClientOn(
      StatefulRedisConnection<String, String> connection,
      RedisNode primary,
      String key,
      String value) {
    long t0 = System.nanoTime();
    Poll.until(
        Duration.ofSeconds(10),
        "the Lettuce client to write to " + primary,
        () ->
            serverPort(connection) == primary.port()
                && "OK".equals(connection.sync().set(key, value)),
        null);
    assertThat(primary.command("GET", key)).isEqualTo(value);
    return (System.nanoTime() - t0) / 1_000_000;
  }

  private static Map<String, String> fields(Object flat) {
    List<?> list = (List<?>) flat;
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i + 1 < list.size(); i += 2) {
      map.put(String.valueOf(list.get(i)), String.valueOf(list.get(i + 1)));
    }
    return map;
  }

  @Test
  void formsAndALettuceClientConnectsThroughTheSentinelUri() {
    RedisSentinel sentinel = redis.get();
    RedisNode primary = sentinel.primary();
    RedisNode replica = sentinel.replica();

    assertThat(sentinel.nodes()).containsExactly(primary, replica);
    assertThat(sentinel.masterName()).isEqualTo("mymaster");
    assertThat(sentinel.sentinels()).hasSize(3).allMatch(RedisNode::isSentinel);
    assertThat(primary.isSentinel()).isFalse();
    Set<Integer> ports = new HashSet<>();
    sentinel.nodes().forEach(n -> ports.add(n.port()));
    sentinel.sentinels().forEach(n -> ports.add(n.port()));
    assertThat(ports).hasSize(5).doesNotContain(6379, 26379);
    assertThat(primary.info("replication")).containsEntry("role", "master");
    assertThat(replica.info("replication"))
        .containsEntry("role", "slave")
        .containsEntry("master_port", Integer.toString(primary.port()))
        .containsEntry("master_link_status", "up");
    for (RedisNode s : sentinel.sentinels()) {
      assertThat(s.info("server")).containsEntry("redis_mode", "sentinel");
      assertThat(s.directory()).isNotIn(primary.directory(), replica.directory());
      assertThat(s.directory().resolve("sentinel.conf")).exists();
      assertThat(fields(s.command("SENTINEL", "MASTER", "mymaster")))
          .containsEntry("port", Integer.toString(primary.port()))
          .containsEntry("flags", "master")
          .containsEntry("quorum", "2")
          .containsEntry("down-after-milliseconds", "1000")
          .containsEntry("num-slaves", "1")
          .containsEntry("num-other-sentinels", "2");
    }
    String uri = sentinel.uri();
    assertThat(uri)
        .isEqualTo(
            "redis-sentinel://127.0.0.1:"
                + sentinel.sentinels().get(0).port()
                + ",127.0.0.1:"
                + sentinel.sentinels().get(1).port()
                + ",127.0.0.1:"
                + sentinel.sentinels().get(2).port()
                + "#mymaster");
    RedisURI parsed = RedisURI.create(uri);
    assertThat(parsed.getSentinelMasterId()).isEqualTo("mymaster");
    assertThat(parsed.getSentinels())
        .extracting(RedisURI::getPort)
        .containsExactlyElementsOf(sentinel.sentinels().stream().map(RedisNode::port).toList());

    withSentinelClient(
        sentinel,
        connection -> {
          assertThat(serverPort(connection)).isEqualTo(primary.port());
          assertThat(connection.sync().set("k", "v")).isEqualTo("OK");
          assertThat(connection.sync().get("k")).isEqualTo("v");
        });
    assertThat(primary.command("GET", "k")).isEqualTo("v");
  }

  @Test
  void failoverPromotesTheReplicaAndTheClientFollows() {
    RedisSentinel sentinel = redis.get();
    RedisNode oldPrimary = sentinel.primary();
    RedisNode oldReplica = sentinel.replica();

    withSentinelClient(
        sentinel,
        connection -> {
          connection.sync().set("before", "1");
          assertThat(connection.sync().waitForReplication(1, 2000)).isEqualTo(1L);

          long t0 = System.nanoTime();
          RedisNode promoted = sentinel.failover();
          long failoverMillis = (System.nanoTime() - t0) / 1_000_000;

          assertThat(promoted).isSameAs(oldReplica).isSameAs(sentinel.primary());
          assertThat(sentinel.replica()).isSameAs(oldPrimary);
          assertThat(promoted.info("replication")).containsEntry("role", "master");
          assertThat(oldPrimary.info("replication"))
              .containsEntry("role", "slave")
              .containsEntry("master_port", Integer.toString(promoted.port()))
              .containsEntry("master_link_status", "up");
          for (RedisNode s : sentinel.sentinels()) {
            assertThat(s.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"))
                .isEqualTo(List.of("127.0.0.1", Integer.toString(promoted.port())));
          }
          long recoveryMillis = awaitClientOn(connection, promoted, "after", "2");
          assertThat(connection.sync().get("before")).isEqualTo("1");
          assertThat(connection.sync().waitForReplication(1, 2000)).isEqualTo(1L);
          assertThat(oldPrimary.command("GET", "after")).isEqualTo("2");
          LOG.info(
              "SENTINEL FAILOVER: {} ms, client back on the new primary {} ms later",
              failoverMillis,
              recoveryMillis);

          // and back again, right away: the Sentinels must first see the demoted primary as a good
          // replica
          long t1 = System.nanoTime();
          assertThat(sentinel.failover()).isSameAs(oldPrimary).isSameAs(sentinel.primary());
          long backMillis = (System.nanoTime() - t1) / 1_000_000;
          assertThat(sentinel.replica()).isSameAs(promoted);
          awaitClientOn(connection, oldPrimary, "back", "3");
          LOG.info("second SENTINEL FAILOVER, back to the original primary: {} ms", backMillis);
        });
  }

  @Test
  void killingThePrimaryLeadsToAnAutomaticFailover() {
    RedisSentinel sentinel = redis.get();
    RedisNode oldPrimary = sentinel.primary();
    RedisNode oldReplica = sentinel.replica();

    withSentinelClient(
        sentinel,
        connection -> {
          connection.sync().set("before", "1");
          assertThat(connection.sync().waitForReplication(1, 2000)).isEqualTo(1L);

          long t0 = System.nanoTime();
          oldPrimary.kill();
          // normally 2-4 s; 15 s leaves room for a split first election (retried after 2 x
          // failover-timeout)
          RedisNode promoted = sentinel.awaitFailover(Duration.ofSeconds(15));
          long failoverMillis = (System.nanoTime() - t0) / 1_000_000;

          assertThat(promoted).isSameAs(oldReplica).isSameAs(sentinel.primary());
          assertThat(promoted.info("replication")).containsEntry("role", "master");
          assertThat(promoted.command("GET", "before")).isEqualTo("1");
          long recoveryMillis = awaitClientOn(connection, promoted, "after", "2");
          LOG.info(
              "kill -> Sentinels report the new primary: {} ms; client back {} ms later",
              failoverMillis,
              recoveryMillis);
        });
  }

  @Test
  void aKilledSentinelRestartsFromItsRewrittenConfig() {
    RedisSentinel sentinel = redis.get();
    RedisNode first = sentinel.sentinels().get(0);
    RedisNode primary = sentinel.primary();

    first.kill();
    assertThat(sentinel.primary()).as("the other Sentinels answer").isSameAs(primary);
    first.restart();

    assertThat(first.isSentinel()).isTrue();
    assertThat(first.info("server")).containsEntry("redis_mode", "sentinel");
    Poll.until(
        Duration.ofSeconds(5),
        "the restarted Sentinel to see the primary, replica and its peers",
        () -> {
          Map<String, String> master = fields(first.command("SENTINEL", "MASTER", "mymaster"));
          return "master".equals(master.get("flags"))
              && Integer.toString(primary.port()).equals(master.get("port"))
              && "1".equals(master.get("num-slaves"))
              && "2".equals(master.get("num-other-sentinels"))
              && String.valueOf(first.command("SENTINEL", "CKQUORUM", "mymaster")).startsWith("OK");
        },
        null);
  }

  @Test
  void pausingThePrimaryLeadsToAnAutomaticFailover() {
    RedisSentinel sentinel = redis.get();
    RedisNode oldPrimary = sentinel.primary();
    RedisNode oldReplica = sentinel.replica();

    long t0 = System.nanoTime();
    oldPrimary.pause();
    RedisNode promoted = sentinel.awaitFailover(Duration.ofSeconds(15));
    long failoverMillis = (System.nanoTime() - t0) / 1_000_000;

    assertThat(promoted).isSameAs(oldReplica).isSameAs(sentinel.primary());
    assertThat(promoted.command("SET", "k", "v")).isEqualTo("OK");
    LOG.info("pause -> Sentinels report the new primary: {} ms", failoverMillis);
    oldPrimary.resume();
    assertThat(oldPrimary.info("replication"))
        .containsEntry("role", "master"); // until Sentinel demotes it
  }
}

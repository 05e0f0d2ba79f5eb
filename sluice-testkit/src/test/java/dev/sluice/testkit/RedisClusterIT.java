package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisClusterIT {

  @RegisterExtension static final RedisExtension<RedisCluster> redis = RedisExtension.cluster();

  private static void withClusterClient(
      RedisCluster cluster, Consumer<StatefulRedisClusterConnection<String, String>> body) {
    List<RedisURI> seeds =
        cluster.nodes().stream()
            .filter(n -> n.isRunning() && !n.isPaused())
            .map(n -> RedisURI.create(n.uri()))
            .collect(Collectors.toList());
    RedisClusterClient client = RedisClusterClient.create(seeds);
    try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
      connection.setTimeout(Duration.ofSeconds(2));
      body.accept(connection);
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  @Test
  void formsAHealthyThreeByTwoCluster() {
    RedisCluster cluster = redis.get();

    assertThat(cluster.primaries()).hasSize(3);
    assertThat(cluster.replicas()).hasSize(3);
    assertThat(cluster.nodes()).hasSize(6).doesNotHaveDuplicates();
    Set<Integer> ports = new HashSet<>();
    for (RedisNode node : cluster.nodes()) {
      ports.add(node.port());
      assertThat(RedisNode.parseInfo((String) node.command("CLUSTER", "INFO")))
          .containsEntry("cluster_state", "ok")
          .containsEntry("cluster_known_nodes", "6")
          .containsEntry("cluster_size", "3")
          .containsEntry("cluster_slots_assigned", "16384");
    }
    assertThat(ports).hasSize(6).doesNotContain(6379);
    assertThat(cluster.uris()).hasSize(6).allMatch(u -> u.startsWith("redis://127.0.0.1:"));
    for (RedisNode primary : cluster.primaries()) {
      RedisNode replica = cluster.replicaOf(primary);
      assertThat(primary.info("replication").get("role")).isEqualTo("master");
      assertThat(replica.info("replication"))
          .containsEntry("role", "slave")
          .containsEntry("master_port", Integer.toString(primary.port()))
          .containsEntry("master_link_status", "up");
    }
    List<RedisNode> primaries = cluster.primaries();
    assertThat(cluster.primaryForSlot(0)).isSameAs(primaries.get(0));
    assertThat(cluster.primaryForSlot(5460)).isSameAs(primaries.get(0));
    assertThat(cluster.primaryForSlot(5461)).isSameAs(primaries.get(1));
    assertThat(cluster.primaryForSlot(10922)).isSameAs(primaries.get(1));
    assertThat(cluster.primaryForSlot(10923)).isSameAs(primaries.get(2));
    assertThat(cluster.primaryForSlot(16383)).isSameAs(primaries.get(2));
    assertThatThrownBy(() -> cluster.replicaOf(cluster.replicas().get(0)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void slotHashingAgreesWithTheServer() {
    RedisNode node = redis.get().nodes().get(0);
    for (String key :
        List.of(
            "foo",
            "bar",
            "user:42",
            "{user1000}.following",
            "foo{}{bar}",
            "{unclosed",
            "a{b}c{d}",
            "ключ",
            "")) {
      assertThat(RedisCluster.slot(key))
          .as(key)
          .isEqualTo(((Long) node.command("CLUSTER", "KEYSLOT", key)).intValue());
    }
  }

  @Test
  void keyWrittenByAClusterClientLivesOnItsPrimary() {
    RedisCluster cluster = redis.get();
    withClusterClient(
        cluster,
        connection -> {
          for (int i = 0; i < 20; i++) {
            connection.sync().set("key:" + i, "value:" + i);
          }
        });

    Set<RedisNode> owners = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      String key = "key:" + i;
      RedisNode owner = cluster.primaryForKey(key);
      owners.add(owner);
      assertThat(owner.command("GET", key)).isEqualTo("value:" + i);
      RedisNode other =
          cluster.primaries().stream().filter(p -> p != owner).findFirst().orElseThrow();
      assertThatThrownBy(() -> other.command("GET", key))
          .isInstanceOf(RedisReplyException.class)
          .hasMessage("MOVED " + RedisCluster.slot(key) + " 127.0.0.1:" + owner.port());
    }
    assertThat(owners).as("20 keys spread over all primaries").hasSize(3);
  }

  @Test
  void coordinatedFailoverPromotesTheReplica() {
    RedisCluster cluster = redis.get();
    String key = "user:42";
    RedisNode owner = cluster.primaryForKey(key);
    RedisNode replica = cluster.replicaOf(owner);
    owner.command("SET", key, "v");
    owner.command("WAIT", "1", "2000");

    RedisNode promoted = cluster.failover(owner);

    assertThat(promoted).isSameAs(replica);
    assertThat(replica.info("replication").get("role")).isEqualTo("master");
    assertThat(cluster.primaryForKey(key)).isSameAs(replica);
    assertThat(cluster.primaries()).contains(replica).doesNotContain(owner);
    assertThat(cluster.replicaOf(replica)).isSameAs(owner);
    assertThat(owner.info("replication").get("role"))
        .as("a live old primary becomes a replica")
        .isEqualTo("slave");
    withClusterClient(
        cluster,
        connection -> {
          assertThat(connection.sync().get(key)).isEqualTo("v");
          connection.sync().set(key, "v2");
        });
    assertThat(replica.command("GET", key)).isEqualTo("v2");
  }

  @Test
  void forcedFailoverAfterThePrimaryWasKilled() {
    RedisCluster cluster = redis.get();
    String key = "order:7";
    RedisNode owner = cluster.primaryForKey(key);
    RedisNode replica = cluster.replicaOf(owner);
    owner.command("SET", key, "v");
    owner.command("WAIT", "1", "2000");

    owner.kill();
    RedisNode promoted = cluster.failover(owner);

    assertThat(promoted).isSameAs(replica);
    assertThat(replica.info("replication").get("role")).isEqualTo("master");
    assertThat(cluster.primaryForKey(key)).isSameAs(replica);
    for (RedisNode node : cluster.nodes()) {
      if (node != owner) {
        assertThat(RedisNode.parseInfo((String) node.command("CLUSTER", "INFO")))
            .containsEntry("cluster_state", "ok");
      }
    }
    withClusterClient(
        cluster,
        connection -> {
          assertThat(connection.sync().get(key)).isEqualTo("v");
          connection.sync().set(key, "v2");
        });

    // restarted on the same port and directory, it keeps its cluster identity (nodes.conf) and
    // rejoins
    owner.restart();

    Poll.until(
        Duration.ofSeconds(10),
        "the restarted old primary to rejoin as a replica",
        () ->
            "slave".equals(owner.info("replication").get("role"))
                && "up".equals(owner.info("replication").get("master_link_status")),
        null);
    assertThat(owner.info("replication"))
        .containsEntry("master_port", Integer.toString(replica.port()));
    assertThat(replica.command("WAIT", "1", "2000")).isEqualTo(1L);
  }

  @Test
  void forcedFailoverOfAPausedPrimaryWhichRejoinsAsReplica() {
    RedisCluster cluster = redis.get();
    String key = "session:{abc}";
    RedisNode owner = cluster.primaryForKey(key);
    RedisNode replica = cluster.replicaOf(owner);
    owner.command("SET", key, "v");
    owner.command("WAIT", "1", "2000");

    owner.pause();
    RedisNode promoted = cluster.failover(owner);

    assertThat(promoted).isSameAs(replica);
    assertThat(cluster.primaryForKey(key)).isSameAs(replica);
    assertThat(replica.command("GET", key)).isEqualTo("v");

    owner.resume();

    Poll.until(
        Duration.ofSeconds(10),
        "the resumed old primary to become a replica",
        () ->
            "slave".equals(owner.info("replication").get("role"))
                && "up".equals(owner.info("replication").get("master_link_status")),
        null);
    assertThat(owner.info("replication"))
        .containsEntry("master_port", Integer.toString(replica.port()));
    assertThat(cluster.replicaOf(replica)).isSameAs(owner);
  }
}

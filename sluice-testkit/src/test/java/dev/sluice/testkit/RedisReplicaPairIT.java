package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisReplicaPairIT {

  @RegisterExtension
  static final RedisExtension<RedisReplicaPair> redis = RedisExtension.replicaPair();

  @Test
  void replicaFollowsThePrimary() {
    RedisReplicaPair pair = redis.get();
    RedisNode primary = pair.primary();
    RedisNode replica = pair.replica();

    primary.command("SET", "k", "v");
    assertThat(primary.command("WAIT", "1", "2000")).isEqualTo(1L);

    assertThat(replica.command("GET", "k")).isEqualTo("v");
    assertThat(replica.info("replication"))
        .containsEntry("role", "slave")
        .containsEntry("master_port", Integer.toString(primary.port()))
        .containsEntry("master_link_status", "up");
    assertThat(primary.info("replication"))
        .containsEntry("role", "master")
        .containsEntry("connected_slaves", "1");
    assertThatThrownBy(() -> replica.command("SET", "k", "other"))
        .isInstanceOf(RedisReplyException.class)
        .hasMessageStartingWith("READONLY");
    assertThat(pair.nodes()).containsExactly(primary, replica);
  }

  @Test
  void failoverPromotesTheReplicaAfterThePrimaryDied() {
    RedisReplicaPair pair = redis.get();
    RedisNode oldPrimary = pair.primary();
    RedisNode oldReplica = pair.replica();
    oldPrimary.command("SET", "k", "v");
    oldPrimary.command("WAIT", "1", "2000");

    oldPrimary.kill();
    RedisNode promoted = pair.failover();

    assertThat(promoted).isSameAs(oldReplica).isSameAs(pair.primary());
    assertThat(pair.replica()).isSameAs(oldPrimary);
    assertThat(promoted.info("replication").get("role")).isEqualTo("master");
    assertThat(promoted.command("GET", "k")).isEqualTo("v");
    assertThat(promoted.command("SET", "k", "v2")).isEqualTo("OK");
    assertThat(oldPrimary.isRunning()).isFalse();
  }

  @Test
  void failoverWithALivePrimaryDemotesIt() {
    RedisReplicaPair pair = redis.get();
    RedisNode oldPrimary = pair.primary();

    RedisNode promoted = pair.failover();

    assertThat(oldPrimary.info("replication"))
        .containsEntry("role", "slave")
        .containsEntry("master_port", Integer.toString(promoted.port()));
    promoted.command("SET", "after", "failover");
    assertThat(promoted.command("WAIT", "1", "2000")).isEqualTo(1L);
    assertThat(oldPrimary.command("GET", "after")).isEqualTo("failover");
  }

  @Test
  void restartedReplicaResyncs() {
    RedisReplicaPair pair = redis.get();
    pair.primary().command("SET", "k", "v");

    pair.replica().restart();

    // its role survives the restart (CONFIG REWRITE), and a full resync brings the data back
    assertThat(pair.primary().command(Duration.ofSeconds(6), "WAIT", "1", "5000")).isEqualTo(1L);
    assertThat(pair.replica().info("replication")).containsEntry("role", "slave");
    assertThat(pair.replica().command("GET", "k")).isEqualTo("v");
  }
}

package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Unit tests of slot hashing, INFO parsing and RESP encoding (no process is started). */
class ClusterSlotTest {

  @Test
  void slotsMatchRedisClusterSpec() {
    // CRC16/XMODEM check value of "123456789" is 0x31C3
    assertThat(RedisCluster.slot("123456789")).isEqualTo(0x31C3 & 16383);
    assertThat(RedisCluster.slot("foo")).isEqualTo(12182);
    assertThat(RedisCluster.slot("bar")).isEqualTo(5061);
    assertThat(RedisCluster.slot("")).isZero();
  }

  @Test
  void hashTagsAreHonoured() {
    assertThat(RedisCluster.slot("{user1000}.following")).isEqualTo(RedisCluster.slot("user1000"));
    assertThat(RedisCluster.slot("foo{bar}{zap}")).isEqualTo(RedisCluster.slot("bar"));
    assertThat(RedisCluster.slot("{user1000}")).isEqualTo(RedisCluster.slot("user1000"));
    // empty tag: the whole key is hashed (checked against CLUSTER KEYSLOT in RedisClusterIT as
    // well)
    assertThat(RedisCluster.slot("foo{}{bar}")).isNotEqualTo(RedisCluster.slot("bar"));
  }

  @Test
  void infoIsParsedIntoFields() {
    Map<String, String> info =
        RedisNode.parseInfo(
            "# Replication\r\n"
                + "role:master\r\n"
                + "connected_slaves:1\r\n"
                + "slave0:ip=127.0.0.1,port=1,state=online\r\n");
    assertThat(info)
        .containsEntry("role", "master")
        .containsEntry("connected_slaves", "1")
        .containsEntry("slave0", "ip=127.0.0.1,port=1,state=online")
        .hasSize(3);
  }

  @Test
  void commandsAreEncodedAsRespArrays() {
    assertThat(new String(Resp.encode("SET", "k", "vé"), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nvé\r\n");
    assertThat(new String(Resp.encode("PING"), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("*1\r\n$4\r\nPING\r\n");
  }
}

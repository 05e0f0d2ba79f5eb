package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisNodeIT {

  @RegisterExtension static final RedisExtension<RedisNode> redis = RedisExtension.single();

  @Test
  void answersPingSetAndGet() {
    RedisNode node = redis.get();

    assertThat(node.command("PING")).isEqualTo("PONG");
    assertThat(node.command("SET", "greeting", "héllo")).isEqualTo("OK");
    assertThat(node.command("GET", "greeting")).isEqualTo("héllo");
    assertThat(node.command("GET", "missing")).isNull();
    assertThat(node.command("INCRBY", "counter", "5")).isEqualTo(5L);
    assertThat(node.command("MGET", "greeting", "missing"))
        .asInstanceOf(InstanceOfAssertFactories.LIST)
        .containsExactly("héllo", null);
    assertThat(node.host()).isEqualTo("127.0.0.1");
    assertThat(node.port()).isNotEqualTo(6379).isPositive();
    assertThat(node.uri()).isEqualTo("redis://127.0.0.1:" + node.port());
    assertThat(node.info("server").get("tcp_port")).isEqualTo(Integer.toString(node.port()));
    assertThat(node.info("commandstats")).containsKey("cmdstat_set");
    assertThat(node.isRunning()).isTrue();
    assertThat(node.isPaused()).isFalse();

    RedisClient client = RedisClient.create(node.uri());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      assertThat(connection.sync().get("greeting")).isEqualTo("héllo");
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  @Test
  void errorRepliesAreThrown() {
    assertThatThrownBy(() -> redis.get().command("NOSUCHCOMMAND", "x"))
        .isInstanceOf(RedisReplyException.class)
        .hasMessageStartingWith("ERR");
  }

  @Test
  void pausedNodeTimesOutUntilResumed() {
    RedisNode node = redis.get();
    RedisClient client = RedisClient.create(node.uri());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      connection.setTimeout(Duration.ofMillis(300));
      RedisCommands<String, String> sync = connection.sync();
      sync.set("k", "v");

      node.pause();

      assertThat(node.isPaused()).isTrue();
      assertThat(node.isRunning()).isTrue();
      assertThatThrownBy(() -> sync.get("k")).isInstanceOf(RedisCommandTimeoutException.class);
      assertThatThrownBy(() -> node.command(Duration.ofMillis(200), "PING"))
          .isInstanceOf(UncheckedIOException.class)
          .hasCauseInstanceOf(SocketTimeoutException.class);

      node.resume();

      assertThat(node.isPaused()).isFalse();
      assertThat(sync.get("k")).isEqualTo("v");
      assertThat(node.command("PING")).isEqualTo("PONG");
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  @Test
  void killedNodeRestartsEmptyOnTheSamePort() {
    RedisNode node = redis.get();
    int port = node.port();
    long pid = node.pid();
    node.command("SET", "k", "v");

    node.kill();

    assertThat(node.isRunning()).isFalse();
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThatThrownBy(() -> node.command(Duration.ofMillis(500), "PING"))
        .isInstanceOf(UncheckedIOException.class);

    node.restart();

    assertThat(node.isRunning()).isTrue();
    assertThat(node.port()).isEqualTo(port);
    assertThat(node.pid()).isNotEqualTo(pid);
    assertThat(node.command("PING")).isEqualTo("PONG");
    assertThat(node.command("GET", "k")).as("no persistence: data is gone").isNull();
    node.command("SET", "k", "v2");
    assertThat(node.command("GET", "k")).isEqualTo("v2");
  }

  @Test
  void pausedNodeCanBeKilledAndRestarted() {
    RedisNode node = redis.get();
    node.pause();

    node.restart();

    assertThat(node.isPaused()).isFalse();
    assertThat(node.command(Duration.ofSeconds(1), "PING")).isEqualTo("PONG");
  }

  @Test
  void closeKillsTheProcessAndDeletesTheDirectory() {
    RedisNode node = RedisNode.start();
    long pid = node.pid();
    Path dir = node.directory();
    assertThat(dir.resolve("redis.conf")).exists();
    assertThat(dir.resolve("redis.log")).exists();
    assertThat(node.port()).isNotEqualTo(redis.get().port());

    node.close();
    node.close();

    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(Files.exists(dir)).isFalse();
    assertThat(node.isRunning()).isFalse();
    assertThatThrownBy(node::restart).isInstanceOf(IllegalStateException.class);
  }
}

package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The binary this JVM uses, and the embedded-redis fallback actually extracted and run. */
class RedisBinaryIT {

  @TempDir Path tmp;

  private RedisBinary.Resolved resolveEmbedded() throws Exception {
    Path emptyPath = Files.createDirectories(tmp.resolve("empty-path"));
    return RedisBinary.resolve(
        null,
        emptyPath.toString(),
        System.getProperty("os.name"),
        System.getProperty("os.arch"),
        Files.createDirectories(tmp.resolve("extract")));
  }

  @Test
  void theJvmWideBinaryFollowsTheResolutionOrderAndIsResolvedOnce() {
    RedisBinary binary = RedisBinary.get();

    assertThat(RedisBinary.get()).isSameAs(binary);
    assertThat(Files.isExecutable(binary.path())).isTrue();
    assertThat(binary.version()).matches("\\d+\\.\\d+(\\.\\d+)?");
    assertThat(binary.majorVersion()).isGreaterThanOrEqualTo(6);
    String env = System.getenv(RedisBinary.ENV_VAR);
    if (env != null && !env.isBlank()) {
      assertThat(binary.source()).isEqualTo(RedisBinary.ENV_VAR);
      assertThat(binary.path()).isEqualTo(Path.of(env.trim()).toAbsolutePath());
    } else {
      Path onPath = RedisBinary.findOnPath(System.getenv("PATH"), "redis-server");
      assertThat(binary.source()).isEqualTo(onPath != null ? "PATH" : binary.source());
      if (onPath != null) {
        assertThat(binary.path()).isEqualTo(onPath);
      }
    }
  }

  @Test
  void withoutEnvironmentVariableOrPathTheEmbeddedBinaryIsExtractedAndRuns() throws Exception {
    RedisBinary.Resolved resolved = resolveEmbedded();

    assertThat(resolved.source()).startsWith("embedded-redis jar");
    assertThat(resolved.path()).startsWith(tmp.resolve("extract"));
    assertThat(Files.isExecutable(resolved.path())).isTrue();
    assertThat(RedisBinary.probeVersion(resolved.path())).startsWith("6.2.");
  }

  @Test
  void theEmbeddedBinaryServesAsANode() throws Exception {
    RedisBinary binary = RedisBinary.of(resolveEmbedded());

    try (RedisNode node = RedisNode.start(binary, List.of(), false)) {
      node.command("SET", "k", "v");
      assertThat(node.command("GET", "k")).isEqualTo("v");
      assertThat(node.info("server").get("redis_version")).startsWith("6.2.");
      node.pause();
      node.resume();
      assertThat(node.command("PING")).isEqualTo("PONG");
    }
  }

  @Test
  void theEmbeddedBinaryRunsSentinelsThatFailOver() throws Exception {
    RedisBinary binary = RedisBinary.of(resolveEmbedded());

    try (RedisSentinel sentinel = RedisSentinel.start(binary)) {
      RedisNode s = sentinel.sentinels().get(0);
      assertThat(s.info("server")).containsEntry("redis_mode", "sentinel");
      assertThat(s.info("server").get("redis_version")).startsWith("6.2.");
      RedisNode replica = sentinel.replica();

      assertThat(sentinel.failover()).isSameAs(replica).isSameAs(sentinel.primary());
      assertThat(replica.info("replication")).containsEntry("role", "master");
    }
  }

  @Test
  void theEmbeddedBinaryFormsAClusterWithClassicAddslots() throws Exception {
    RedisBinary binary = RedisBinary.of(resolveEmbedded());
    assertThat(binary.majorVersion()).isEqualTo(6);

    try (RedisCluster cluster = RedisCluster.start(binary)) {
      RedisNode owner = cluster.primaryForKey("k");
      owner.command("SET", "k", "v");
      assertThat(owner.command("GET", "k")).isEqualTo("v");
      assertThat(RedisNode.parseInfo((String) cluster.replicaOf(owner).command("CLUSTER", "INFO")))
          .containsEntry("cluster_state", "ok");
    }
  }
}

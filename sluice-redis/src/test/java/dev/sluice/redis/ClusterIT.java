package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.Rate;
import dev.sluice.RateLimiter;
import dev.sluice.testkit.Poll;
import dev.sluice.testkit.RedisCluster;
import dev.sluice.testkit.RedisExtension;
import dev.sluice.testkit.RedisNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Sluice on a real 3-primary, 3-replica Redis Cluster: exact on a hot key in both modes, keys
 * spread over every primary, and decisions that continue after a primary fails over to its replica.
 */
class ClusterIT {

  @RegisterExtension static final RedisExtension<RedisCluster> CLUSTER = RedisExtension.cluster();

  private static final Policy POLICY =
      Policy.of("spread", Limit.tokenBucket(5, Rate.of(1, Duration.ofHours(1))));

  private static RedisBackend backend(RedisBackend.Mode mode) {
    return RedisBackend.builder()
        .uri(String.join(",", CLUSTER.get().uris()))
        .cluster(true)
        .mode(mode)
        .timeout(Duration.ofSeconds(2))
        .build();
  }

  @ParameterizedTest
  @EnumSource(RedisBackend.Mode.class)
  void twoClientsOnOneHotKeyAdmitExactlyTheBound(RedisBackend.Mode mode)
      throws InterruptedException {
    HotKeyHarness.Result result =
        AccuracyIT.run(
            String.join(",", CLUSTER.get().uris()), true, mode, "cluster-accuracy-" + mode);
    AccuracyIT.assertExact(result);
  }

  @ParameterizedTest
  @EnumSource(RedisBackend.Mode.class)
  void tenThousandKeysSpreadOverEveryPrimary(RedisBackend.Mode mode) {
    try (RedisBackend backend = backend(mode)) {
      RateLimiter limiter = RateLimiter.builder().policy(POLICY).backend(backend).build();
      // In waves of 500 in flight, so that no call waits behind thousands of others past its
      // deadline.
      for (int wave = 0; wave < 10_000; wave += 500) {
        List<CompletableFuture<Decision>> decisions = new ArrayList<>();
        for (int i = wave; i < wave + 500; i++) {
          decisions.add(
              limiter
                  .tryAcquireAsync("spread-" + mode + "-" + i, "spread", 2)
                  .toCompletableFuture());
        }
        assertThat(decisions).allSatisfy(d -> assertThat(d.join().remaining()).isEqualTo(3));
      }
      for (RedisNode primary : CLUSTER.get().primaries()) {
        assertThat(
                Long.parseLong(
                    primary.info("keyspace").getOrDefault("db0", "keys=0").split("[=,]")[1]))
            .as("keys on %s", primary)
            .isGreaterThan(2_000);
      }
      assertThat(limiter.tryAcquire("spread-" + mode + "-7", "spread", 3).allowed()).isTrue();
      assertThat(limiter.tryAcquire("spread-" + mode + "-7", "spread", 1).allowed()).isFalse();
    }
  }

  @Test
  void decisionsContinueAfterAPrimaryFailsOver() throws Exception {
    try (RedisBackend backend = backend(RedisBackend.Mode.LUA)) {
      RateLimiter limiter =
          RateLimiter.builder()
              .policy(Policy.of("failover", Limit.tokenBucket(1_000_000, Rate.perSecond(1_000))))
              .backend(backend)
              .build();
      RedisNode victim = CLUSTER.get().primaries().get(0);
      String key = keyServedBy(victim);
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicLong ok = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      Thread load =
          new Thread(
              () -> {
                int i = 0;
                while (running.get()) {
                  try {
                    limiter.tryAcquire(i++ % 2 == 0 ? key : "other-" + i, "failover", 1);
                    ok.incrementAndGet();
                  } catch (RuntimeException e) {
                    failed.incrementAndGet();
                  }
                }
              });
      load.start();
      Thread.sleep(300);
      RedisNode promoted = CLUSTER.get().failover(victim);
      long okAtFailover = ok.get();
      Poll.until(
          Duration.ofSeconds(15),
          Duration.ofMillis(100),
          "decisions on the failed-over slot to resume",
          () -> limiter.tryAcquire(key, "failover", 1).allowed());
      Thread.sleep(500);
      running.set(false);
      load.join();
      assertThat(ok.get()).as("decisions after the failover").isGreaterThan(okAtFailover);
      assertThat(promoted.info("replication").get("role")).isEqualTo("master");
      System.out.printf(
          "failover: %d decisions, %d failed during the switch%n", ok.get(), failed.get());
    }
  }

  private static String keyServedBy(RedisNode primary) {
    for (int i = 0; ; i++) {
      String candidate = "victim-" + i;
      String redisKey =
          Keys.of(
              "sluice:",
              Policy.of("failover", Limit.tokenBucket(1_000_000, Rate.perSecond(1_000))),
              candidate)[0];
      if (CLUSTER.get().primaryForKey(redisKey).equals(primary)) {
        return candidate;
      }
    }
  }
}

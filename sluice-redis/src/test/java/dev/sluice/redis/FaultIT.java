package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.Rate;
import dev.sluice.ResilientBackend;
import dev.sluice.testkit.RedisCluster;
import dev.sluice.testkit.RedisExtension;
import dev.sluice.testkit.RedisNode;
import dev.sluice.testkit.RedisSentinel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What callers see while Redis is killed, paused (SIGSTOP), refusing connections, or failing over
 * (Sentinel promoting a replica, a cluster primary failing over): every call returns within the
 * deadline plus a generous margin, the configured failure policy answers every call made during the
 * fault (under {@code LOCAL}, a call that timed out before the circuit opened is denied: a late
 * call may still count in Redis), and decisions come from Redis again within a couple of seconds of
 * its return, without a restart. Latency distributions belong to the benchmarks; here only the
 * bounds are asserted.
 */
class FaultIT {

  static final Duration DEADLINE = Duration.ofMillis(50);
  static final Duration MARGIN = Duration.ofMillis(950);
  static final Duration RECOVERY = Duration.ofMillis(3_500);

  /** The breaker's default: failures must last this long before the circuit opens. */
  static final Duration OPEN_AFTER = Duration.ofMillis(500);

  static final Policy POLICY =
      Policy.of("faults", Limit.tokenBucket(1_000_000, Rate.perSecond(1_000)));

  /** One call as seen by the caller. */
  record Call(long startNanos, long endNanos, Decision decision) {}

  /** Calls made in a loop on one key until stopped. */
  static final class Load implements AutoCloseable {
    final List<Call> calls = new ArrayList<>();
    final AtomicBoolean running = new AtomicBoolean(true);
    final Thread thread;

    Load(ResilientBackend backend, String key) {
      thread =
          new Thread(
              () -> {
                while (running.get()) {
                  long start = System.nanoTime();
                  Decision decision = backend.tryAcquire(POLICY, key, 1);
                  long end = System.nanoTime();
                  synchronized (calls) {
                    calls.add(new Call(start, end, decision));
                  }
                  try {
                    Thread.sleep(2);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "fault-load");
      thread.start();
    }

    List<Call> between(long fromNanos, long toNanos) {
      synchronized (calls) {
        return calls.stream()
            .filter(c -> c.startNanos >= fromNanos && c.endNanos <= toNanos)
            .toList();
      }
    }

    /**
     * The first call started after {@code fromNanos} that Redis answered, in nanoseconds after it.
     */
    long recoveredAfter(long fromNanos) throws InterruptedException {
      long deadline = fromNanos + RECOVERY.toNanos() * 2;
      while (System.nanoTime() < deadline) {
        synchronized (calls) {
          for (Call call : calls) {
            if (call.startNanos >= fromNanos && call.decision.source() == Decision.Source.BACKEND) {
              return call.startNanos - fromNanos;
            }
          }
        }
        Thread.sleep(20);
      }
      return Long.MAX_VALUE;
    }

    void stop() throws InterruptedException {
      running.set(false);
      thread.join();
    }

    @Override
    public void close() {
      running.set(false);
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static ResilientBackend resilient(RedisBackend redis, ResilientBackend.OnFailure onFailure) {
    return ResilientBackend.builder(redis)
        .timeout(DEADLINE)
        .onFailure(onFailure)
        .denyCache(false)
        .build();
  }

  /** Runs load, injects the fault, ends it, and checks the three promises. */
  static void check(
      ResilientBackend backend,
      String key,
      ResilientBackend.OnFailure onFailure,
      Runnable inject,
      Runnable end)
      throws InterruptedException {
    try (Load load = new Load(backend, key)) {
      Thread.sleep(300);
      inject.run();
      long faultStart = System.nanoTime();
      Thread.sleep(1_500);
      long faultEnd = System.nanoTime();
      end.run();
      long back = System.nanoTime();
      long recovered = load.recoveredAfter(back);
      Thread.sleep(200);
      load.stop();

      List<Call> all = load.between(0, Long.MAX_VALUE);
      long slowest = all.stream().mapToLong(c -> c.endNanos - c.startNanos).max().orElseThrow();
      assertThat(Duration.ofNanos(slowest))
          .as("the slowest of %d calls", all.size())
          .isLessThan(DEADLINE.plus(MARGIN));

      List<Call> during = load.between(faultStart + DEADLINE.toNanos() * 2, faultEnd);
      assertThat(during).as("calls during the fault").hasSizeGreaterThan(5);
      assertThat(during)
          .as("every call during the fault is answered by the %s policy", onFailure)
          .allSatisfy(
              call -> {
                assertThat(call.decision.isFallback()).isTrue();
                if (onFailure != ResilientBackend.OnFailure.LOCAL) {
                  assertThat(call.decision.allowed())
                      .isEqualTo(onFailure == ResilientBackend.OnFailure.ALLOW);
                } else {
                  assertThat(
                          call.decision.allowed()
                              || call.decision.source() == Decision.Source.FALLBACK_TIMEOUT)
                      .as(
                          "the local limiter has tokens to spare; only a late call before the"
                              + " circuit opened (it may still count in Redis) is denied")
                      .isTrue();
                }
              });
      List<Call> open =
          load.between(faultStart + OPEN_AFTER.plus(DEADLINE).toNanos() * 2, faultEnd);
      assertThat(open)
          .as("once failures have lasted the breaker's open-after, the failure policy answers all")
          .hasSizeGreaterThan(5)
          .allSatisfy(
              call ->
                  assertThat(call.decision.allowed())
                      .isEqualTo(onFailure != ResilientBackend.OnFailure.DENY));
      assertThat(Duration.ofNanos(recovered))
          .as("decisions from Redis again after it returned")
          .isLessThan(RECOVERY);
      System.out.printf(
          "%s: %d calls, slowest %.1f ms, %d during the fault, Redis again after %.0f ms%n",
          onFailure, all.size(), slowest / 1e6, during.size(), recovered / 1e6);
    }
  }

  @Nested
  class SingleNode {
    @RegisterExtension static final RedisExtension<RedisNode> REDIS = RedisExtension.single();

    private RedisBackend redis() {
      return RedisBackend.builder().uri(REDIS.get().uri()).timeout(DEADLINE).build();
    }

    @ParameterizedTest
    @EnumSource(ResilientBackend.OnFailure.class)
    void killedThenRestarted(ResilientBackend.OnFailure onFailure) throws InterruptedException {
      try (RedisBackend redis = redis()) {
        check(
            resilient(redis, onFailure),
            "killed",
            onFailure,
            REDIS.get()::kill,
            REDIS.get()::restart);
      }
    }

    @ParameterizedTest
    @EnumSource(ResilientBackend.OnFailure.class)
    void pausedWithSigstopThenResumed(ResilientBackend.OnFailure onFailure)
        throws InterruptedException {
      try (RedisBackend redis = redis()) {
        check(
            resilient(redis, onFailure),
            "paused",
            onFailure,
            REDIS.get()::pause,
            REDIS.get()::resume);
      }
    }

    @ParameterizedTest
    @EnumSource(ResilientBackend.OnFailure.class)
    void refusingConnectionsThenBack(ResilientBackend.OnFailure onFailure)
        throws InterruptedException {
      try (RedisBackend redis = redis()) {
        ResilientBackend backend = resilient(redis, onFailure);
        // Killed and kept down: the port refuses every reconnect attempt until it is started again.
        check(
            backend,
            "refused",
            onFailure,
            REDIS.get()::kill,
            () -> {
              assertThat(backend.circuitState()).isNotEqualTo(ResilientBackend.CircuitState.CLOSED);
              REDIS.get().restart();
            });
      }
    }
  }

  @Nested
  class Sentinel {
    @RegisterExtension
    static final RedisExtension<RedisSentinel> SENTINEL = RedisExtension.sentinel();

    @ParameterizedTest
    @EnumSource(ResilientBackend.OnFailure.class)
    void thePrimaryDiesAndSentinelPromotesTheReplica(ResilientBackend.OnFailure onFailure)
        throws InterruptedException {
      RedisSentinel sentinel = SENTINEL.get();
      try (RedisBackend redis =
          RedisBackend.builder().uri(sentinel.uri()).timeout(DEADLINE).build()) {
        check(
            resilient(redis, onFailure),
            "sentinel",
            onFailure,
            sentinel.primary()::kill,
            () -> sentinel.awaitFailover(Duration.ofSeconds(15)));
      }
    }
  }

  @Nested
  class Cluster {
    @RegisterExtension static final RedisExtension<RedisCluster> CLUSTER = RedisExtension.cluster();

    @ParameterizedTest
    @EnumSource(ResilientBackend.OnFailure.class)
    void aPrimaryFailsOverToItsReplica(ResilientBackend.OnFailure onFailure)
        throws InterruptedException {
      RedisCluster cluster = CLUSTER.get();
      RedisNode victim = cluster.primaries().get(1);
      String key = keyServedBy(cluster, victim);
      try (RedisBackend redis =
          RedisBackend.builder()
              .uri(String.join(",", cluster.uris()))
              .cluster(true)
              .timeout(DEADLINE)
              .build()) {
        check(
            resilient(redis, onFailure),
            key,
            onFailure,
            victim::kill,
            () -> cluster.failover(victim));
      }
    }

    private String keyServedBy(RedisCluster cluster, RedisNode primary) {
      for (int i = 0; ; i++) {
        String candidate = "fault-" + i;
        if (cluster.primaryForKey(Keys.of("sluice:", POLICY, candidate)[0]).equals(primary)) {
          return candidate;
        }
      }
    }
  }
}

package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Backend;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.Rate;
import dev.sluice.RateLimiter;
import dev.sluice.testkit.RedisExtension;
import dev.sluice.testkit.RedisNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The hybrid mode on the benchmark scenario, on a real Redis: 3 instances (each its own backend and
 * Lettuce client), 8 threads each, one hot key, capacity 1000, refill 1000/s, 10 s, after half a
 * second of warm-up on another key. The same load in Lua mode, in the same test, is the baseline
 * for Redis calls, counted by Redis itself ({@code INFO commandstats}: EVALSHA and EVAL).
 *
 * <p>The error formula (see {@link HybridBackend}): from a fresh key the fleet admits at most
 * {@code capacity + rate x elapsed}, and at least that less {@code (instances + 1) x batch} (here
 * {@code 4 x 50 = 200} tokens, 1.8% of the 11,000) under a load far above the rate.
 */
class HybridAccuracyIT {

  @RegisterExtension static final RedisExtension<RedisNode> REDIS = RedisExtension.single();

  static final int INSTANCES = 3;
  static final int THREADS = 8 * INSTANCES;
  static final long CAPACITY = 1000;
  static final double RATE = 1000;
  static final long HYBRID_MILLIS = 10_000;
  static final long LUA_MILLIS = 4_000;

  static final Policy POLICY =
      Policy.of("bench", Limit.tokenBucket(CAPACITY, Rate.perSecond(1000)));

  /** One run: what it admitted, and the calls Redis counted during it. */
  record Run(HotKeyHarness.Result result, long redisCalls, long countedByBackends) {
    double callsPerDecision() {
      return (double) redisCalls / result.calls();
    }

    double callsPerSecond() {
      return redisCalls / (result.elapsedNanos() / 1e9);
    }
  }

  @Test
  void threeInstancesOnOneHotKeyStayWithinOnePercentAndCallRedisAtLeast25TimesLessThanLua()
      throws Exception {
    Run lua = run(false, LUA_MILLIS, "lua");
    Run hybrid = run(true, HYBRID_MILLIS, "hybrid");

    HotKeyHarness.Result h = hybrid.result();
    double bound = h.bound(CAPACITY, RATE);
    double floor = h.floor(CAPACITY, RATE);
    double over = Math.max(0, h.admitted() - bound) / bound;
    double under = Math.max(0, floor - h.admitted()) / floor;
    System.out.printf(
        "hybrid: admitted %d of %d decisions (%.0f/s) in %.2f s; bound %.1f, floor %.1f:"
            + " over-admission %.3f%%, under-admission %.3f%%%n",
        h.admitted(),
        h.calls(),
        h.calls() / (h.elapsedNanos() / 1e9),
        h.elapsedNanos() / 1e9,
        bound,
        floor,
        100 * over,
        100 * under);
    System.out.printf(
        "redis calls: lua %d for %d decisions (%.3f per decision, %.0f/s); hybrid %d for %d"
            + " decisions (%.6f per decision, %.0f/s): %.0fx fewer per decision, %.0fx fewer per"
            + " second%n",
        lua.redisCalls(),
        lua.result().calls(),
        lua.callsPerDecision(),
        lua.callsPerSecond(),
        hybrid.redisCalls(),
        h.calls(),
        hybrid.callsPerDecision(),
        hybrid.callsPerSecond(),
        lua.callsPerDecision() / hybrid.callsPerDecision(),
        lua.callsPerSecond() / hybrid.callsPerSecond());

    assertThat(lua.result().errors()).as("failed Lua calls").isZero();
    assertThat(h.errors()).as("failed hybrid calls").isZero();
    assertThat((double) h.admitted())
        .as("admitted of %s calls, bound %.1f", h.calls(), bound)
        .isLessThanOrEqualTo(bound * 1.01)
        .isGreaterThanOrEqualTo(floor - (INSTANCES + 1) * 50 - RATE * 0.05);
    // Redis counted the calls the backends counted: the counter the benchmark reads is right.
    assertThat(hybrid.redisCalls()).isEqualTo(hybrid.countedByBackends());
    assertThat(lua.callsPerDecision()).isGreaterThan(0.99);
    assertThat(hybrid.callsPerDecision()).isLessThanOrEqualTo(lua.callsPerDecision() / 25);
    assertThat(hybrid.callsPerSecond())
        .as("also per second, for the same threads")
        .isLessThanOrEqualTo(lua.callsPerSecond() / 25);
  }

  /**
   * A steady load below the rate, open loop: each instance asks 300 times a second (900/s in all,
   * under the 1000/s refill) for 4 s, asynchronously. An exact limiter admits every request; so
   * must the hybrid, with leases of 50 (a horizon's demand, 60, capped at 5% of the capacity):
   * about one call per 50 decisions where Lua mode makes one per decision.
   */
  @Test
  void aSteadyLoadBelowTheRateIsAllAdmittedWithAtLeast25TimesFewerCalls() throws Exception {
    List<HybridBackend> backends = new ArrayList<>();
    try {
      List<RateLimiter> instances = new ArrayList<>();
      for (int i = 0; i < INSTANCES; i++) {
        RedisBackend redis =
            RedisBackend.builder().uri(REDIS.get().uri()).timeout(Duration.ofSeconds(2)).build();
        HybridBackend backend = HybridBackend.builder(redis).build();
        backends.add(backend);
        instances.add(RateLimiter.builder().policy(POLICY).backend(backend).build());
      }
      instances.get(0).reset("steady", "bench");
      long callsBefore = scriptCalls();
      List<List<CompletableFuture<Decision>>> answers = new ArrayList<>();
      List<Thread> pacers = new ArrayList<>();
      int perInstance = 1200;
      long intervalNanos = 1_000_000_000L / 300;
      long begin = System.nanoTime();
      for (RateLimiter instance : instances) {
        List<CompletableFuture<Decision>> mine = new ArrayList<>();
        answers.add(mine);
        Thread pacer =
            new Thread(
                () -> {
                  for (int i = 0; i < perInstance; i++) {
                    long due = begin + i * intervalNanos;
                    while (System.nanoTime() < due) {
                      LockSupport.parkNanos(due - System.nanoTime());
                    }
                    mine.add(instance.tryAcquireAsync("steady", "bench", 1).toCompletableFuture());
                  }
                });
        pacers.add(pacer);
        pacer.start();
      }
      for (Thread pacer : pacers) {
        pacer.join();
      }
      long admitted = 0;
      long failed = 0;
      for (List<CompletableFuture<Decision>> mine : answers) {
        for (CompletableFuture<Decision> answer : mine) {
          Decision decision = answer.handle((d, e) -> d).join();
          failed += decision == null ? 1 : 0;
          admitted += decision != null && decision.allowed() ? 1 : 0;
        }
      }
      long calls = scriptCalls() - callsBefore;
      long requests = (long) perInstance * INSTANCES;
      System.out.printf(
          "steady load: %d of %d admitted in %.2f s with %d Redis calls (%.1f decisions per"
              + " call)%n",
          admitted, requests, (System.nanoTime() - begin) / 1e9, calls, (double) requests / calls);
      assertThat(failed).isZero();
      assertThat(admitted).isEqualTo(requests);
      assertThat(calls).isLessThanOrEqualTo(requests / 25);
    } finally {
      backends.forEach(HybridBackend::close);
    }
  }

  private static Run run(boolean hybrid, long millis, String key) throws InterruptedException {
    List<Backend> backends = new ArrayList<>();
    try {
      List<RateLimiter> instances = new ArrayList<>();
      for (int i = 0; i < INSTANCES; i++) {
        RedisBackend redis =
            RedisBackend.builder().uri(REDIS.get().uri()).timeout(Duration.ofSeconds(2)).build();
        Backend backend = hybrid ? HybridBackend.builder(redis).build() : redis;
        backends.add(backend);
        instances.add(RateLimiter.builder().policy(POLICY).backend(backend).build());
      }
      HotKeyHarness.run(
          THREADS,
          500,
          t -> instances.get(t % INSTANCES).tryAcquire("warm-up-" + key, "bench", 1).allowed());
      instances.get(0).reset(key, "bench");
      long countedBefore = counted(backends);
      long callsBefore = scriptCalls();
      HotKeyHarness.Result result =
          HotKeyHarness.run(
              THREADS,
              millis,
              t -> instances.get(t % INSTANCES).tryAcquire(key, "bench", 1).allowed());
      long calls = scriptCalls() - callsBefore;
      return new Run(result, calls, counted(backends) - countedBefore);
    } finally {
      backends.forEach(Backend::close);
    }
  }

  /**
   * The script calls the backends made: lease, give-back and delegated decisions (no peek or reset
   * here).
   */
  private static long counted(List<Backend> backends) {
    long calls = 0;
    for (Backend backend : backends) {
      if (backend instanceof HybridBackend hybrid) {
        HybridStats stats = hybrid.stats();
        calls += stats.leaseCalls() + stats.returnCalls() + stats.delegatedDecisions();
      }
    }
    return calls;
  }

  /** EVALSHA and EVAL calls Redis has run, from INFO commandstats. */
  private static long scriptCalls() {
    Map<String, String> stats = REDIS.get().info("commandstats");
    return calls(stats.get("cmdstat_evalsha")) + calls(stats.get("cmdstat_eval"));
  }

  private static long calls(String stat) {
    if (stat == null) {
      return 0;
    }
    for (String field : stat.split(",")) {
      if (field.startsWith("calls=")) {
        return Long.parseLong(field.substring("calls=".length()));
      }
    }
    return 0;
  }
}

package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.CalendarUnit;
import dev.sluice.Decision;
import dev.sluice.InMemoryBackend;
import dev.sluice.Limit;
import dev.sluice.ManualTimeSource;
import dev.sluice.Policy;
import dev.sluice.Rate;
import dev.sluice.RateLimiter;
import dev.sluice.testkit.RedisExtension;
import dev.sluice.testkit.RedisNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random sequences of (time step, key, cost, acquire, peek or reset) through the Java reference
 * model (the in-memory backend) and through Redis with a client clock give identical decisions, for
 * every algorithm, in both modes, with rates, capacities, windows and times at the edges of the
 * supported range. Lua numbers are doubles: this is the proof that the script stays exact.
 */
class DifferentialIT {

  @RegisterExtension static final RedisExtension<RedisNode> REDIS = RedisExtension.single();

  private static final long TWO_52 = 1L << 52;

  private static RedisBackend lua;
  private static RedisBackend transaction;
  private static ManualTimeSource clock;

  @BeforeAll
  static void connect() {
    clock = new ManualTimeSource();
    lua = backend(RedisBackend.Mode.LUA);
    transaction = backend(RedisBackend.Mode.TRANSACTION);
  }

  private static RedisBackend backend(RedisBackend.Mode mode) {
    return RedisBackend.builder()
        .uri(REDIS.get().uri())
        .mode(mode)
        .clientClock(clock)
        .minimumTtl(Duration.ofDays(1))
        .timeout(Duration.ofSeconds(5))
        .keyPrefix("diff-" + mode + ":")
        .build();
  }

  @AfterAll
  static void close() {
    lua.close();
    transaction.close();
  }

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    List<Policy> policies =
        List.of(
            Policy.of("seed", Limit.tokenBucket(10, Rate.perSecond(1))),
            Policy.of("thirds", Limit.tokenBucket(7, Rate.of(3, Duration.ofSeconds(1)))),
            Policy.of("fastest", Limit.tokenBucket(1_000_000_000, Rate.perSecond(10_000_000))),
            Policy.of("slowest", Limit.tokenBucket(52_000, Rate.of(1, Duration.ofDays(1)))),
            Policy.of("yearly", Limit.tokenBucket(142, Rate.of(1, Duration.ofDays(366)))),
            Policy.of("odd", Limit.tokenBucket(999_983, Rate.of(7, Duration.ofMillis(13)))),
            Policy.of("leaky", Limit.leakyBucket(5, Rate.of(2, Duration.ofSeconds(3)))),
            Policy.of(
                "leaky-huge",
                Limit.leakyBucket(4_000_000, Rate.of(1, Duration.ofNanos(1_000_000_001_000L)))),
            Policy.of("fixed", Limit.fixedWindow(5, Duration.ofSeconds(1))),
            Policy.of("fixed-edge", Limit.fixedWindow(1_000_000_000, Duration.ofDays(30))),
            Policy.of("fixed-year", Limit.fixedWindow(1_000_000_000, Duration.ofDays(366))),
            Policy.of("fixed-ms", Limit.fixedWindow(3, Duration.ofMillis(1))),
            Policy.of("daily", Limit.calendarWindow(5, CalendarUnit.DAY)),
            Policy.of("weekly", Limit.calendarWindow(7, CalendarUnit.WEEK)),
            Policy.of("monthly", Limit.calendarWindow(1_000_000_000, CalendarUnit.MONTH)),
            Policy.of("yearly-calendar", Limit.calendarWindow(20, CalendarUnit.YEAR)),
            Policy.of("sliding", Limit.slidingWindow(10, Duration.ofSeconds(1))),
            Policy.of("sliding-edge", Limit.slidingWindow(1_000_000_000, Duration.ofDays(30))),
            Policy.of("sliding-year", Limit.slidingWindow(1_000_000_000, Duration.ofDays(366))),
            Policy.of("sliding-odd", Limit.slidingWindow(97, Duration.ofMillis(1_234_567))),
            Policy.of("log", Limit.slidingLog(5, Duration.ofSeconds(2))),
            Policy.of("log-ms", Limit.slidingLog(50, Duration.ofMillis(1))),
            Policy.of("log-year", Limit.slidingLog(50, Duration.ofDays(366))),
            Policy.of(
                "logs",
                Limit.slidingLog(5, Duration.ofSeconds(2)),
                Limit.slidingLog(12, Duration.ofSeconds(20))),
            Policy.of(
                "multi",
                Limit.tokenBucket(10, Rate.perSecond(5)),
                Limit.fixedWindow(20, Duration.ofSeconds(10)),
                Limit.slidingWindow(15, Duration.ofSeconds(5)),
                Limit.slidingLog(12, Duration.ofSeconds(4)),
                Limit.leakyBucket(8, Rate.perSecond(3))));
    long seed = 20261127L;
    for (Policy policy : policies) {
      for (RedisBackend.Mode mode : RedisBackend.Mode.values()) {
        cases.add(Arguments.of(policy, mode, seed++));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void redisDecidesExactlyAsTheReferenceModel(Policy policy, RedisBackend.Mode mode, long seed) {
    Random random = new Random(seed);
    RedisBackend redis = mode == RedisBackend.Mode.LUA ? lua : transaction;
    InMemoryBackend memory = InMemoryBackend.builder().timeSource(clock).build();
    RateLimiter expected = RateLimiter.builder().policy(policy).backend(memory).build();
    RateLimiter actual = RateLimiter.builder().policy(policy).backend(redis).build();
    long maxCost = policy.maxCost();
    long scale = timeScale(policy);
    String[] keys = {"a", "b:{c}", "ü 名"};
    for (String key : keys) {
      actual.reset(key, policy.name());
    }
    clock.set(
        random.nextBoolean() ? random.nextLong(TWO_52) - TWO_52 / 2 : TWO_52 - 4 * scale * 200);
    for (int step = 0; step < 200; step++) {
      int jump = random.nextInt(10);
      if (jump < 4) {
        clock.advanceMicros(0);
      } else if (jump < 8) {
        clock.advanceMicros(random.nextLong(scale / 4 + 1));
      } else if (jump < 9) {
        clock.advanceMicros(random.nextLong(4 * scale + 1));
      } else {
        clock.advanceMicros(-random.nextLong(scale / 8 + 1));
      }
      String key = keys[random.nextInt(keys.length)];
      long cost =
          random.nextInt(4) == 0
              ? 1 + random.nextLong(maxCost)
              : 1 + random.nextLong(Math.min(maxCost, 3));
      if (random.nextInt(40) == 0) {
        expected.reset(key, policy.name());
        actual.reset(key, policy.name());
      } else if (random.nextInt(12) == 0) {
        Decision want = expected.refund(key, policy.name(), cost);
        assertThat(actual.refund(key, policy.name(), cost))
            .as("refund %d at step %d, t=%d, key %s", cost, step, clock.nowMicros(), key)
            .isEqualTo(want);
      } else if (random.nextInt(6) == 0) {
        Decision want = expected.peek(key, policy.name());
        assertThat(actual.peek(key, policy.name()))
            .as("peek at step %d, t=%d", step, clock.nowMicros())
            .isEqualTo(want);
      } else {
        Decision want = expected.tryAcquire(key, policy.name(), cost);
        assertThat(actual.tryAcquire(key, policy.name(), cost))
            .as("step %d, t=%d, key %s, cost %d", step, clock.nowMicros(), key, cost)
            .isEqualTo(want);
      }
    }
  }

  /** A time step that makes the sequence cross refills and window edges often (at most 11 days). */
  private static long timeScale(Policy policy) {
    long scale =
        policy.limits().stream()
            .mapToLong(
                limit ->
                    limit.window().toNanos() / 1_000 / Math.max(1, Math.min(limit.capacity(), 20)))
            .min()
            .orElseThrow();
    return Math.max(1, Math.min(scale, 1_000_000_000_000L));
  }

  /**
   * Versions of one policy, as a reload or a rolling deploy gives them: capacities raised and
   * lowered, rates changed to other scales, windows kept and changed, algorithms switched, limits
   * added, removed and reordered under their ids.
   */
  static Stream<Arguments> changes() {
    List<List<Policy>> families =
        List.of(
            List.of(
                Policy.of("tb", Limit.tokenBucket(10, Rate.perSecond(1))),
                Policy.of("tb", Limit.tokenBucket(50, Rate.perSecond(1))),
                Policy.of("tb", Limit.tokenBucket(3, Rate.of(7, Duration.ofSeconds(3)))),
                Policy.of("tb", Limit.tokenBucket(999_983, Rate.of(7, Duration.ofMillis(13)))),
                Policy.of("tb", Limit.tokenBucket(52_000, Rate.of(1, Duration.ofDays(1)))),
                Policy.of("tb", Limit.leakyBucket(10, Rate.perSecond(1)))),
            List.of(
                Policy.of("lb", Limit.leakyBucket(5, Rate.of(2, Duration.ofSeconds(3)))),
                Policy.of("lb", Limit.leakyBucket(20, Rate.of(1, Duration.ofMillis(250)))),
                Policy.of("lb", Limit.leakyBucket(2, Rate.perSecond(10_000_000)))),
            List.of(
                Policy.of("fw", Limit.fixedWindow(5, Duration.ofSeconds(1))),
                Policy.of("fw", Limit.fixedWindow(2, Duration.ofSeconds(1))),
                Policy.of("fw", Limit.fixedWindow(40, Duration.ofSeconds(1))),
                Policy.of("fw", Limit.fixedWindow(5, Duration.ofSeconds(2))),
                Policy.of("fw", Limit.slidingWindow(5, Duration.ofSeconds(1)))),
            List.of(
                Policy.of("cal", Limit.calendarWindow(5, CalendarUnit.DAY)),
                Policy.of("cal", Limit.calendarWindow(2, CalendarUnit.DAY)),
                Policy.of("cal", Limit.fixedWindow(5, Duration.ofDays(1))),
                Policy.of("cal", Limit.calendarWindow(9, CalendarUnit.WEEK))),
            List.of(
                Policy.of("sw", Limit.slidingWindow(10, Duration.ofSeconds(1))),
                Policy.of("sw", Limit.slidingWindow(3, Duration.ofSeconds(1))),
                Policy.of("sw", Limit.slidingWindow(1_000, Duration.ofSeconds(1))),
                Policy.of("sw", Limit.slidingWindow(10, Duration.ofMillis(1_234_567)))),
            List.of(
                Policy.of("sl", Limit.slidingLog(5, Duration.ofSeconds(2))),
                Policy.of("sl", Limit.slidingLog(2, Duration.ofSeconds(2))),
                Policy.of("sl", Limit.slidingLog(30, Duration.ofSeconds(2))),
                Policy.of("sl", Limit.slidingLog(5, Duration.ofSeconds(3))),
                Policy.of("sl", Limit.fixedWindow(5, Duration.ofSeconds(2)))),
            List.of(
                Policy.builder("ids")
                    .limit("burst", Limit.tokenBucket(10, Rate.perSecond(5)))
                    .limit("day", Limit.fixedWindow(40, Duration.ofSeconds(10)))
                    .limit("log", Limit.slidingLog(12, Duration.ofSeconds(4)))
                    .build(),
                Policy.builder("ids")
                    .limit("log", Limit.slidingLog(6, Duration.ofSeconds(4)))
                    .limit("burst", Limit.tokenBucket(20, Rate.perSecond(3)))
                    .build(),
                Policy.builder("ids")
                    .limit("day", Limit.fixedWindow(15, Duration.ofSeconds(10)))
                    .limit("new", Limit.slidingWindow(8, Duration.ofSeconds(5)))
                    .limit("burst", Limit.leakyBucket(10, Rate.perSecond(5)))
                    .build()));
    List<Arguments> cases = new ArrayList<>();
    long seed = 20261201L;
    for (List<Policy> family : families) {
      for (RedisBackend.Mode mode : RedisBackend.Mode.values()) {
        cases.add(Arguments.of(family.get(0).name(), family, mode, seed++));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} {2}")
  @MethodSource("changes")
  void aChangedLimitCarriesTheSameUsageInRedisAsInTheReferenceModel(
      String name, List<Policy> versions, RedisBackend.Mode mode, long seed) {
    Random random = new Random(seed);
    RedisBackend redis = mode == RedisBackend.Mode.LUA ? lua : transaction;
    InMemoryBackend memory = InMemoryBackend.builder().timeSource(clock).build();
    List<RateLimiter> expected = new ArrayList<>();
    List<RateLimiter> actual = new ArrayList<>();
    for (Policy version : versions) {
      expected.add(RateLimiter.builder().policy(version).backend(memory).build());
      actual.add(RateLimiter.builder().policy(version).backend(redis).build());
    }
    String[] keys = {"a", "b:{c}"};
    for (String key : keys) {
      for (RateLimiter limiter : actual) {
        limiter.reset(key, name);
      }
    }
    clock.set(random.nextLong(TWO_52) - TWO_52 / 2);
    for (int step = 0; step < 400; step++) {
      int jump = random.nextInt(10);
      if (jump < 5) {
        clock.advanceMicros(random.nextLong(400_000));
      } else if (jump < 8) {
        clock.advanceMicros(0);
      } else if (jump < 9) {
        clock.advanceMicros(random.nextLong(5_000_000));
      } else {
        clock.advanceMicros(-random.nextLong(300_000));
      }
      // A fleet mid-rollout: each request meets one version of the policy.
      int v = random.nextInt(versions.size());
      Policy version = versions.get(v);
      String key = keys[random.nextInt(keys.length)];
      long cost = 1 + random.nextLong(Math.min(version.maxCost(), 4));
      if (random.nextInt(6) == 0) {
        assertThat(actual.get(v).peek(key, name))
            .as("peek under version %d at step %d, t=%d", v, step, clock.nowMicros())
            .isEqualTo(expected.get(v).peek(key, name));
      } else {
        assertThat(actual.get(v).tryAcquire(key, name, cost))
            .as("version %d, step %d, t=%d, key %s, cost %d", v, step, clock.nowMicros(), key, cost)
            .isEqualTo(expected.get(v).tryAcquire(key, name, cost));
      }
    }
  }
}

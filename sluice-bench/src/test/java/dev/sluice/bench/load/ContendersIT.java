package dev.sluice.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.RedisNode;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every contender of the Redis benchmark works against a real Redis: a few hundred decisions each,
 * through the same closed loop the benchmark uses, with a limit small enough to see both answers.
 */
class ContendersIT {

  private static RedisNode redis;

  @BeforeAll
  static void start() {
    redis = RedisNode.start();
  }

  @AfterAll
  static void stop() {
    redis.close();
  }

  @BeforeEach
  void flush() {
    redis.command("FLUSHALL");
  }

  static List<String> names() {
    return Contenders.NAMES;
  }

  @ParameterizedTest
  @MethodSource("names")
  void decidesUnderConcurrentLoad(String name) {
    try (Contender contender =
        Contenders.open(name, redis.uri(), new LimitSpec(50, 50), List.of("a", "b"))) {
      assertThat(contender.name()).isEqualTo(name);
      for (int i = 0; i < 100; i++) {
        contender.tryAcquire("b");
      }
      ClosedLoop.Result result =
          ClosedLoop.run(
              contender, 4, measuring -> measuring ? "a" : "b", 0, 300, new ClosedLoop.Hooks() {});

      assertThat(result.errors()).as(result.firstError()).isZero();
      assertThat(result.decisions()).isGreaterThan(50);
      if (name.equals("lettuce-ping")) {
        assertThat(result.allowed()).isEqualTo(result.decisions());
      } else if (name.equals("seed")) {
        // Read-then-write: concurrent callers over-admit, by how much depends on the timing.
        assertThat(result.allowed()).isGreaterThanOrEqualTo(40L);
      } else {
        // A bucket of 50 refilled at 50/s for 0.3 s: about 50 to 65 allowed, the rest denied.
        assertThat(result.allowed()).isBetween(40L, 80L);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("names")
  void countsCommandsAndServerTime(String name) {
    try (Contender contender = Contenders.open(name, redis.uri(), LimitSpec.OPEN, List.of("k"))) {
      RedisStats before = stats();
      for (int i = 0; i < 200; i++) {
        assertThat(contender.tryAcquire("k")).isTrue();
      }
      RedisStats after = stats();
      MonitorSample sample;
      try (MonitorSample.Recorder monitor =
          new MonitorSample.Recorder(redis.host(), redis.port())) {
        for (int i = 0; i < 50; i++) {
          contender.tryAcquire("k");
        }
        sample = monitor.stop();
      }
      double[] perDecision = RedisStats.perDecision(before, after, sample, 200);
      if (name.equals("sluice-hybrid")) {
        // Leases: most decisions make no call at all.
        assertThat(perDecision[0]).as("commands per decision").isLessThan(0.5);
        return;
      }
      assertThat(sample.lines()).isGreaterThanOrEqualTo(50);
      assertThat(perDecision[0]).as("commands per decision").isBetween(1.0, 8.0);
      assertThat(perDecision[1]).as("server us per decision").isPositive();
      if (name.equals("sluice-lua") || name.equals("lettuce-ping")) {
        assertThat(perDecision[0]).isCloseTo(1.0, org.assertj.core.data.Offset.offset(0.05));
      }
    }
  }

  private static RedisStats stats() {
    return RedisStats.parse(
        (String) redis.command("INFO", "commandstats"), (String) redis.command("INFO", "cpu"));
  }
}

package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * Runs sample test classes through the JUnit engine in-process and checks the extension's
 * lifecycle: fixtures are started and stopped at the right time, replaced after faults, and no
 * process or directory survives, even when tests fail.
 */
class RedisExtensionIT {

  private static final String SAMPLES = "sluice.testkit.samples";

  /** Pid and directory of a node seen by a sample test. */
  record Seen(String test, long pid, int port, Path dir) {
    static Seen of(String test, RedisNode node) {
      return new Seen(test, node.pid(), node.port(), node.directory());
    }

    boolean alive() {
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
  }

  static final List<Seen> SEEN = new CopyOnWriteArrayList<>();

  private static EngineExecutionResults run(Class<?> sample) {
    SEEN.clear();
    System.setProperty(SAMPLES, "true");
    try {
      return EngineTestKit.engine("junit-jupiter").selectors(selectClass(sample)).execute();
    } finally {
      System.clearProperty(SAMPLES);
    }
  }

  private static void assertNothingLeftBehind() {
    assertThat(SEEN).isNotEmpty();
    for (Seen seen : SEEN) {
      assertThat(seen.alive()).as("process of " + seen.test() + " still alive").isFalse();
      assertThat(Files.exists(seen.dir()))
          .as("directory of " + seen.test() + " still exists")
          .isFalse();
    }
  }

  @Test
  void classLevelFixtureIsSharedReplacedAfterFaultsAndStoppedEvenWhenTestsFail() {
    EngineExecutionResults results = run(ClassLevelSample.class);

    results.testEvents().assertStatistics(stats -> stats.started(5).succeeded(4).failed(1));
    assertThat(SEEN)
        .extracting(Seen::test)
        .containsExactly(
            "first", "killsIt", "getsAFreshNode", "failsWhilePaused", "getsAnotherFreshNode");
    Seen first = SEEN.get(0);
    assertThat(SEEN.get(1).pid()).as("untouched fixture is reused").isEqualTo(first.pid());
    assertThat(SEEN.get(2).pid()).as("faulted fixture was replaced").isNotEqualTo(first.pid());
    assertThat(SEEN.get(3).pid()).isEqualTo(SEEN.get(2).pid());
    assertThat(SEEN.get(4).pid()).isNotEqualTo(SEEN.get(3).pid());
    assertNothingLeftBehind();
  }

  @Test
  void instanceFieldGivesEachTestItsOwnFixture() {
    EngineExecutionResults results = run(PerMethodSample.class);

    results.testEvents().assertStatistics(stats -> stats.started(3).succeeded(2).failed(1));
    assertThat(SEEN).hasSize(3);
    assertThat(SEEN.stream().map(Seen::pid).distinct()).hasSize(3);
    assertNothingLeftBehind();
  }

  @Test
  void nestedClassesShareTheOuterFixture() {
    EngineExecutionResults results = run(NestedSample.class);

    results.testEvents().assertStatistics(stats -> stats.started(2).succeeded(2));
    assertThat(SEEN).hasSize(2);
    assertThat(SEEN.get(0).pid()).isEqualTo(SEEN.get(1).pid());
    assertNothingLeftBehind();
  }

  @Test
  void sentinelFixtureIsReplacedAfterAFailoverStartedByAClient() {
    EngineExecutionResults results = run(SentinelSample.class);

    results.testEvents().assertStatistics(stats -> stats.started(3).succeeded(3));
    List<Long> untouched = pidsOf("untouched");
    assertThat(untouched).hasSize(5).doesNotHaveDuplicates();
    assertThat(pidsOf("failsOverThroughACommand"))
        .as("untouched fixture is reused")
        .isEqualTo(untouched);
    assertThat(pidsOf("getsAFreshOne"))
        .as("failed-over fixture was replaced")
        .hasSize(5)
        .doesNotContainAnyElementsOf(untouched);
    assertNothingLeftBehind();
  }

  private static List<Long> pidsOf(String test) {
    return SEEN.stream().filter(s -> s.test().equals(test)).map(Seen::pid).toList();
  }

  @Test
  void getOutsideOfATestFails() {
    assertThatThrownBy(() -> RedisExtension.single().get())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not running");
  }

  // -------------------------------------------------------------- samples, run only through the
  // engine above

  @EnabledIfSystemProperty(named = SAMPLES, matches = "true")
  @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
  static class ClassLevelSample {
    @RegisterExtension static final RedisExtension<RedisNode> redis = RedisExtension.single();

    @Test
    @Order(1)
    void first() {
      SEEN.add(Seen.of("first", redis.get()));
    }

    @Test
    @Order(2)
    void killsIt() {
      SEEN.add(Seen.of("killsIt", redis.get()));
      redis.get().kill();
    }

    @Test
    @Order(3)
    void getsAFreshNode() {
      SEEN.add(Seen.of("getsAFreshNode", redis.get()));
      assertThat(redis.get().command("PING")).isEqualTo("PONG");
    }

    @Test
    @Order(4)
    void failsWhilePaused() {
      SEEN.add(Seen.of("failsWhilePaused", redis.get()));
      redis.get().pause();
      throw new AssertionError("deliberate failure with a paused node");
    }

    @Test
    @Order(5)
    void getsAnotherFreshNode() {
      SEEN.add(Seen.of("getsAnotherFreshNode", redis.get()));
      assertThat(redis.get().command("PING")).isEqualTo("PONG");
    }
  }

  @EnabledIfSystemProperty(named = SAMPLES, matches = "true")
  @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
  static class SentinelSample {
    @RegisterExtension static final RedisExtension<RedisSentinel> redis = RedisExtension.sentinel();

    private static void see(String test) {
      redis.get().nodes().forEach(n -> SEEN.add(Seen.of(test, n)));
      redis.get().sentinels().forEach(n -> SEEN.add(Seen.of(test, n)));
    }

    @Test
    @Order(1)
    void untouched() {
      see("untouched");
    }

    @Test
    @Order(2)
    void failsOverThroughACommand() {
      see("failsOverThroughACommand");
      // not through the fixture: the extension must notice from the Sentinels' view
      redis.get().sentinels().get(0).command("SENTINEL", "FAILOVER", RedisSentinel.MASTER_NAME);
    }

    @Test
    @Order(3)
    void getsAFreshOne() {
      see("getsAFreshOne");
      assertThat(redis.get().primary()).isSameAs(redis.get().nodes().get(0));
    }
  }

  @EnabledIfSystemProperty(named = SAMPLES, matches = "true")
  static class PerMethodSample {
    @RegisterExtension final RedisExtension<RedisNode> redis = RedisExtension.single();

    @Test
    void one() {
      SEEN.add(Seen.of("one", redis.get()));
    }

    @Test
    void two() {
      SEEN.add(Seen.of("two", redis.get()));
      redis.get().pause();
    }

    @Test
    void three() {
      SEEN.add(Seen.of("three", redis.get()));
      throw new AssertionError("deliberate failure");
    }
  }

  @EnabledIfSystemProperty(named = SAMPLES, matches = "true")
  static class NestedSample {
    @RegisterExtension static final RedisExtension<RedisNode> redis = RedisExtension.single();

    @Test
    void outer() {
      SEEN.add(Seen.of("outer", redis.get()));
    }

    @Nested
    class Inner {
      @Test
      void inner() {
        SEEN.add(Seen.of("inner", redis.get()));
      }
    }
  }
}

package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The supported polling helper: when it returns, how it fails, what it rejects. */
class PollTest {

  @Test
  void returnsAsSoonAsTheConditionHolds() {
    AtomicInteger checks = new AtomicInteger();

    Poll.until(
        Duration.ofSeconds(10),
        Duration.ofMillis(1),
        "a third check",
        () -> checks.incrementAndGet() == 3);

    assertThat(checks).hasValue(3);
  }

  @Test
  void aConditionThatHoldsAtOnceIsCheckedOnceEvenWithNoTime() {
    AtomicInteger checks = new AtomicInteger();

    Poll.until(Duration.ZERO, "the first check", () -> checks.incrementAndGet() == 1);

    assertThat(checks).hasValue(1);
  }

  @Test
  void failsAfterTheTimeoutSayingWhatItWaitedForWithTheDiagnostics() {
    assertThatThrownBy(
            () -> Poll.until(Duration.ofMillis(30), "Godot", () -> false, () -> "the stage:"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Timed out after 30 ms waiting for Godot\nthe stage:")
        .hasNoCause();
  }

  @Test
  void anExceptionCountsAsNotYetAndTheLastOneIsTheCause() {
    IOException refused = new IOException("connection refused");
    AtomicInteger checks = new AtomicInteger();

    assertThatThrownBy(
            () ->
                Poll.until(
                    Duration.ofMillis(30),
                    Duration.ofMillis(1),
                    "a connection",
                    () -> {
                      checks.incrementAndGet();
                      throw refused;
                    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Timed out after 30 ms waiting for a connection"
                + " (last error: java.io.IOException: connection refused)")
        .hasCause(refused);
    assertThat(checks.get()).isGreaterThan(1);
  }

  @Test
  void withinSaysWhetherTheConditionHeldInsteadOfThrowing() {
    assertThat(Poll.within(Duration.ofMillis(20), Duration.ofMillis(1), () -> false)).isFalse();
    assertThat(Poll.within(Duration.ofMillis(20), Duration.ofMillis(1), () -> true)).isTrue();
  }

  @Test
  void anInterruptEndsTheWaitAndStaysSet() {
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> Poll.until(Duration.ofSeconds(10), "nothing", () -> false))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("interrupted")
          .hasCauseInstanceOf(InterruptedException.class);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void rejectsABadTimeoutIntervalOrMissingArgument() {
    assertThatThrownBy(() -> Poll.until(Duration.ofSeconds(-1), "x", () -> true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout must not be negative: PT-1S");
    assertThatThrownBy(() -> Poll.until(Duration.ofSeconds(1), Duration.ZERO, "x", () -> true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("interval must be positive: PT0S");
    assertThatThrownBy(() -> Poll.until(null, "x", () -> true))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("timeout");
    assertThatThrownBy(() -> Poll.until(Duration.ofSeconds(1), null, () -> true))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("what");
    assertThatThrownBy(() -> Poll.until(Duration.ofSeconds(1), "x", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("condition");
  }
}

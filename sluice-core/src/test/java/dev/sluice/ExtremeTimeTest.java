package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.tck.RateAlgorithms;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every algorithm at the ends of the clock: times near {@link Long#MAX_VALUE} and {@link
 * Long#MIN_VALUE}, negative start times and jumps from one end to the other. No overflow, no
 * exception, remaining within {@code [0, capacity]}, waits never negative, and a drained key admits
 * again once its retryAfter has passed.
 */
class ExtremeTimeTest {

  private static final long DAY = 86_400_000_000L;

  static Stream<Arguments> startTimes() {
    long[] starts = {
      Long.MIN_VALUE, Long.MIN_VALUE + 1, -DAY * 365 * 1000, -1, 0, 1, Long.MAX_VALUE - 2 * DAY
    };
    return Stream.of(Algorithm.values())
        .filter(algorithm -> algorithm != Algorithm.CONCURRENCY)
        .flatMap(
            algorithm ->
                java.util.Arrays.stream(starts).mapToObj(start -> Arguments.of(algorithm, start)));
  }

  @ParameterizedTest(name = "{0} from {1}")
  @MethodSource("startTimes")
  void drainThenAdmitAgainAfterRetryAfter(Algorithm algorithm, long start) {
    ManualTimeSource clock = new ManualTimeSource(start);
    RateLimiter limiter =
        RateLimiter.builder().limits(limitOf(algorithm)).timeSource(clock).build();

    int admitted = 0;
    Decision decision;
    while ((decision = sane(limiter.tryAcquire("k"))).allowed()) {
      admitted++;
    }
    assertThat(admitted).isEqualTo(10);
    assertThat(decision.retryAfterMicros()).isBetween(1L, DAY);
    sane(limiter.peek("k"));

    clock.advanceMicros(decision.retryAfterMicros());
    assertThat(sane(limiter.tryAcquire("k")).allowed()).isTrue();
  }

  @ParameterizedTest
  @RateAlgorithms
  void theLastMicrosecondsOfTheClock(Algorithm algorithm) {
    ManualTimeSource clock = new ManualTimeSource(Long.MAX_VALUE - 3_000_000);
    RateLimiter limiter =
        RateLimiter.builder().limits(limitOf(algorithm)).timeSource(clock).build();
    for (int i = 0; i < 12; i++) {
      sane(limiter.tryAcquire("k"));
    }
    clock.set(Long.MAX_VALUE - 1);
    sane(limiter.tryAcquire("k"));
    clock.set(Long.MAX_VALUE);
    sane(limiter.peek("k"));
    for (int i = 0; i < 12; i++) {
      sane(limiter.tryAcquire("k"));
      sane(limiter.tryAcquire("fresh-at-the-end"));
    }
    assertThat(limiter.tryAcquire("k").allowed()).isFalse();
  }

  @ParameterizedTest
  @RateAlgorithms
  void aJumpFromTheFirstToTheLastMicrosecondFindsAFreshKey(Algorithm algorithm) {
    ManualTimeSource clock = new ManualTimeSource(Long.MIN_VALUE);
    RateLimiter limiter =
        RateLimiter.builder().limits(limitOf(algorithm)).timeSource(clock).build();
    assertThat(sane(limiter.tryAcquire("k", 10)).allowed()).isTrue();

    clock.set(Long.MAX_VALUE);
    assertThat(sane(limiter.peek("k")).remaining()).isEqualTo(10);
    assertThat(sane(limiter.tryAcquire("k", 10)).allowed()).isTrue();

    clock.set(Long.MIN_VALUE); // and back: nothing refills, nothing breaks
    Decision back = sane(limiter.tryAcquire("k"));
    assertThat(back.allowed()).isFalse();
    assertThat(back.remaining()).isZero();
  }

  /** A decision whose numbers are in range and whose durations convert without overflow. */
  private static Decision sane(Decision decision) {
    assertThat(decision.remaining()).isBetween(0L, decision.limit());
    assertThat(decision.retryAfterMicros()).isNotNegative();
    assertThat(decision.resetAfterMicros()).isNotNegative();
    assertThat(decision.retryAfter())
        .isEqualTo(Duration.ofNanos(decision.retryAfterMicros() * 1_000));
    assertThat(decision.resetAfter().isNegative()).isFalse();
    if (decision.allowed()) {
      assertThat(decision.retryAfterMicros()).isZero();
    }
    return decision;
  }

  private static Limit limitOf(Algorithm algorithm) {
    Duration window = Duration.ofSeconds(10);
    switch (algorithm) {
      case TOKEN_BUCKET:
        return Limit.tokenBucket(10, Rate.of(10, window));
      case LEAKY_BUCKET:
        return Limit.leakyBucket(10, Rate.of(10, window));
      case FIXED_WINDOW:
        return Limit.fixedWindow(10, window);
      case SLIDING_WINDOW:
        return Limit.slidingWindow(10, window);
      default:
        return Limit.slidingLog(10, window);
    }
  }
}

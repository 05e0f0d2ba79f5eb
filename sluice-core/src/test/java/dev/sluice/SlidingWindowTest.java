package dev.sluice;

import static dev.sluice.TokenBucketTest.admitAll;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The sliding window counter (Cloudflare's estimate): the current window's count plus the previous
 * window's count weighted by the share of it the sliding window still covers, rounded up. Exact for
 * windows up to 2^20 us (about a second); longer windows quantise the weight.
 */
class SlidingWindowTest {

  private static final long SECOND = 1_000_000;

  private final ManualTimeSource clock = new ManualTimeSource();
  private final RateLimiter limiter =
      RateLimiter.builder()
          .limits(Limit.slidingWindow(100, Duration.ofSeconds(1)))
          .timeSource(clock)
          .build();

  @Test
  void thePreviousWindowWeighsByTheShareStillCovered() {
    clock.set(SECOND / 2);
    limiter.tryAcquire("k", 80);

    clock.set(SECOND);
    assertThat(limiter.peek("k").remaining()).isEqualTo(20); // 80 x 100%
    clock.set(SECOND + SECOND / 4);
    assertThat(limiter.peek("k").remaining()).isEqualTo(40); // 80 x 75% = 60
    clock.set(SECOND + SECOND / 2);
    assertThat(limiter.peek("k").remaining()).isEqualTo(60); // 80 x 50% = 40
    clock.set(SECOND + 3 * SECOND / 4);
    assertThat(limiter.peek("k").remaining()).isEqualTo(80); // 80 x 25% = 20
    clock.set(SECOND + 3 * SECOND / 4 + 1);
    assertThat(limiter.peek("k").remaining()).as("19.99992 rounds up to 20").isEqualTo(80);
    clock.set(2 * SECOND);
    assertThat(limiter.peek("k").remaining()).isEqualTo(100);
  }

  @Test
  void admitsUpToTheEstimateAndRetryAfterIsExact() {
    clock.set(SECOND / 2);
    limiter.tryAcquire("k", 80);
    clock.set(SECOND + SECOND / 4);
    assertThat(admitAll(limiter, "k", 1)).isEqualTo(40);

    // 40 + ceil(80 x w) + 1 <= 100 needs w <= 59/80 = 0.7375: 262,500 us into the window.
    Decision denied = limiter.tryAcquire("k");
    assertThat(denied.remaining()).isZero();
    assertThat(denied.retryAfterMicros()).isEqualTo(12_500);
    assertThat(denied.resetAfter()).isEqualTo(Duration.ofMillis(1_750)); // end of the next window

    clock.advanceMicros(12_499);
    assertThat(limiter.tryAcquire("k").allowed()).isFalse();
    clock.advanceMicros(1);
    assertThat(limiter.tryAcquire("k").allowed()).isTrue();
  }

  @Test
  void drainedAtTheStartOfAWindowWaitsForTheNextAndForTheWeightToFall() {
    Decision all = limiter.tryAcquire("k", 100);
    assertThat(all.resetAfter()).isEqualTo(Duration.ofSeconds(2));
    Decision denied = limiter.tryAcquire("k");
    assertThat(denied.retryAfter()).isEqualTo(Duration.ofMillis(1_010)); // 100 x 99% + 1 = 100

    clock.set(SECOND + 9_999);
    assertThat(limiter.tryAcquire("k").allowed()).isFalse();
    clock.set(SECOND + 10_000);
    assertThat(admitAll(limiter, "k", 1)).isEqualTo(1);
  }

  @Test
  void noBurstAcrossTheWindowEdge() {
    clock.set(SECOND - 1);
    assertThat(limiter.tryAcquire("k", 100).allowed()).isTrue();
    clock.set(SECOND);
    Decision edge = limiter.tryAcquire("k");
    assertThat(edge.allowed()).isFalse();
    assertThat(edge.retryAfterMicros()).isEqualTo(10_000);
  }

  @Test
  void aCountTooLargeForTheNextWindowWaitsTwoWindows() {
    RateLimiter small =
        RateLimiter.builder()
            .limits(Limit.slidingWindow(3, Duration.ofMillis(1)))
            .timeSource(clock)
            .build();
    small.tryAcquire("k", 3);
    Decision denied = small.tryAcquire("k", 3);
    // 3 x weight + 3 <= 3 holds only once the weight is 0: two windows on.
    assertThat(denied.retryAfterMicros()).isEqualTo(2_000);
    clock.set(1_999);
    assertThat(small.tryAcquire("k", 3).allowed()).isFalse();
    clock.set(2_000);
    assertThat(small.tryAcquire("k", 3).allowed()).isTrue();
  }

  @Test
  void costAboveOne() {
    assertThat(limiter.tryAcquire("k", 30).remaining()).isEqualTo(70);
    assertThat(limiter.tryAcquire("k", 60).remaining()).isEqualTo(10);
    Decision denied = limiter.tryAcquire("k", 11);
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.remaining()).isEqualTo(10);
    assertThat(limiter.tryAcquire("k", 10).remaining()).isZero();
  }

  @Test
  void timeGoingBackwardsResetsNoWindow() {
    clock.set(SECOND / 2);
    limiter.tryAcquire("k", 80);
    clock.set(SECOND + SECOND / 2);
    limiter.tryAcquire("k", 10); // estimate 40 + 10

    clock.set(SECOND / 4); // back into the previous window
    Decision back = limiter.peek("k");
    assertThat(back.remaining()).as("the whole previous window weighs: 80 + 10").isEqualTo(10);
    assertThat(limiter.tryAcquire("k", 11).allowed()).isFalse();
    assertThat(limiter.tryAcquire("k", 10).allowed()).isTrue();
  }

  @Test
  void peekAndReset() {
    assertThat(limiter.peek("k")).isEqualTo(new Decision("default", true, 100, 100, 0, 0));
    limiter.tryAcquire("k", 100);
    assertThat(limiter.peek("k"))
        .isEqualTo(new Decision("default", false, 100, 0, 1_010_000, 2_000_000));
    limiter.reset("k");
    assertThat(limiter.peek("k")).isEqualTo(new Decision("default", true, 100, 100, 0, 0));
  }

  /**
   * Beyond 2^20 us the weight moves in steps of ceil(window / 2^20) us. At a quarter, half and
   * three quarters of the window the estimate is the exact one or, from the quantisation, one more;
   * never fewer.
   */
  @Test
  void longWindowsQuantiseTheWeightButStayWithinOneOfTheExactEstimate() {
    for (Duration window :
        List.of(
            Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofDays(1), Duration.ofDays(30))) {
      long micros = window.toNanos() / 1_000;
      RateLimiter limiter =
          RateLimiter.builder().limits(Limit.slidingWindow(100, window)).timeSource(clock).build();
      clock.set(0);
      limiter.tryAcquire("k", 80);
      for (int quarter = 0; quarter <= 3; quarter++) {
        clock.set(micros + quarter * micros / 4);
        long exact = 80 - 20L * quarter; // 80 x (4 - quarter) / 4
        assertThat(100 - limiter.peek("k").remaining())
            .as("%s at %d/4", window, quarter)
            .isBetween(exact, exact + 1);
      }
    }
  }
}

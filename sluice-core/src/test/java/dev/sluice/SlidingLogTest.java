package dev.sluice;

import static dev.sluice.TokenBucketTest.admitAll;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The sliding log: exactly at most the limit in any window {@code (now - window, now]}; each
 * admitted cost leaves the window exactly one window after it was admitted, so retryAfter is when
 * enough old entries expire, and there is no burst at any edge.
 */
class SlidingLogTest {

  private static final long SECOND = 1_000_000;

  private final ManualTimeSource clock = new ManualTimeSource();
  private final RateLimiter limiter =
      RateLimiter.builder()
          .limits(Limit.slidingLog(10, Duration.ofMinutes(1)))
          .timeSource(clock)
          .build();

  @Test
  void entriesLeaveExactlyOneWindowAfterTheyWereAdmitted() {
    limiter.tryAcquire("k", 4);
    clock.set(20 * SECOND);
    limiter.tryAcquire("k", 3);
    clock.set(40 * SECOND);
    limiter.tryAcquire("k", 3);

    Decision denied = limiter.tryAcquire("k");
    assertThat(denied.remaining()).isZero();
    assertThat(denied.retryAfter()).isEqualTo(Duration.ofSeconds(20));
    assertThat(denied.resetAfter()).isEqualTo(Duration.ofSeconds(60));
    assertThat(limiter.tryAcquire("k", 5).retryAfter())
        .as("needs the 4 of 0 s and the 3 of 20 s gone")
        .isEqualTo(Duration.ofSeconds(40));

    clock.set(60 * SECOND - 1);
    assertThat(limiter.tryAcquire("k").retryAfterMicros()).isEqualTo(1);
    clock.set(60 * SECOND);
    assertThat(admitAll(limiter, "k", 1)).isEqualTo(4);
    Decision next = limiter.tryAcquire("k");
    assertThat(next.retryAfter()).isEqualTo(Duration.ofSeconds(20));
    assertThat(next.resetAfter()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void noBurstAtAnyEdge() {
    clock.set(60 * SECOND - 1);
    assertThat(limiter.tryAcquire("k", 10).allowed()).isTrue();
    clock.set(60 * SECOND);
    Decision edge = limiter.tryAcquire("k");
    assertThat(edge.allowed()).isFalse();
    assertThat(edge.retryAfterMicros()).isEqualTo(60 * SECOND - 1);

    clock.set(120 * SECOND - 2);
    assertThat(limiter.tryAcquire("k").allowed()).isFalse();
    clock.set(120 * SECOND - 1);
    assertThat(limiter.tryAcquire("k", 10).allowed()).isTrue();
  }

  @Test
  void requestsAtTheSameMicrosecondShareOneEntry() {
    for (int i = 0; i < 10; i++) {
      assertThat(limiter.tryAcquire("k").allowed()).isTrue();
    }
    Decision denied = limiter.tryAcquire("k");
    assertThat(denied.retryAfter()).isEqualTo(Duration.ofMinutes(1));
    clock.set(60 * SECOND);
    assertThat(admitAll(limiter, "k", 1)).isEqualTo(10);
  }

  @Test
  void timeGoingBackwardsExpiresNothing() {
    clock.set(30 * SECOND);
    limiter.tryAcquire("k", 10);
    clock.set(0);
    Decision back = limiter.tryAcquire("k");
    assertThat(back.allowed()).isFalse();
    assertThat(back.remaining()).isZero();
    clock.set(90 * SECOND - 1);
    assertThat(limiter.tryAcquire("k").allowed()).isFalse();
    clock.set(90 * SECOND);
    assertThat(admitAll(limiter, "k", 1)).isEqualTo(10);
  }

  @Test
  void largestLimitOfOneHundredThousand() {
    RateLimiter big =
        RateLimiter.builder()
            .limits(Limit.slidingLog(100_000, Duration.ofSeconds(1)))
            .timeSource(clock)
            .build();
    for (int i = 0; i < 1_000; i++) {
      clock.set(i * 1_000L);
      if (!big.tryAcquire("k", 100).allowed()) {
        throw new AssertionError("request " + i + " denied");
      }
    }
    Decision denied = big.tryAcquire("k");
    assertThat(denied.remaining()).isZero();
    assertThat(denied.retryAfterMicros()).isEqualTo(1_000); // the 100 of 0 us leave at 1 s
    clock.set(SECOND);
    assertThat(big.tryAcquire("k", 100).allowed()).isTrue();
    assertThat(big.tryAcquire("k").allowed()).isFalse();
  }

  @Test
  void peekAndReset() {
    assertThat(limiter.peek("k")).isEqualTo(new Decision("default", true, 10, 10, 0, 0));
    clock.set(5 * SECOND);
    limiter.tryAcquire("k", 10);
    assertThat(limiter.peek("k"))
        .isEqualTo(new Decision("default", false, 10, 0, 60 * SECOND, 60 * SECOND));
    limiter.reset("k");
    assertThat(limiter.peek("k")).isEqualTo(new Decision("default", true, 10, 10, 0, 0));
  }
}

package dev.sluice;

import static dev.sluice.TokenBucketTest.admitAll;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The fixed window: at most the limit per window, windows aligned to multiples of their length on
 * the clock (so every instance agrees), the known burst of twice the limit across an edge, and
 * retryAfter / resetAfter counting to the end of the window.
 */
class FixedWindowTest {

  private static final long MINUTE = 60_000_000;

  private final ManualTimeSource clock = new ManualTimeSource();
  private final RateLimiter limiter =
      RateLimiter.builder()
          .limits(Limit.fixedWindow(10, Duration.ofMinutes(1)))
          .timeSource(clock)
          .build();

  @Test
  void windowsAreAlignedToMultiplesOfTheirLengthNotToTheFirstRequest() {
    clock.set(30 * 1_000_000L);
    assertThat(admitAll(limiter, "k", 1)).isEqualTo(10);
    Decision denied = limiter.tryAcquire("k");
    assertThat(denied.remaining()).isZero();
    assertThat(denied.retryAfter()).isEqualTo(Duration.ofSeconds(30));
    assertThat(denied.resetAfter()).isEqualTo(Duration.ofSeconds(30));

    clock.set(MINUTE - 1);
    Decision last = limiter.tryAcquire("k");
    assertThat(last.allowed()).isFalse();
    assertThat(last.retryAfterMicros()).isEqualTo(1);

    clock.set(MINUTE);
    assertThat(admitAll(limiter, "k", 1)).isEqualTo(10);
  }

  @Test
  void theLastMicrosecondOfAWindowAndTheFirstOfTheNextAdmitTwiceTheLimit() {
    clock.set(MINUTE - 1);
    Decision first = limiter.tryAcquire("k", 10);
    assertThat(first.allowed()).isTrue();
    assertThat(first.resetAfterMicros()).isEqualTo(1);

    clock.set(MINUTE);
    Decision second = limiter.tryAcquire("k", 10);
    assertThat(second.allowed()).isTrue();
    assertThat(second.resetAfter()).isEqualTo(Duration.ofMinutes(1));
    assertThat(limiter.tryAcquire("k").allowed()).isFalse();
  }

  @Test
  void costAboveOneAndCostEqualToTheLimit() {
    assertThat(limiter.tryAcquire("k", 4).remaining()).isEqualTo(6);
    assertThat(limiter.tryAcquire("k", 4).remaining()).isEqualTo(2);
    Decision denied = limiter.tryAcquire("k", 4);
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.remaining()).isEqualTo(2);
    assertThat(limiter.tryAcquire("k", 2).remaining()).isZero();

    clock.set(MINUTE);
    assertThat(limiter.tryAcquire("k", 10).allowed()).isTrue();
  }

  @Test
  void peekAndReset() {
    assertThat(limiter.peek("k")).isEqualTo(new Decision("default", true, 10, 10, 0, 0));
    clock.set(15_000_000);
    limiter.tryAcquire("k", 10);
    assertThat(limiter.peek("k"))
        .isEqualTo(new Decision("default", false, 10, 0, 45_000_000, 45_000_000));
    limiter.reset("k");
    assertThat(limiter.peek("k")).isEqualTo(new Decision("default", true, 10, 10, 0, 0));
  }

  @Test
  void timeGoingBackwardsDoesNotResetTheWindow() {
    clock.set(MINUTE + 1_000_000); // 1 s into the second window
    limiter.tryAcquire("k", 10);

    clock.set(MINUTE - 1_000_000); // back into the first window
    Decision back = limiter.tryAcquire("k");
    assertThat(back.allowed()).isFalse();
    assertThat(back.remaining()).isZero();
    // Documented: a time before the stored window's start is taken as that start.
    assertThat(back.retryAfter()).isEqualTo(Duration.ofMinutes(1));

    clock.set(MINUTE + 30_000_000); // forwards again, still within the second window
    assertThat(limiter.tryAcquire("k").allowed()).isFalse();
    clock.set(2 * MINUTE);
    assertThat(admitAll(limiter, "k", 1)).isEqualTo(10);
  }

  @Test
  void negativeTimesAlignToo() {
    clock.set(-90_000_000); // in the window [-120 s, -60 s)
    limiter.tryAcquire("k", 10);
    Decision denied = limiter.tryAcquire("k");
    assertThat(denied.retryAfter()).isEqualTo(Duration.ofSeconds(30));
    clock.set(-60_000_001);
    assertThat(limiter.tryAcquire("k").allowed()).isFalse();
    clock.set(-60_000_000);
    assertThat(admitAll(limiter, "k", 1)).isEqualTo(10);
  }

  @Test
  void oneMillisecondWindowAndOneBillionLimit() {
    RateLimiter fast =
        RateLimiter.builder()
            .limits(Limit.fixedWindow(1_000_000_000, Duration.ofMillis(1)))
            .timeSource(clock)
            .build();
    clock.set(999);
    assertThat(fast.tryAcquire("k", 1_000_000_000).allowed()).isTrue();
    Decision denied = fast.tryAcquire("k");
    assertThat(denied.retryAfterMicros()).isEqualTo(1);
    clock.set(1_000);
    assertThat(fast.tryAcquire("k", 1_000_000_000).allowed()).isTrue();
  }

  @Test
  void thirtyDayWindow() {
    RateLimiter monthly =
        RateLimiter.builder()
            .limits(Limit.fixedWindow(1, Duration.ofDays(30)))
            .timeSource(clock)
            .build();
    clock.set(Duration.ofDays(29).toNanos() / 1_000);
    monthly.tryAcquire("k");
    assertThat(monthly.tryAcquire("k").retryAfter()).isEqualTo(Duration.ofDays(1));
  }
}

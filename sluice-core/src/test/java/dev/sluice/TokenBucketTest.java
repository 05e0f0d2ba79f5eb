package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The token bucket from first principles, as timelines on a manual clock: bursts up to the
 * capacity, exact fractional refill with no drift, costs, retryAfter and resetAfter to the
 * microsecond, time going backwards, and the extremes of the accepted rates and capacities.
 */
class TokenBucketTest {

  private final ManualTimeSource clock = new ManualTimeSource();

  private RateLimiter limiter(long capacity, Rate refill) {
    return RateLimiter.builder()
        .limits(Limit.tokenBucket(capacity, refill))
        .timeSource(clock)
        .build();
  }

  /** Requests of {@code cost} until one is denied; returns how many were allowed. */
  static int admitAll(RateLimiter limiter, String key, long cost) {
    int admitted = 0;
    while (limiter.tryAcquire(key, cost).allowed()) {
      admitted++;
    }
    return admitted;
  }

  @Test
  void burstOfCapacityThenOneTokenPerSecond() {
    RateLimiter limiter = limiter(10, Rate.perSecond(1));
    assertThat(admitAll(limiter, "k", 1)).isEqualTo(10);

    for (int second = 1; second <= 20; second++) {
      clock.advance(Duration.ofSeconds(1));
      assertThat(limiter.tryAcquire("k").allowed()).as("second %d", second).isTrue();
      Decision denied = limiter.tryAcquire("k");
      assertThat(denied.allowed()).isFalse();
      assertThat(denied.retryAfter()).isEqualTo(Duration.ofSeconds(1));
    }
  }

  @Test
  void aPartialTokenIsNotATokenAndRetryAfterCountsTheMicrosecondsLeft() {
    RateLimiter limiter = limiter(10, Rate.perSecond(1));
    admitAll(limiter, "k", 1);

    clock.advanceMicros(999_999);
    Decision early = limiter.tryAcquire("k");
    assertThat(early.allowed()).isFalse();
    assertThat(early.retryAfterMicros()).isEqualTo(1);
    assertThat(early.retryAfterMillis()).isEqualTo(1);

    clock.advanceMicros(1);
    assertThat(limiter.tryAcquire("k").allowed()).isTrue();
  }

  @Test
  void idleBucketNeverHoldsMoreThanItsCapacity() {
    RateLimiter limiter = limiter(10, Rate.perSecond(1));
    limiter.tryAcquire("k");
    clock.advance(Duration.ofDays(365));
    assertThat(limiter.peek("k").remaining()).isEqualTo(10);
    assertThat(admitAll(limiter, "k", 1)).isEqualTo(10);
  }

  @Test
  void threePerSecondIsExactlyThreeEverySecondWithNoDriftOverAMillionSeconds() {
    RateLimiter limiter = limiter(3, Rate.perSecond(3));
    assertThat(limiter.tryAcquire("k", 3).allowed()).isTrue();

    long admitted = 0;
    for (int second = 1; second <= 1_000_000; second++) {
      clock.advance(Duration.ofSeconds(1));
      Decision three = limiter.tryAcquire("k", 3);
      Decision fourth = limiter.tryAcquire("k", 1);
      if (!three.allowed() || fourth.allowed()) {
        throw new AssertionError("second " + second + ": " + three + ", " + fourth);
      }
      admitted += 3;
    }
    assertThat(admitted).isEqualTo(3_000_000);
    assertThat(limiter.peek("k").retryAfterMicros()).isEqualTo(333_334);
  }

  @Test
  void threePerSecondAddsEachTokenAtItsExactMicrosecondNotEvery333333() {
    RateLimiter limiter = limiter(3, Rate.perSecond(3));
    limiter.tryAcquire("k", 3);

    // Token k is due at ceil(k * 1e6 / 3) us: 333334, 666667, 1000000.
    clock.set(333_333);
    assertThat(limiter.tryAcquire("k").retryAfterMicros()).isEqualTo(1);
    clock.set(333_334);
    assertThat(limiter.tryAcquire("k").allowed()).isTrue();
    clock.set(666_666);
    assertThat(limiter.tryAcquire("k").retryAfterMicros()).isEqualTo(1);
    clock.set(666_667);
    assertThat(limiter.tryAcquire("k").allowed()).isTrue();
    clock.set(999_999);
    assertThat(limiter.tryAcquire("k").allowed()).isFalse();
    clock.set(1_000_000);
    assertThat(limiter.tryAcquire("k").allowed()).isTrue();
  }

  @Test
  void twoPerThreeSecondsIsOneEveryOneAndAHalfSeconds() {
    RateLimiter limiter = limiter(2, Rate.of(2, Duration.ofSeconds(3)));
    assertThat(admitAll(limiter, "k", 1)).isEqualTo(2);
    Decision denied = limiter.tryAcquire("k");
    assertThat(denied.retryAfter()).isEqualTo(Duration.ofMillis(1_500));
    assertThat(denied.resetAfter()).isEqualTo(Duration.ofSeconds(3));

    long admitted = 0;
    for (int i = 0; i < 2_000; i++) {
      clock.advance(Duration.ofMillis(1_500));
      admitted += admitAll(limiter, "k", 1);
    }
    assertThat(admitted).isEqualTo(2_000);
    assertThat(Limit.tokenBucket(2, Rate.parse("2/3s")).window()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void costAboveOne() {
    RateLimiter limiter = limiter(10, Rate.perSecond(1));
    assertThat(limiter.tryAcquire("k", 4).remaining()).isEqualTo(6);
    assertThat(limiter.tryAcquire("k", 4).remaining()).isEqualTo(2);

    Decision denied = limiter.tryAcquire("k", 4);
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.remaining()).isEqualTo(2);
    assertThat(denied.retryAfter()).isEqualTo(Duration.ofSeconds(2));
    assertThat(denied.resetAfter()).isEqualTo(Duration.ofSeconds(8));

    assertThat(limiter.tryAcquire("k", 2).allowed()).isTrue();
    clock.advance(Duration.ofSeconds(4));
    assertThat(limiter.tryAcquire("k", 4).allowed()).isTrue();
    assertThat(limiter.tryAcquire("k", 1).allowed()).isFalse();
  }

  @Test
  void costEqualToCapacityNeedsAFullBucket() {
    RateLimiter limiter = limiter(10, Rate.perSecond(1));
    Decision all = limiter.tryAcquire("k", 10);
    assertThat(all.allowed()).isTrue();
    assertThat(all.remaining()).isZero();
    assertThat(all.resetAfter()).isEqualTo(Duration.ofSeconds(10));

    clock.advance(Duration.ofSeconds(9));
    Decision nine = limiter.tryAcquire("k", 10);
    assertThat(nine.allowed()).isFalse();
    assertThat(nine.remaining()).isEqualTo(9);
    assertThat(nine.retryAfter()).isEqualTo(Duration.ofSeconds(1));

    clock.advance(Duration.ofSeconds(1));
    assertThat(limiter.tryAcquire("k", 10).allowed()).isTrue();
  }

  @Test
  void retryAfterAndResetAfterCountDownAsTimePasses() {
    RateLimiter limiter = limiter(10, Rate.perSecond(1));
    Decision three = limiter.tryAcquire("k", 3);
    assertThat(three.retryAfterMicros()).isZero();
    assertThat(three.resetAfter()).isEqualTo(Duration.ofSeconds(3));
    limiter.tryAcquire("k", 7);

    clock.advance(Duration.ofMillis(400));
    Decision denied = limiter.tryAcquire("k");
    assertThat(denied.retryAfter()).isEqualTo(Duration.ofMillis(600));
    assertThat(denied.resetAfter()).isEqualTo(Duration.ofMillis(9_600));
    assertThat(denied.retryAfterMillis()).isEqualTo(600);
    assertThat(denied.resetAfterMillis()).isEqualTo(9_600);

    clock.advanceMicros(599_999);
    assertThat(limiter.tryAcquire("k").allowed()).isFalse();
    clock.advanceMicros(1);
    Decision allowed = limiter.tryAcquire("k");
    assertThat(allowed.allowed()).isTrue();
    assertThat(allowed.resetAfter()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void timeGoingBackwardsRefillsNothingAndNeverMakesRemainingNegative() {
    RateLimiter limiter = limiter(10, Rate.perSecond(1));
    clock.set(10_000_000);
    limiter.tryAcquire("k", 6); // 4 left at 10 s

    clock.set(5_000_000);
    Decision back = limiter.tryAcquire("k", 5);
    assertThat(back.allowed()).isFalse();
    assertThat(back.remaining()).isEqualTo(4);
    // The bucket's own time does not move back: 1 token more is 1 s after 10 s, not after 5 s.
    assertThat(back.retryAfter()).isEqualTo(Duration.ofSeconds(1));
    assertThat(limiter.tryAcquire("k", 4).allowed()).isTrue();
    assertThat(limiter.peek("k").remaining()).isZero();

    clock.set(Long.MIN_VALUE);
    assertThat(limiter.peek("k").remaining()).isZero();
    assertThat(limiter.tryAcquire("k").allowed()).isFalse();

    clock.set(10_999_999);
    assertThat(limiter.tryAcquire("k").allowed()).isFalse();
    clock.set(11_000_000);
    assertThat(limiter.tryAcquire("k").allowed()).isTrue();
  }

  @Test
  void tenMillionPerSecondWithACapacityOfOneBillion() {
    RateLimiter limiter = limiter(1_000_000_000, Rate.perSecond(10_000_000));
    Decision all = limiter.tryAcquire("k", 1_000_000_000);
    assertThat(all.allowed()).isTrue();
    assertThat(all.resetAfter()).isEqualTo(Duration.ofSeconds(100));

    clock.advanceMicros(1);
    assertThat(limiter.peek("k").remaining()).isEqualTo(10);
    assertThat(admitAll(limiter, "k", 1)).isEqualTo(10);
    Decision denied = limiter.tryAcquire("k", 1_000_000_000);
    assertThat(denied.retryAfter()).isEqualTo(Duration.ofSeconds(100));

    clock.advance(Duration.ofSeconds(100));
    assertThat(limiter.tryAcquire("k", 1_000_000_000).allowed()).isTrue();
  }

  @Test
  void onePerDay() {
    RateLimiter limiter = limiter(1, Rate.of(1, Duration.ofDays(1)));
    assertThat(limiter.tryAcquire("k").allowed()).isTrue();
    Decision denied = limiter.tryAcquire("k");
    assertThat(denied.retryAfter()).isEqualTo(Duration.ofDays(1));

    clock.advance(Duration.ofDays(1).minusNanos(1_000));
    assertThat(limiter.tryAcquire("k").allowed()).isFalse();
    clock.advanceMicros(1);
    assertThat(limiter.tryAcquire("k").allowed()).isTrue();
  }

  @Test
  void capacityOfOneBillionAtOnePerSecondTakesOneBillionSecondsToRefill() {
    RateLimiter limiter = limiter(1_000_000_000, Rate.perSecond(1));
    Decision all = limiter.tryAcquire("k", 1_000_000_000);
    assertThat(all.resetAfter()).isEqualTo(Duration.ofSeconds(1_000_000_000));
    assertThat(limiter.policies().get(Policy.DEFAULT).limits().get(0).window())
        .isEqualTo(Duration.ofSeconds(1_000_000_000));

    clock.advance(Duration.ofSeconds(999_999_999));
    assertThat(limiter.peek("k").remaining()).isEqualTo(999_999_999);
    clock.advance(Duration.ofSeconds(1));
    assertThat(limiter.tryAcquire("k", 1_000_000_000).allowed()).isTrue();
  }

  @Test
  void refillAcrossZeroFromNegativeTimes() {
    clock.set(-1_500_000);
    RateLimiter limiter = limiter(10, Rate.perSecond(1));
    assertThat(admitAll(limiter, "k", 1)).isEqualTo(10);

    clock.set(-500_001);
    assertThat(limiter.tryAcquire("k").allowed()).isFalse();
    clock.set(-500_000);
    assertThat(limiter.tryAcquire("k").allowed()).isTrue();
    clock.set(500_000);
    assertThat(admitAll(limiter, "k", 1)).isEqualTo(1);
  }

  @Test
  void peekShowsWhatACostOneRequestWouldGetWithoutTakingIt() {
    RateLimiter limiter = limiter(10, Rate.perSecond(1));
    assertThat(limiter.peek("k")).isEqualTo(new Decision("default", true, 10, 10, 0, 0));

    limiter.tryAcquire("k", 4);
    assertThat(limiter.peek("k")).isEqualTo(new Decision("default", true, 10, 6, 0, 4_000_000));
    assertThat(limiter.peek("k")).isEqualTo(new Decision("default", true, 10, 6, 0, 4_000_000));

    limiter.tryAcquire("k", 6);
    assertThat(limiter.peek("k"))
        .isEqualTo(new Decision("default", false, 10, 0, 1_000_000, 10_000_000));
  }

  @Test
  void resetGivesAFullBucket() {
    RateLimiter limiter = limiter(10, Rate.perSecond(1));
    limiter.tryAcquire("k", 10);
    limiter.reset("k");
    assertThat(limiter.peek("k").remaining()).isEqualTo(10);
    assertThat(admitAll(limiter, "k", 1)).isEqualTo(10);
  }
}

package dev.sluice;

import static dev.sluice.TokenBucketTest.admitAll;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The leaky bucket (as a meter, GCRA): starts empty, each request pours its cost in, the level
 * drains at a constant rate; {@code remaining} is the free space. It is a token bucket seen from
 * the other side, so it must answer exactly as one.
 */
class LeakyBucketTest {

  private final ManualTimeSource clock = new ManualTimeSource();

  private RateLimiter limiter(Limit limit) {
    return RateLimiter.builder().limits(limit).timeSource(clock).build();
  }

  @Test
  void seedExampleStartsEmptyFillsWithTenThenDrainsOnePerSecond() {
    RateLimiter limiter = limiter(Limit.leakyBucket(10, Rate.perSecond(1)));
    assertThat(limiter.peek("k").remaining()).isEqualTo(10);
    assertThat(admitAll(limiter, "k", 1)).isEqualTo(10);
    Decision full = limiter.tryAcquire("k");
    assertThat(full.remaining()).isZero();
    assertThat(full.retryAfter()).isEqualTo(Duration.ofSeconds(1));
    assertThat(full.resetAfter()).as("time to drain completely").isEqualTo(Duration.ofSeconds(10));

    clock.advance(Duration.ofSeconds(1));
    assertThat(admitAll(limiter, "k", 1)).isEqualTo(1);
  }

  @Test
  void asAMeterItSpacesRequestsEvenlyWhenTheBucketHoldsOne() {
    RateLimiter limiter = limiter(Limit.leakyBucket(1, Rate.perSecond(10)));
    assertThat(limiter.tryAcquire("k").allowed()).isTrue();
    clock.set(50_000);
    Decision early = limiter.tryAcquire("k");
    assertThat(early.allowed()).isFalse();
    assertThat(early.retryAfter()).isEqualTo(Duration.ofMillis(50));
    clock.set(100_000);
    assertThat(limiter.tryAcquire("k").allowed()).isTrue();
    clock.set(199_999);
    assertThat(limiter.tryAcquire("k").allowed()).isFalse();
    clock.set(200_000);
    assertThat(limiter.tryAcquire("k").allowed()).isTrue();
  }

  @Test
  void fractionalLeakOfThreePerSecondHasNoDrift() {
    RateLimiter limiter = limiter(Limit.leakyBucket(3, Rate.perSecond(3)));
    long admitted = admitAll(limiter, "k", 1);
    for (int second = 0; second < 100_000; second++) {
      clock.advance(Duration.ofSeconds(1));
      admitted += admitAll(limiter, "k", 1);
    }
    assertThat(admitted).isEqualTo(3 + 3 * 100_000);
  }

  @Test
  void answersExactlyAsATokenBucketOfTheSameCapacityAndRate() {
    RateLimiter leaky = limiter(Limit.leakyBucket(7, Rate.of(5, Duration.ofSeconds(3))));
    RateLimiter token =
        RateLimiter.builder()
            .limits(Limit.tokenBucket(7, Rate.of(5, Duration.ofSeconds(3))))
            .timeSource(clock)
            .build();
    Random random = new Random(7);
    for (int i = 0; i < 5_000; i++) {
      long cost = 1 + random.nextInt(7);
      assertThat(leaky.tryAcquire("k", cost))
          .as("request %d", i)
          .isEqualTo(token.tryAcquire("k", cost));
      assertThat(leaky.peek("k")).isEqualTo(token.peek("k"));
      clock.advanceMicros(random.nextInt(4) == 0 ? 0 : random.nextInt(1_500_000));
    }
  }

  @Test
  void timeGoingBackwardsDrainsNothing() {
    RateLimiter limiter = limiter(Limit.leakyBucket(10, Rate.perSecond(1)));
    clock.set(5_000_000);
    admitAll(limiter, "k", 1);
    clock.set(0);
    assertThat(limiter.tryAcquire("k").allowed()).isFalse();
    assertThat(limiter.peek("k").remaining()).isZero();
    clock.set(6_000_000);
    assertThat(admitAll(limiter, "k", 1)).isEqualTo(1);
  }
}

package dev.sluice;

import static dev.sluice.TokenBucketTest.admitAll;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Policies of several limits: a request is allowed only if every limit allows it and then consumes
 * from all; a denial by any consumes from none; the decision reports the binding limit (the denying
 * one with the longest wait, or the one with the least left) and the longest reset.
 */
class MultiLimitPolicyTest {

  private final ManualTimeSource clock = new ManualTimeSource();

  /** 10 per second (burst 10) and 15 per minute (burst 15). */
  private final RateLimiter limiter =
      RateLimiter.builder()
          .limits(
              Limit.tokenBucket(10, Rate.perSecond(10)), Limit.tokenBucket(15, Rate.perMinute(15)))
          .timeSource(clock)
          .build();

  @Test
  void tenPerSecondAndFifteenPerMinute() {
    for (int i = 1; i <= 10; i++) {
      Decision decision = limiter.tryAcquire("k");
      assertThat(decision.allowed()).isTrue();
      assertThat(decision.limit()).isEqualTo(10);
      assertThat(decision.remaining()).isEqualTo(10 - i);
    }
    Decision eleventh = limiter.tryAcquire("k");
    assertThat(eleventh)
        .as("the 10/s bucket binds, with its own reset: full again in 1 s")
        .isEqualTo(new Decision("default", false, 10, 0, 100_000, 1_000_000));

    // Both deny 6: the per-minute limit waits longer (1 token at 4 s) and is reported.
    assertThat(limiter.tryAcquire("k", 6))
        .isEqualTo(decision("1", false, 15, 5, 4_000_000, 40_000_000));

    // One second on: the 10/s bucket is full, the 15/min one has 5.25 tokens, none taken by
    // denials.
    clock.advance(Duration.ofSeconds(1));
    Decision six = limiter.tryAcquire("k", 6);
    assertThat(six).isEqualTo(decision("1", false, 15, 5, 3_000_000, 39_000_000));
    assertThat(limiter.peek("k"))
        .as("the 10/s bucket gave nothing to the denied 6")
        .isEqualTo(decision("1", true, 15, 5, 0, 39_000_000));

    Decision first = limiter.tryAcquire("k");
    assertThat(first.limit()).isEqualTo(15);
    assertThat(first.remaining()).isEqualTo(4);
    assertThat(admitAll(limiter, "k", 1)).isEqualTo(4);
    Decision blocked = limiter.tryAcquire("k");
    assertThat(blocked.limit()).isEqualTo(15);
    assertThat(blocked.retryAfter()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void anHourlyQuotaOnTopOfABurstLimit() {
    RateLimiter quota =
        RateLimiter.builder()
            .limits(
                Limit.fixedWindow(1_000, Duration.ofHours(1)),
                Limit.tokenBucket(10, Rate.perSecond(10)))
            .timeSource(clock)
            .build();
    long admitted = 0;
    for (int second = 0; second < 100; second++) {
      admitted += admitAll(quota, "k", 1);
      clock.advance(Duration.ofSeconds(1));
    }
    assertThat(admitted).isEqualTo(1_000);
    Decision denied = quota.tryAcquire("k");
    assertThat(denied.limit()).isEqualTo(1_000);
    assertThat(denied.remaining()).isZero();
    assertThat(denied.retryAfter()).isEqualTo(Duration.ofSeconds(3_500));
    assertThat(denied.resetAfter()).isEqualTo(Duration.ofSeconds(3_500));

    clock.advance(Duration.ofSeconds(3_500));
    assertThat(admitAll(quota, "k", 1)).isEqualTo(10);
  }

  @Test
  void theLargestCostIsTheSmallestCapacity() {
    Policy policy = limiter.policies().get(Policy.DEFAULT);
    assertThat(policy.maxCost()).isEqualTo(10);
    assertThat(limiter.tryAcquire("k", 10).allowed()).isTrue();
  }

  @Test
  void eightLimitsAreAllConsumedTogether() {
    Limit[] limits = new Limit[8];
    for (int i = 0; i < 8; i++) {
      limits[i] = Limit.tokenBucket(10 + i, Rate.perSecond(1));
    }
    RateLimiter eight = RateLimiter.builder().limits(limits).timeSource(clock).build();
    assertThat(eight.tryAcquire("k", 10).remaining()).isZero();
    Decision denied = eight.tryAcquire("k", 2);
    assertThat(denied.limit()).as("the 10 waits longest for 2").isEqualTo(10);
    assertThat(denied.retryAfter()).isEqualTo(Duration.ofSeconds(2));
    clock.advance(Duration.ofSeconds(10));
    Decision peek = eight.peek("k");
    assertThat(peek.remaining()).isEqualTo(10);
    assertThat(peek.limit()).isEqualTo(10);
    assertThat(peek.resetAfterMicros()).isZero();
  }

  private static Decision decision(
      String limitId, boolean allowed, long limit, long remaining, long retry, long reset) {
    return new Decision(
        "default", limitId, allowed, limit, remaining, retry, reset, Decision.Source.BACKEND);
  }
}

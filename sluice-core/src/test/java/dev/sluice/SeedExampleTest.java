package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The seed's example: capacity 10, refill 1/s, twelve requests at once give ten allowed and two
 * blocked; a second later exactly one more is allowed. Also what the seed could not answer: what
 * remains, when to retry, and when the bucket is full again (its lossless expiry).
 */
class SeedExampleTest {

  private final ManualTimeSource clock = new ManualTimeSource();
  private final RateLimiter limiter =
      RateLimiter.builder()
          .limits(Limit.tokenBucket(10, Rate.perSecond(1)))
          .timeSource(clock)
          .build();

  @Test
  void twelveRequestsGiveTenAllowedThenTwoBlockedAndOneMoreASecondLater() {
    List<Boolean> allowed = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      allowed.add(limiter.tryAcquire("user123").allowed());
    }
    assertThat(allowed)
        .containsExactly(true, true, true, true, true, true, true, true, true, true, false, false);
    Decision blocked = limiter.tryAcquire("user123");
    assertThat(blocked.remaining()).isZero();
    assertThat(blocked.retryAfter()).isEqualTo(Duration.ofSeconds(1));

    clock.advance(Duration.ofSeconds(1));
    assertThat(limiter.tryAcquire("user123").allowed()).isTrue();
    assertThat(limiter.tryAcquire("user123").allowed()).isFalse();
  }

  @Test
  void everyDecisionSaysWhatIsLeftWhenToRetryAndWhenTheBucketIsFull() {
    List<Decision> decisions = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      decisions.add(limiter.tryAcquire("user123"));
    }
    for (int i = 0; i < 10; i++) {
      assertThat(decisions.get(i))
          .isEqualTo(new Decision("default", true, 10, 9 - i, 0, (i + 1) * 1_000_000L));
    }
    assertThat(decisions.get(10))
        .isEqualTo(new Decision("default", false, 10, 0, 1_000_000, 10_000_000));
    assertThat(decisions.get(11)).isEqualTo(decisions.get(10));
    assertThat(decisions.get(11).retryAfterMillis()).isEqualTo(1_000);

    // The seed's fixed 60 s TTL was wasteful here; the bucket is full again after exactly 10 s.
    clock.advance(Duration.ofMillis(9_999));
    assertThat(limiter.peek("user123").remaining()).isEqualTo(9);
    clock.advance(Duration.ofMillis(1));
    assertThat(limiter.peek("user123")).isEqualTo(new Decision("default", true, 10, 10, 0, 0));
  }

  @Test
  void otherClientsHaveTheirOwnBuckets() {
    for (int i = 0; i < 12; i++) {
      limiter.tryAcquire("user123");
    }
    assertThat(limiter.tryAcquire("user456").remaining()).isEqualTo(9);
  }
}

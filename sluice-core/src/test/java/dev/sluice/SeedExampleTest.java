package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The seed's example: capacity 10, refill 1/s, twelve requests at once. */
class SeedExampleTest {

  @Test
  void twelveRequestsGiveTenAllowedThenTwoBlockedAndOneMoreASecondLater() {
    ManualTimeSource clock = new ManualTimeSource();
    RateLimiter limiter =
        RateLimiter.builder().limits(Limit.tokenBucket(10, Rate.perSecond(1))).timeSource(clock).build();

    List<Boolean> allowed = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      allowed.add(limiter.tryAcquire("user123").allowed());
    }
    assertThat(allowed).containsExactly(true, true, true, true, true, true, true, true, true, true, false, false);
    Decision blocked = limiter.tryAcquire("user123");
    assertThat(blocked.remaining()).isZero();
    assertThat(blocked.retryAfter()).isEqualTo(Duration.ofSeconds(1));

    clock.advance(Duration.ofSeconds(1));
    assertThat(limiter.tryAcquire("user123").allowed()).isTrue();
    assertThat(limiter.tryAcquire("user123").allowed()).isFalse();
  }
}

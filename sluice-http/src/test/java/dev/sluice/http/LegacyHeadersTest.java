package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.Rate;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LegacyHeadersTest {

  private static String rate(Limit limit) {
    Policy policy = Policy.of("p", limit);
    return LegacyHeaders.replenishRate(policy, new Decision("p", true, 1, 0, 0, 0));
  }

  @Test
  void wholeRatesAreWholeNumbers() {
    assertThat(rate(Limit.tokenBucket(10, Rate.perSecond(1)))).isEqualTo("1");
    assertThat(rate(Limit.tokenBucket(100, Rate.perSecond(20)))).isEqualTo("20");
    assertThat(rate(Limit.tokenBucket(10, Rate.perSecond(10_000_000)))).isEqualTo("10000000");
    assertThat(rate(Limit.fixedWindow(100, Duration.ofSeconds(10)))).isEqualTo("10");
  }

  @Test
  void slowRatesAreDecimalsRoundedDown() {
    assertThat(rate(Limit.tokenBucket(5, Rate.perMinute(1)))).isEqualTo("0.0166666");
    assertThat(rate(Limit.slidingWindow(1000, Duration.ofDays(1)))).isEqualTo("0.011574");
    assertThat(rate(Limit.leakyBucket(3, Rate.of(2, Duration.ofSeconds(1))))).isEqualTo("2");
  }

  @Test
  void theBindingLimitOfSeveralIsUsed() {
    Policy tiered =
        Policy.builder("t")
            .limit("burst", Limit.tokenBucket(10, Rate.perSecond(5)))
            .limit("daily", Limit.fixedWindow(86_400, Duration.ofDays(1)))
            .build();
    Decision daily = new Decision("t", "daily", true, 86_400, 3, 0, 0, Decision.Source.BACKEND);
    assertThat(LegacyHeaders.replenishRate(tiered, daily)).isEqualTo("1");
    Decision burst = new Decision("t", "burst", true, 10, 3, 0, 0, Decision.Source.BACKEND);
    assertThat(LegacyHeaders.replenishRate(tiered, burst)).isEqualTo("5");
  }
}

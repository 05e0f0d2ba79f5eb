package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.ManualTimeSource;
import dev.sluice.Policy;
import dev.sluice.Rate;
import dev.sluice.RateLimiter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateLimitHeadersTest {

  private static final Policy SEED = Policy.of("default", Limit.tokenBucket(10, Rate.perSecond(1)));
  private static final Policy TIERED =
      Policy.of(
          "tiered",
          Limit.tokenBucket(10, Rate.perSecond(1)),
          Limit.fixedWindow(1000, Duration.ofDays(1)));

  @Test
  void policyListsEachLimitWithQuotaAndWindowInSeconds() {
    assertThat(RateLimitHeaders.policy(SEED)).isEqualTo("\"default\";q=10;w=10");
    assertThat(RateLimitHeaders.policy(TIERED))
        .isEqualTo("\"tiered/0\";q=10;w=10, \"tiered/1\";q=1000;w=86400");
  }

  @Test
  void windowsRoundUpToWholeSecondsAndAtLeastOne() {
    assertThat(
            RateLimitHeaders.policy(
                Policy.of("p", Limit.tokenBucket(3, Rate.of(2, Duration.ofSeconds(1))))))
        .as("3 tokens at 2/s refill in 1.5 s")
        .isEqualTo("\"p\";q=3;w=2");
    assertThat(RateLimitHeaders.policy(Policy.of("p", Limit.fixedWindow(5, Duration.ofMillis(10)))))
        .isEqualTo("\"p\";q=5;w=1");
  }

  @Test
  void allowedReportsRemainingAndSecondsUntilFull() {
    Decision allowed = new Decision("default", true, 10, 9, 0, 1_000_000);
    assertThat(RateLimitHeaders.rateLimit(SEED, allowed)).isEqualTo("\"default\";r=9;t=1");
    Decision partial = new Decision("default", true, 10, 5, 0, 4_000_001);
    assertThat(RateLimitHeaders.rateLimit(SEED, partial))
        .as("rounded up")
        .isEqualTo("\"default\";r=5;t=5");
  }

  @Test
  void deniedReportsTheRetryTimeLikeRetryAfter() {
    Decision denied = new Decision("default", false, 10, 0, 215_000, 9_215_000);
    assertThat(RateLimitHeaders.rateLimit(SEED, denied)).isEqualTo("\"default\";r=0;t=1");
    assertThat(RateLimitHeaders.retryAfter(denied)).isEqualTo("1");
    assertThat(RateLimitHeaders.retryAfter(new Decision("default", false, 10, 0, 2_000_000, 0)))
        .isEqualTo("2");
    assertThat(RateLimitHeaders.retryAfter(new Decision("default", false, 10, 0, 2_000_001, 0)))
        .isEqualTo("3");
  }

  @Test
  void namesTheBindingLimitOfAMultiLimitPolicy() {
    Decision dailyBinds =
        new Decision("tiered", "1", true, 1000, 3, 0, 86_000_000_000L, Decision.Source.BACKEND);
    assertThat(RateLimitHeaders.rateLimit(TIERED, dailyBinds))
        .isEqualTo("\"tiered/1\";r=3;t=86000");
    Decision burstBinds =
        new Decision("tiered", "0", false, 10, 0, 500_000, 1_000_000, Decision.Source.BACKEND);
    assertThat(RateLimitHeaders.rateLimit(TIERED, burstBinds)).isEqualTo("\"tiered/0\";r=0;t=1");
  }

  @Test
  void eachItemPairsItsOwnLimitsRemainingAndReset() {
    RateLimiter limiter =
        RateLimiter.builder().policy(TIERED).timeSource(new ManualTimeSource()).build();
    Decision first = limiter.tryAcquire("u1", "tiered", 1);
    assertThat(RateLimitHeaders.rateLimit(TIERED, first))
        .as("the bucket's 9 left with the bucket's own reset (1 s), not the day window's")
        .isEqualTo("\"tiered/0\";r=9;t=1");
  }

  @Test
  void itemsAreNamedAfterTheLimitsIds() {
    Policy named =
        Policy.builder("tiered")
            .limit("burst", Limit.tokenBucket(10, Rate.perSecond(1)))
            .limit("daily", Limit.fixedWindow(1000, Duration.ofDays(1)))
            .build();
    assertThat(RateLimitHeaders.policy(named))
        .isEqualTo("\"tiered/burst\";q=10;w=10, \"tiered/daily\";q=1000;w=86400");
    Decision daily =
        new Decision("tiered", "daily", true, 1000, 3, 0, 86_000_000_000L, Decision.Source.BACKEND);
    assertThat(RateLimitHeaders.rateLimit(named, daily))
        .as("two limits of one capacity are told apart by id")
        .isEqualTo("\"tiered/daily\";r=3;t=86000");
  }

  @Test
  void aPolicyGoneByReloadIsNamedAfterTheDecision() {
    assertThat(RateLimitHeaders.rateLimit(null, new Decision("old", true, 10, 9, 0, 1_000_000)))
        .isEqualTo("\"old\";r=9;t=1");
  }

  @Test
  void sourceIsAbsentForTheStoreAndHyphenatedOtherwise() {
    Decision stored = new Decision("default", true, 10, 9, 0, 1_000_000);
    assertThat(RateLimitHeaders.source(stored)).isNull();
    assertThat(RateLimitHeaders.source(stored.withSource(Decision.Source.DENY_CACHE)))
        .isEqualTo("deny-cache");
    assertThat(RateLimitHeaders.source(stored.withSource(Decision.Source.FALLBACK_TIMEOUT)))
        .isEqualTo("fallback-timeout");
  }
}

package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.Rate;
import org.junit.jupiter.api.Test;

class DecisionResponseTest {

  private static final Policy SEED = Policy.of("default", Limit.tokenBucket(10, Rate.perSecond(1)));
  private static final Decision ALLOWED = new Decision("default", true, 10, 9, 0, 1_000_000);
  private static final Decision DENIED = new Decision("default", false, 10, 0, 215_000, 9_215_000);

  @Test
  void allowedGetsTheIetfHeadersOnlyAndNoCacheControl() {
    DecisionResponse response = DecisionResponse.of(ALLOWED, SEED, 1, HeaderStyle.IETF);
    assertThat(response.denied()).isFalse();
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.headers())
        .containsExactly(
            entry("RateLimit-Policy", "\"default\";q=10;w=10"),
            entry("RateLimit", "\"default\";r=9;t=1"));
  }

  @Test
  void deniedGets429RetryAfterNoStoreAndTheBody() {
    DecisionResponse response = DecisionResponse.of(DENIED, SEED, 1, HeaderStyle.IETF);
    assertThat(response.denied()).isTrue();
    assertThat(response.status()).isEqualTo(429);
    assertThat(response.headers())
        .containsExactly(
            entry("RateLimit-Policy", "\"default\";q=10;w=10"),
            entry("RateLimit", "\"default\";r=0;t=1"),
            entry("Retry-After", "1"),
            entry("Cache-Control", "no-store"));
    assertThat(response.body()).isEqualTo(DecisionJson.body(DENIED));
    assertThat(new String(response.bodyBytes(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(response.body());
  }

  @Test
  void legacyIsTheGatewaysSet() {
    DecisionResponse response = DecisionResponse.of(ALLOWED, SEED, 3, HeaderStyle.LEGACY);
    assertThat(response.headers())
        .containsExactly(
            entry("X-RateLimit-Remaining", "9"),
            entry("X-RateLimit-Burst-Capacity", "10"),
            entry("X-RateLimit-Replenish-Rate", "1"),
            entry("X-RateLimit-Requested-Tokens", "3"));
  }

  @Test
  void bothAndNone() {
    assertThat(DecisionResponse.of(ALLOWED, SEED, 1, HeaderStyle.BOTH).headers().keySet())
        .containsExactly(
            "RateLimit-Policy",
            "RateLimit",
            "X-RateLimit-Remaining",
            "X-RateLimit-Burst-Capacity",
            "X-RateLimit-Replenish-Rate",
            "X-RateLimit-Requested-Tokens");
    assertThat(DecisionResponse.of(ALLOWED, SEED, 1, HeaderStyle.NONE).headers()).isEmpty();
    assertThat(DecisionResponse.of(DENIED, SEED, 1, HeaderStyle.NONE).headers())
        .as("a denial still says when to retry")
        .containsExactly(entry("Retry-After", "1"), entry("Cache-Control", "no-store"));
  }

  @Test
  void theSourceHeaderComesWhenTheStoreDidNotDecide() {
    Decision fallback = ALLOWED.withSource(Decision.Source.FALLBACK_CIRCUIT_OPEN);
    assertThat(DecisionResponse.of(fallback, SEED, 1, HeaderStyle.NONE).headers())
        .containsExactly(entry("Sluice-Decision-Source", "fallback-circuit-open"));
  }

  @Test
  void aPolicyGoneByReloadLeavesOutWhatNeedsIt() {
    Decision old = new Decision("old", true, 10, 9, 0, 1_000_000);
    assertThat(DecisionResponse.of(old, null, 1, HeaderStyle.BOTH).headers())
        .containsExactly(
            entry("RateLimit", "\"old\";r=9;t=1"),
            entry("X-RateLimit-Remaining", "9"),
            entry("X-RateLimit-Burst-Capacity", "10"),
            entry("X-RateLimit-Requested-Tokens", "1"));
  }
}

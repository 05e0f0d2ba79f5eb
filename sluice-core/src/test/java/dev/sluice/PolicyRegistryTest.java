package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * Policy resolution: the client's override beats the policy a request names, which beats {@code
 * default}; unknown names are errors that list the known policies; a reload keeps the buckets of
 * unchanged policies.
 */
class PolicyRegistryTest {

  private static final Policy DEFAULT =
      Policy.of("default", Limit.tokenBucket(10, Rate.perSecond(1)));
  private static final Policy FREE = Policy.of("free", Limit.tokenBucket(10, Rate.perSecond(1)));
  private static final Policy PREMIUM =
      Policy.of("premium", Limit.tokenBucket(100, Rate.perSecond(20)));

  private final PolicyRegistry registry =
      PolicyRegistry.builder()
          .policy(DEFAULT)
          .policy(FREE)
          .policy(PREMIUM)
          .client("user123", "premium")
          .build();

  @Test
  void overrideBeatsNamedPolicyBeatsDefault() {
    assertThat(registry.resolve("user123", "free")).isSameAs(PREMIUM);
    assertThat(registry.resolve("user123", null)).isSameAs(PREMIUM);
    assertThat(registry.resolve("user123", "no-such-policy"))
        .as("an override needs no valid name")
        .isSameAs(PREMIUM);
    assertThat(registry.resolve("user456", "free")).isSameAs(FREE);
    assertThat(registry.resolve("user456", null)).isSameAs(DEFAULT);
    assertThat(registry.clients()).containsOnlyKeys("user123");
    assertThat(registry.policies()).containsOnlyKeys("default", "free", "premium");
    assertThat(registry.get("free")).isSameAs(FREE);
    assertThat(registry.get("gold")).isNull();
  }

  @Test
  void decisionsNameThePolicyThatDecidedAndUseItsBuckets() {
    RateLimiter limiter =
        RateLimiter.builder().policies(registry).timeSource(new ManualTimeSource()).build();
    Decision premium = limiter.tryAcquire("user123", "free", 1);
    assertThat(premium.policy()).isEqualTo("premium");
    assertThat(premium.limit()).isEqualTo(100);
    assertThat(premium.remaining()).isEqualTo(99);

    Decision free = limiter.tryAcquire("user456", "free", 1);
    assertThat(free.policy()).isEqualTo("free");
    assertThat(free.remaining()).isEqualTo(9);
    assertThat(limiter.tryAcquire("user456").policy()).isEqualTo("default");
    assertThat(limiter.tryAcquire("user456").remaining())
        .as("default and free are separate buckets")
        .isEqualTo(8);
  }

  @Test
  void anUnknownPolicyIsAnErrorListingTheKnownOnes() {
    assertThatThrownBy(() -> registry.resolve("user456", "gold"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("policy must be one of [default, free, premium]: 'gold'");

    PolicyRegistry noDefault = PolicyRegistry.of(FREE, PREMIUM);
    assertThatThrownBy(() -> noDefault.resolve("user456", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "policy must be one of [free, premium]: none given and there is no 'default' policy");

    RateLimiter limiter = RateLimiter.builder().policies(noDefault).build();
    assertThatThrownBy(() -> limiter.tryAcquire("user456"))
        .hasMessage(
            "policy must be one of [free, premium]: none given and there is no 'default' policy");
    assertThatThrownBy(() -> limiter.peek("user456", "gold"))
        .hasMessage("policy must be one of [free, premium]: 'gold'");
  }

  @Test
  void builderRejectsDuplicatesAndOverridesToUnknownPolicies() {
    assertThatThrownBy(
            () ->
                PolicyRegistry.of(
                    FREE, Policy.of("free", Limit.fixedWindow(1, java.time.Duration.ofSeconds(1)))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("policy name must be unique: 'free'");
    assertThatThrownBy(
            () -> PolicyRegistry.builder().policy(FREE).client("user123", "gold").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clients.user123 must name a policy, one of [free]: 'gold'");
    assertThatThrownBy(() -> PolicyRegistry.builder().client("", "free"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key must not be empty");
    assertThatThrownBy(() -> PolicyRegistry.builder().client("user123", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("policy must not be null");
    assertThatThrownBy(() -> PolicyRegistry.builder().policy(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("policy must not be null");
    // An override may be declared before its policy.
    assertThat(
            PolicyRegistry.builder()
                .client("user123", "free")
                .policy(FREE)
                .build()
                .resolve("user123", null))
        .isSameAs(FREE);
  }

  @Test
  void reloadingKeepsEveryClientsUsageOfChangedAndUnchangedPolicies() {
    RateLimiter limiter =
        RateLimiter.builder().policies(registry).timeSource(new ManualTimeSource()).build();
    limiter.tryAcquire("user456", "free", 10);
    limiter.tryAcquire("user456", "default", 10);

    limiter.setPolicies(
        PolicyRegistry.of(
            Policy.of("free", Limit.tokenBucket(10, Rate.perSecond(1))), // equal to the old one
            Policy.of("default", Limit.tokenBucket(20, Rate.perSecond(1))))); // changed

    assertThat(limiter.peek("user456", "free").remaining()).isZero();
    assertThat(limiter.peek("user456", "default").remaining())
        .as("10 spent of the old 10 is a debt of 10 in the new 20")
        .isEqualTo(10);
    assertThatThrownBy(() -> limiter.tryAcquire("user123", "premium", 1))
        .hasMessage("policy must be one of [default, free]: 'premium'");
    assertThat(limiter.policies().policies()).containsOnlyKeys("default", "free");
  }

  @Test
  void policiesAreEqualByNameAndLimits() {
    assertThat(Policy.of("free", Limit.tokenBucket(10, Rate.perSecond(1))))
        .isEqualTo(FREE)
        .hasSameHashCodeAs(FREE);
    assertThat(Policy.of("other", Limit.tokenBucket(10, Rate.perSecond(1)))).isNotEqualTo(FREE);
    assertThat(Policy.of("free", Limit.tokenBucket(11, Rate.perSecond(1)))).isNotEqualTo(FREE);
    assertThat(FREE.toString()).isEqualTo("free[token-bucket(capacity=10, refill=1/s)]");
  }
}

package dev.sluice.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.PolicyRegistry;
import dev.sluice.Rate;
import dev.sluice.RateLimiter;
import org.junit.jupiter.api.Test;

class SluiceFilterTest {

  private static final RateLimiter LIMITER =
      RateLimiter.builder()
          .policies(
              PolicyRegistry.builder()
                  .policy(Policy.of("default", Limit.tokenBucket(10, Rate.perSecond(1))))
                  .policy(Policy.of("small", Limit.tokenBucket(3, Rate.perSecond(1))))
                  .build())
          .build();

  @Test
  void aRuleMustNameAPolicyTheLimiterHas() {
    assertThatThrownBy(
            () ->
                SluiceFilter.builder(LIMITER)
                    .rule(Rule.builder("/a").build())
                    .rule(Rule.builder("/b").policy("gold").build())
                    .build())
        .hasMessage("rules[1].policy must name a policy, one of [default, small]: 'gold'");
  }

  @Test
  void aRulesCostMustFitItsPolicy() {
    assertThatThrownBy(
            () ->
                SluiceFilter.builder(LIMITER)
                    .rule(Rule.builder("/a").policy("small").cost(4).build())
                    .build())
        .hasMessage("rules[0].cost must be at most the smallest capacity of policy small (3): 4");
    assertThatThrownBy(
            () -> SluiceFilter.builder(LIMITER).rule(Rule.builder("/a").cost(11).build()).build())
        .as("a rule without a policy is checked against default")
        .hasMessage(
            "rules[0].cost must be at most the smallest capacity of policy default (10): 11");
    assertThatThrownBy(() -> Rule.builder("/a").cost(0))
        .hasMessage("cost must be between 1 and 1000000000: 0");
  }

  @Test
  void rulesKeepTheirOrderAndDescribeThemselves() {
    SluiceFilter filter =
        SluiceFilter.builder(LIMITER)
            .rule(Rule.builder("/a/**").key(KeyResolver.header("X-Api-Key")).build())
            .rule(Rule.builder("/b").methods("get").key(KeyResolver.ip(2)).policy("small").build())
            .rule(Rule.builder("/c").key(request -> "x").build())
            .build();
    assertThat(filter.rules())
        .extracting(Rule::toString)
        .containsExactly(
            "/a/** -> key header:X-Api-Key, policy (client's or default), cost 1",
            "GET /b -> key ip, policy small, cost 1",
            "/c -> key the application's key resolver, policy (client's or default), cost 1");
  }

  @Test
  void builtInKeysCheckTheirArguments() {
    assertThatThrownBy(() -> KeyResolver.header("X Api"))
        .hasMessage("header must be a header name such as X-Api-Key: 'X Api'");
    assertThatThrownBy(() -> KeyResolver.ip(33))
        .hasMessage("trustedProxies must be between 0 and 32: 33");
    assertThatThrownBy(() -> Rule.builder("api").build())
        .hasMessage("rule.path must start with / and have no spaces, such as /api/**: 'api'");
  }
}

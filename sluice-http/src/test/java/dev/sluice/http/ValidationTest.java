package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Limit;
import dev.sluice.Rate;
import org.junit.jupiter.api.Test;

class ValidationTest {

  private static IllegalArgumentException coreError(Runnable call) {
    try {
      call.run();
    } catch (IllegalArgumentException e) {
      return e;
    }
    throw new AssertionError("no error");
  }

  @Test
  void readsTheParameterOfTheCoresMessages() {
    IllegalArgumentException capacity = coreError(() -> Limit.tokenBucket(0, Rate.perSecond(1)));
    assertThat(Validation.param(capacity)).isEqualTo("capacity");
    assertThat(Validation.isAbout(capacity, "capacity")).isTrue();
    assertThat(Validation.under(capacity, "sluice.policies.free"))
        .isEqualTo("sluice.policies.free.capacity must be between 1 and 1000000000: 0");
  }

  @Test
  void renamesOrPrefixes() {
    IllegalArgumentException rate = coreError(() -> Rate.parse("0/s"));
    assertThat(Validation.renamed(rate, "rate", "sluice.policies.free.refill"))
        .startsWith("sluice.policies.free.refill ");
    assertThat(Validation.renamed(new IllegalArgumentException("other thing"), "rate", "x.y"))
        .isEqualTo("x.y: other thing");
    assertThat(Validation.param(new IllegalArgumentException("nospace"))).isEmpty();
    assertThat(Validation.under(new IllegalArgumentException("nospace"), "p"))
        .isEqualTo("p: nospace");
  }
}

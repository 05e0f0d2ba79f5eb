package dev.sluice.bench.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HttpBenchTest {

  @Test
  void aServerHasSettledWhenItsLastTwoWarmUpWindowsAgreeWithinFivePercent() {
    assertThat(HttpBench.settled(List.of())).isFalse();
    assertThat(HttpBench.settled(List.of(42_000.0))).isFalse();
    assertThat(HttpBench.settled(List.of(7_800.0, 27_900.0, 39_500.0))).isFalse();
    assertThat(HttpBench.settled(List.of(7_800.0, 27_900.0, 39_500.0, 42_500.0))).isFalse();
    assertThat(HttpBench.settled(List.of(39_500.0, 42_500.0, 43_100.0))).isTrue();
    assertThat(HttpBench.settled(List.of(100_000.0, 95_000.0))).isTrue();
    assertThat(HttpBench.settled(List.of(100_000.0, 94_000.0))).isFalse();
  }
}

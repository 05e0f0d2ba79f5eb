package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HeaderStyleTest {

  @Test
  void parsesTheConfigurationNames() {
    assertThat(HeaderStyle.parse("h", "ietf")).isEqualTo(HeaderStyle.IETF);
    assertThat(HeaderStyle.parse("h", " Legacy ")).isEqualTo(HeaderStyle.LEGACY);
    assertThat(HeaderStyle.parse("h", "both").ietf()).isTrue();
    assertThat(HeaderStyle.parse("h", "both").legacy()).isTrue();
    assertThat(HeaderStyle.parse("h", "none").ietf()).isFalse();
    assertThat(HeaderStyle.NONE.configName()).isEqualTo("none");
  }

  @Test
  void refusesOthersByName() {
    assertThatThrownBy(() -> HeaderStyle.parse("sluice.http.headers", "x-ratelimit"))
        .hasMessage("sluice.http.headers must be one of ietf, legacy, both, none: 'x-ratelimit'");
  }
}

package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class UnresolvedKeyTest {

  @Test
  void parsesAllowAndStatuses() {
    assertThat(UnresolvedKey.parse("k", "allow")).isEqualTo(UnresolvedKey.ALLOW);
    assertThat(UnresolvedKey.parse("k", "403")).isEqualTo(UnresolvedKey.FORBIDDEN);
    assertThat(UnresolvedKey.parse("k", " 429 ").status()).isEqualTo(429);
  }

  @Test
  void refusesAnythingElseByName() {
    for (String bad : new String[] {"200", "399", "600", "deny", "", "4030"}) {
      assertThatThrownBy(() -> UnresolvedKey.parse("sluice.http.unresolved-key", bad))
          .hasMessage(
              "sluice.http.unresolved-key must be allow or a status from 400 to 599, such as 403: '"
                  + bad
                  + "'");
    }
    assertThatThrownBy(() -> UnresolvedKey.status(302))
        .hasMessage("unresolved-key must be allow or a status from 400 to 599: 302");
  }

  @Test
  void theBodySaysWhy() {
    assertThat(UnresolvedKey.FORBIDDEN.body("no header X-Api-Key"))
        .isEqualTo(
            "{\"error\":\"the rate limit key of this request cannot be resolved: no header"
                + " X-Api-Key\",\"field\":null}");
  }
}

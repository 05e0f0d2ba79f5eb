package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.Decision;
import org.junit.jupiter.api.Test;

class DecisionJsonTest {

  private static final ObjectMapper JACKSON = new ObjectMapper();

  /** The body {@code sluice serve} wrote with Jackson before the formatting moved here. */
  record JacksonBody(
      boolean allowed,
      String policy,
      long limit,
      long remaining,
      long retryAfterMs,
      long resetAfterMs) {}

  record JacksonError(String error, String field) {}

  @Test
  void bodyHasTheContractsFieldsInOrder() {
    Decision denied = new Decision("default", false, 10, 0, 733_001, 9_733_001);
    assertThat(DecisionJson.body(denied))
        .isEqualTo(
            "{\"allowed\":false,\"policy\":\"default\",\"limit\":10,\"remaining\":0,"
                + "\"retryAfterMs\":734,\"resetAfterMs\":9734}");
  }

  @Test
  void aDecisionHoldingAPermitEndsWithIt() {
    Decision granted =
        new Decision(
            "flight",
            "0",
            true,
            10,
            9,
            0,
            30_000_000,
            Decision.Source.BACKEND,
            "Zm9vYmFyYmF6cXV4cXV1eA");
    assertThat(DecisionJson.body(granted))
        .isEqualTo(
            "{\"allowed\":true,\"policy\":\"flight\",\"limit\":10,\"remaining\":9,"
                + "\"retryAfterMs\":0,\"resetAfterMs\":30000,\"permit\":\"Zm9vYmFyYmF6cXV4cXV1eA\"}");
  }

  @Test
  void bodyIsByteForByteWhatJacksonWrites() throws Exception {
    Decision allowed =
        new Decision("p.1-x_y", true, 1_000_000_000, 999_999_999, 0, 86_400_000_000L);
    assertThat(DecisionJson.body(allowed))
        .isEqualTo(
            JACKSON.writeValueAsString(
                new JacksonBody(true, "p.1-x_y", 1_000_000_000, 999_999_999, 0, 86_400_000)));
  }

  @Test
  void stringsAreEscapedAsJacksonEscapesThem() throws Exception {
    StringBuilder every =
        new StringBuilder("quote \" backslash \\ slash / unicode é ☃ 😀 del \u007f");
    for (char c = 0; c < 0x20; c++) {
      every.append(c);
    }
    every.append('\u2028');
    String text = every.toString();
    assertThat(DecisionJson.quote(text)).isEqualTo(JACKSON.writeValueAsString(text));
    assertThat(DecisionJson.error(text, "key"))
        .isEqualTo(JACKSON.writeValueAsString(new JacksonError(text, "key")));
    assertThat(DecisionJson.error("no key", null))
        .isEqualTo(JACKSON.writeValueAsString(new JacksonError("no key", null)))
        .isEqualTo("{\"error\":\"no key\",\"field\":null}");
  }

  @Test
  void controlCharactersUseShortFormsOrUpperCaseHex() {
    assertThat(DecisionJson.quote("a\nb\tc\u0001\u001f")).isEqualTo("\"a\\nb\\tc\\u0001\\u001F\"");
    assertThat(DecisionJson.quote(null)).isEqualTo("null");
  }
}

package dev.sluice.http;

import dev.sluice.Decision;

/**
 * The JSON bodies of Sluice's HTTP answers, written by hand (they are small and fixed, and the core
 * modules carry no JSON library):
 *
 * <pre>
 * {"allowed":false,"policy":"default","limit":10,"remaining":0,"retryAfterMs":734,"resetAfterMs":9734}
 * {"error":"the rate limit key of this request cannot be resolved","field":null}
 * </pre>
 *
 * <p>Fields come in that order, without spaces; strings are escaped as Jackson escapes them by
 * default ({@code \"}, {@code \\}, {@code \n} and the other short forms, {@code \}{@code u00XX} for
 * the remaining control characters), so that this output is byte for byte what {@code sluice serve}
 * answered when it serialized the same values with Jackson.
 */
public final class DecisionJson {

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private DecisionJson() {}

  /**
   * The body of a decision: {@code allowed}, {@code policy}, {@code limit}, {@code remaining},
   * {@code retryAfterMs}, {@code resetAfterMs}, and {@code permit} when the decision holds one (an
   * allowed request on a concurrency limit).
   *
   * @param decision the decision
   * @return the JSON text
   */
  public static String body(Decision decision) {
    StringBuilder json = new StringBuilder(112);
    json.append("{\"allowed\":").append(decision.allowed()).append(",\"policy\":");
    quote(json, decision.policy());
    json.append(",\"limit\":")
        .append(decision.limit())
        .append(",\"remaining\":")
        .append(decision.remaining())
        .append(",\"retryAfterMs\":")
        .append(decision.retryAfterMillis())
        .append(",\"resetAfterMs\":")
        .append(decision.resetAfterMillis());
    if (decision.permit() != null) {
      json.append(",\"permit\":");
      quote(json, decision.permit());
    }
    return json.append('}').toString();
  }

  /**
   * The body of an error: {@code error}, then {@code field} (the input at fault, or {@code null}).
   *
   * @param message what went wrong
   * @param field the field at fault, or {@code null}
   * @return the JSON text
   */
  public static String error(String message, String field) {
    StringBuilder json = new StringBuilder(64 + message.length());
    json.append("{\"error\":");
    quote(json, message);
    json.append(",\"field\":");
    if (field == null) {
      json.append("null");
    } else {
      quote(json, field);
    }
    return json.append('}').toString();
  }

  /**
   * A JSON string literal.
   *
   * @param text the text, or {@code null}
   * @return the quoted, escaped text, or {@code null} (the JSON literal) for {@code null}
   */
  public static String quote(String text) {
    if (text == null) {
      return "null";
    }
    StringBuilder json = new StringBuilder(text.length() + 2);
    quote(json, text);
    return json.toString();
  }

  private static void quote(StringBuilder json, String text) {
    if (text == null) {
      json.append("null");
      return;
    }
    json.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> json.append("\\\"");
        case '\\' -> json.append("\\\\");
        case '\b' -> json.append("\\b");
        case '\f' -> json.append("\\f");
        case '\n' -> json.append("\\n");
        case '\r' -> json.append("\\r");
        case '\t' -> json.append("\\t");
        default -> {
          if (c < 0x20) {
            json.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
          } else {
            json.append(c);
          }
        }
      }
    }
    json.append('"');
  }
}

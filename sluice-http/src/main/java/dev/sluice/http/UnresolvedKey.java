package dev.sluice.http;

/**
 * What a web filter answers a request whose rate-limit key cannot be resolved (no such header, no
 * authenticated principal, an expression that gave nothing): a refusal with a status (403 by
 * default, as Spring Cloud Gateway answers), or, only when chosen explicitly, letting the request
 * through unlimited.
 *
 * @param allow whether the request goes through unlimited
 * @param status the status of the refusal, from 400 to 599; ignored when {@code allow}
 */
public record UnresolvedKey(boolean allow, int status) {

  /** Refuse with 403 Forbidden: the default. */
  public static final UnresolvedKey FORBIDDEN = new UnresolvedKey(false, 403);

  /** Let the request through, unlimited. */
  public static final UnresolvedKey ALLOW = new UnresolvedKey(true, 0);

  /**
   * Checks the status.
   *
   * @param allow whether the request goes through unlimited
   * @param status the status of the refusal, from 400 to 599; ignored when {@code allow}
   * @throws IllegalArgumentException if a refusal's status is not from 400 to 599
   */
  public UnresolvedKey {
    if (!allow && (status < 400 || status > 599)) {
      throw new IllegalArgumentException(
          "unresolved-key must be allow or a status from 400 to 599: " + status);
    }
  }

  /**
   * Refuse with a status.
   *
   * @param status from 400 to 599
   * @return the answer
   * @throws IllegalArgumentException if the status is out of range
   */
  public static UnresolvedKey status(int status) {
    return new UnresolvedKey(false, status);
  }

  /**
   * The answer a setting names: {@code allow}, or a status from 400 to 599.
   *
   * @param param the name of the setting, for the message
   * @param text the setting
   * @return the answer
   * @throws IllegalArgumentException naming {@code param} if it is neither
   */
  public static UnresolvedKey parse(String param, String text) {
    String value = text == null ? "" : text.trim();
    if (value.equalsIgnoreCase("allow")) {
      return ALLOW;
    }
    if (value.matches("[0-9]{3}")) {
      int status = Integer.parseInt(value);
      if (status >= 400 && status <= 599) {
        return status(status);
      }
    }
    throw new IllegalArgumentException(
        param + " must be allow or a status from 400 to 599, such as 403: '" + text + "'");
  }

  /**
   * The JSON body of the refusal.
   *
   * @param why what could not be resolved, such as {@code no header X-Api-Key}
   * @return {@code {"error": "...", "field": null}}
   */
  public String body(String why) {
    return DecisionJson.error(
        "the rate limit key of this request cannot be resolved: " + why, null);
  }
}

package dev.sluice.http;

import java.util.Locale;

/**
 * Which rate-limit headers a web answer carries. {@code Retry-After} on a denial and {@code
 * Sluice-Decision-Source} on a decision the store did not make are sent whatever the style.
 */
public enum HeaderStyle {
  /** {@code RateLimit-Policy} and {@code RateLimit} of the IETF httpapi draft (the default). */
  IETF,
  /**
   * The {@code X-RateLimit-*} set of Spring Cloud Gateway's {@code RedisRateLimiter}: {@code
   * X-RateLimit-Remaining}, {@code X-RateLimit-Burst-Capacity}, {@code X-RateLimit-Replenish-Rate}
   * and {@code X-RateLimit-Requested-Tokens}.
   */
  LEGACY,
  /** Both sets. */
  BOTH,
  /** No rate-limit headers. */
  NONE;

  /**
   * Whether the IETF headers are sent.
   *
   * @return true for {@link #IETF} and {@link #BOTH}
   */
  public boolean ietf() {
    return this == IETF || this == BOTH;
  }

  /**
   * Whether the {@code X-RateLimit-*} headers are sent.
   *
   * @return true for {@link #LEGACY} and {@link #BOTH}
   */
  public boolean legacy() {
    return this == LEGACY || this == BOTH;
  }

  /**
   * A style by its configuration name: {@code ietf}, {@code legacy}, {@code both} or {@code none}.
   *
   * @param param the name of the setting, for the message
   * @param text the name, in any case
   * @return the style
   * @throws IllegalArgumentException naming {@code param} if the name is none of them
   */
  public static HeaderStyle parse(String param, String text) {
    if (text != null) {
      for (HeaderStyle style : values()) {
        if (style.name().equalsIgnoreCase(text.trim())) {
          return style;
        }
      }
    }
    throw new IllegalArgumentException(
        param + " must be one of ietf, legacy, both, none: '" + text + "'");
  }

  /**
   * The configuration name of this style.
   *
   * @return such as {@code ietf}
   */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}

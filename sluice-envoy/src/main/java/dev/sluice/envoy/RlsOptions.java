package dev.sluice.envoy;

/**
 * How {@link RlsService} answers beyond the configuration's rules.
 *
 * @param globalShadowMode answer OK to every request, counting what would have been over as shadow
 *     (envoyproxy/ratelimit's {@code SHADOW_MODE})
 * @param headers which rate limit headers to ask Envoy to add to the client's response
 */
public record RlsOptions(boolean globalShadowMode, Headers headers) {

  /** Which headers {@code response_headers_to_add} holds. */
  public enum Headers {
    /** None, as envoyproxy/ratelimit by default. */
    OFF,
    /**
     * envoyproxy/ratelimit's {@code RateLimit-Limit}, {@code RateLimit-Remaining} and {@code
     * RateLimit-Reset} (its {@code LIMIT_RESPONSE_HEADERS_ENABLED}).
     */
    DRAFT,
    /**
     * The IETF httpapi draft's {@code RateLimit-Policy} and {@code RateLimit}, as Sluice's HTTP
     * API.
     */
    IETF
  }

  /**
   * The defaults: no global shadow mode, no headers.
   *
   * @return the defaults
   */
  public static RlsOptions defaults() {
    return new RlsOptions(false, Headers.OFF);
  }
}

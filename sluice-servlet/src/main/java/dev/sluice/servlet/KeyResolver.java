package dev.sluice.servlet;

import dev.sluice.http.ClientAddress;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Finds the rate-limit key of a request: whose budget the request spends.
 *
 * <p>Built in: {@link #ip(int) the client address} (behind a number of trusted proxies), {@link
 * #header(String) a request header} and {@link #principal() the authenticated principal}; an
 * application writes its own as a lambda. Implementations must be thread-safe and fast (they run on
 * every matching request), and must return {@code null} rather than a made-up key when the request
 * has none: the filter then answers with its {@link dev.sluice.http.UnresolvedKey} setting instead
 * of letting the request through unlimited or lumping such requests under one key.
 */
@FunctionalInterface
public interface KeyResolver {

  /**
   * The key of a request.
   *
   * @param request the request
   * @return the key, 1 to 512 UTF-8 bytes; {@code null} or empty when the request has none
   */
  String resolve(HttpServletRequest request);

  /**
   * The client's address: the peer's, or with {@code trustedProxies} above 0 the address that many
   * proxies back in {@code Forwarded} or {@code X-Forwarded-For} (see {@link ClientAddress}); a
   * header is never trusted beyond that.
   *
   * @param trustedProxies how many proxies in front of this server to trust, 0 to 32
   * @return the resolver, named {@code ip}
   * @throws IllegalArgumentException if {@code trustedProxies} is out of range
   */
  static KeyResolver ip(int trustedProxies) {
    return new Keys.Ip(ClientAddress.checkTrustedProxies("trustedProxies", trustedProxies));
  }

  /**
   * The value of a request header, such as an API key; the first one if repeated, trimmed.
   *
   * @param name the header's name, case-insensitive
   * @return the resolver, named {@code header:NAME}
   * @throws IllegalArgumentException if the name is not a header name
   */
  static KeyResolver header(String name) {
    return new Keys.Header(Keys.checkHeaderName("header", name));
  }

  /**
   * The name of the authenticated principal ({@link HttpServletRequest#getUserPrincipal()}, which
   * Spring Security and container authentication fill in); none for an anonymous request.
   *
   * @return the resolver, named {@code principal}
   */
  static KeyResolver principal() {
    return Keys.PRINCIPAL;
  }
}

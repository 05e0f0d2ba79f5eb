package dev.sluice.servlet;

import dev.sluice.http.ClientAddress;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.util.Collections;
import java.util.List;

/** The built-in key resolvers, each named as the Spring properties write it. */
final class Keys {

  static final KeyResolver PRINCIPAL = new Principals();

  private Keys() {}

  /**
   * Checks a header name: an HTTP token.
   *
   * @throws IllegalArgumentException if it is not one
   */
  static String checkHeaderName(String param, String name) {
    if (name == null || !name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}")) {
      throw new IllegalArgumentException(
          param + " must be a header name such as X-Api-Key: '" + name + "'");
    }
    return name;
  }

  /** How a resolver is named in messages. */
  static String describe(KeyResolver resolver) {
    return resolver instanceof Ip || resolver instanceof Header || resolver instanceof Principals
        ? resolver.toString()
        : "the application's key resolver";
  }

  record Ip(int trustedProxies) implements KeyResolver {
    @Override
    public String resolve(HttpServletRequest request) {
      return ClientAddress.resolve(
          request.getRemoteAddr(),
          values(request, "Forwarded"),
          values(request, "X-Forwarded-For"),
          trustedProxies);
    }

    private static List<String> values(HttpServletRequest request, String name) {
      return request.getHeader(name) == null
          ? List.of()
          : Collections.list(request.getHeaders(name));
    }

    @Override
    public String toString() {
      return "ip";
    }
  }

  record Header(String name) implements KeyResolver {
    @Override
    public String resolve(HttpServletRequest request) {
      String value = request.getHeader(name);
      return value == null ? null : value.trim();
    }

    @Override
    public String toString() {
      return "header:" + name;
    }
  }

  private static final class Principals implements KeyResolver {
    @Override
    public String resolve(HttpServletRequest request) {
      Principal principal = request.getUserPrincipal();
      return principal == null ? null : principal.getName();
    }

    @Override
    public String toString() {
      return "principal";
    }
  }
}

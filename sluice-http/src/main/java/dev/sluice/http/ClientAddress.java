package dev.sluice.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The address of the client behind a known number of trusted proxies, from the peer's address and
 * the {@code Forwarded} (RFC 7239) or {@code X-Forwarded-For} headers.
 *
 * <p>Each proxy appends the address it received the request from, so the chain reads, from the
 * right: the peer (the nearest proxy), the address that proxy saw, and so on. With {@code n}
 * trusted proxies the client is the {@code n}-th entry from the right, the peer being the 0-th:
 * entries further left were written by someone untrusted (the client itself can send any header),
 * and are never used. With no trusted proxy (the default) the headers are ignored and the client is
 * the peer. If the chain is shorter than {@code n + 1}, every entry in it was written by a trusted
 * proxy and the leftmost is the client.
 *
 * <p>{@code Forwarded} wins over {@code X-Forwarded-For} when a request has both. Ports, brackets
 * and quotes are removed ({@code for="[2001:db8::17]:4711"} is {@code 2001:db8::17}); an entry that
 * is {@code unknown}, empty, or a {@code Forwarded} element without {@code for=} has no address,
 * and the client then cannot be told ({@code null}).
 */
public final class ClientAddress {

  /** The most proxies that can be trusted. */
  public static final int MAX_TRUSTED_PROXIES = 32;

  private ClientAddress() {}

  /**
   * Checks a number of trusted proxies.
   *
   * @param param the name of the setting, for the message
   * @param trustedProxies the number
   * @return the number
   * @throws IllegalArgumentException naming {@code param} if not from 0 to {@value
   *     #MAX_TRUSTED_PROXIES}
   */
  public static int checkTrustedProxies(String param, int trustedProxies) {
    if (trustedProxies < 0 || trustedProxies > MAX_TRUSTED_PROXIES) {
      throw new IllegalArgumentException(
          param + " must be between 0 and " + MAX_TRUSTED_PROXIES + ": " + trustedProxies);
    }
    return trustedProxies;
  }

  /**
   * The client's address.
   *
   * @param peer the address the request came from (the servlet's remote address)
   * @param forwarded the values of the {@code Forwarded} headers, in order (may be empty)
   * @param forwardedFor the values of the {@code X-Forwarded-For} headers, in order (may be empty)
   * @param trustedProxies how many proxies in front of this server to trust, from 0
   * @return the address, or {@code null} if the entry at the client's place has none
   */
  public static String resolve(
      String peer, List<String> forwarded, List<String> forwardedFor, int trustedProxies) {
    if (trustedProxies <= 0) {
      return normalize(peer);
    }
    List<String> chain = forwarded.isEmpty() ? split(forwardedFor) : forElements(forwarded);
    chain.add(peer);
    int index = Math.max(0, chain.size() - 1 - trustedProxies);
    return normalize(chain.get(index));
  }

  /** The entries of {@code X-Forwarded-For} headers, left to right. */
  private static List<String> split(List<String> values) {
    List<String> entries = new ArrayList<>();
    for (String value : values) {
      for (String entry : value.split(",", -1)) {
        entries.add(entry.trim());
      }
    }
    return entries;
  }

  /**
   * The {@code for} parameter of each element of {@code Forwarded} headers, left to right; {@code
   * null} for an element without one. Commas and semicolons inside quoted strings do not split.
   */
  private static List<String> forElements(List<String> values) {
    List<String> entries = new ArrayList<>();
    for (String value : values) {
      String found = null;
      StringBuilder pair = new StringBuilder();
      boolean quoted = false;
      for (int i = 0; i <= value.length(); i++) {
        char c = i < value.length() ? value.charAt(i) : ',';
        if (c == '"' && (i == 0 || value.charAt(i - 1) != '\\')) {
          quoted = !quoted;
        }
        if (!quoted && (c == ';' || c == ',')) {
          String text = pair.toString().trim();
          int equals = text.indexOf('=');
          if (equals > 0 && text.substring(0, equals).trim().equalsIgnoreCase("for")) {
            found = text.substring(equals + 1).trim();
          }
          pair.setLength(0);
          if (c == ',') {
            entries.add(found);
            found = null;
          }
        } else {
          pair.append(c);
        }
      }
    }
    return entries;
  }

  /** An entry without quotes, brackets and port; {@code null} if it holds no address. */
  static String normalize(String entry) {
    if (entry == null) {
      return null;
    }
    String text = entry.trim();
    if (text.length() >= 2 && text.startsWith("\"") && text.endsWith("\"")) {
      text = text.substring(1, text.length() - 1).replace("\\\"", "\"").trim();
    }
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      text = close > 0 ? text.substring(1, close) : text.substring(1);
    } else if (text.indexOf(':') > 0 && text.indexOf(':') == text.lastIndexOf(':')) {
      text = text.substring(0, text.indexOf(':'));
    }
    if (text.isEmpty() || text.toLowerCase(Locale.ROOT).equals("unknown")) {
      return null;
    }
    return text;
  }
}

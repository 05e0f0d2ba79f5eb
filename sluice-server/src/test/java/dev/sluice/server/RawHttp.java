package dev.sluice.server;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/1.1 over a plain socket, for what a client library will not send: slow or chunked bodies.
 */
final class RawHttp {

  private RawHttp() {}

  /** A response: status, headers (names in any case) and body. */
  record Response(int status, Map<String, String> headers, String body) {}

  /** Reads one response with a Content-Length. */
  static Response read(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("the response ended in its headers: " + head);
      }
      head.append((char) b);
    }
    String[] lines = head.toString().split("\r\n");
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim());
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    return new Response(
        Integer.parseInt(lines[0].split(" ")[1]),
        headers,
        new String(in.readNBytes(length), StandardCharsets.UTF_8));
  }

  static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}

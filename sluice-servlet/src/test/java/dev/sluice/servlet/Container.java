package dev.sluice.servlet;

import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import java.net.URI;
import java.util.Map;

/** An embedded servlet container on a free loopback port, serving one servlet at /*. */
interface Container extends AutoCloseable {

  /**
   * Starts a container.
   *
   * @param filters filters by URL pattern, applied in this order before the servlet
   * @param servlet the application
   */
  interface Starter {
    Container start(Map<String, Filter> filters, HttpServlet servlet) throws Exception;
  }

  /** The base URI, such as {@code http://127.0.0.1:41234}. */
  URI uri();

  /** Stops the container; a failure to stop fails the test that owns it. */
  @Override
  void close();
}

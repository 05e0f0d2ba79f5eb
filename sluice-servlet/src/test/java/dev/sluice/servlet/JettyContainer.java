package dev.sluice.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import java.net.URI;
import java.util.EnumSet;
import java.util.Map;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** Jetty 12 (EE 11, Servlet 6.1). */
final class JettyContainer implements Container {

  private final Server server;
  private final URI uri;

  private JettyContainer(Server server, URI uri) {
    this.server = server;
    this.uri = uri;
  }

  static Container start(Map<String, Filter> filters, HttpServlet servlet) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    filters.forEach(
        (pattern, filter) ->
            context.addFilter(
                new FilterHolder(filter), pattern, EnumSet.of(DispatcherType.REQUEST)));
    context.addServlet(new ServletHolder(servlet), "/*");
    server.setHandler(context);
    server.start();
    return new JettyContainer(server, URI.create("http://127.0.0.1:" + connector.getLocalPort()));
  }

  @Override
  public URI uri() {
    return uri;
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("Jetty did not stop", e);
    }
  }
}

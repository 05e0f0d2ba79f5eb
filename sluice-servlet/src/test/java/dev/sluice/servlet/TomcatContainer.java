package dev.sluice.servlet;

import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

/** Tomcat 11 (Servlet 6.1). */
final class TomcatContainer implements Container {

  private final Tomcat tomcat;
  private final Path base;
  private final URI uri;

  private TomcatContainer(Tomcat tomcat, Path base, URI uri) {
    this.tomcat = tomcat;
    this.base = base;
    this.uri = uri;
  }

  static Container start(Map<String, Filter> filters, HttpServlet servlet) throws Exception {
    Path base = Files.createTempDirectory("sluice-tomcat");
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(base.toString());
    Connector connector = new Connector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    tomcat.setConnector(connector);
    Context context = tomcat.addContext("", base.toString());
    int i = 0;
    for (Map.Entry<String, Filter> entry : filters.entrySet()) {
      String name = "filter" + i++;
      FilterDef def = new FilterDef();
      def.setFilterName(name);
      def.setFilter(entry.getValue());
      context.addFilterDef(def);
      FilterMap map = new FilterMap();
      map.setFilterName(name);
      map.addURLPattern(entry.getKey());
      context.addFilterMap(map);
    }
    Tomcat.addServlet(context, "app", servlet);
    context.addServletMapping("/*", "app");
    tomcat.start();
    return new TomcatContainer(
        tomcat, base, URI.create("http://127.0.0.1:" + connector.getLocalPort()));
  }

  @Override
  public URI uri() {
    return uri;
  }

  @Override
  public void close() {
    try {
      tomcat.stop();
      tomcat.destroy();
    } catch (LifecycleException e) {
      throw new IllegalStateException("Tomcat did not stop", e);
    }
    try (Stream<Path> files = Files.walk(base)) {
      files.sorted(Comparator.reverseOrder()).forEach(TomcatContainer::delete);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void delete(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

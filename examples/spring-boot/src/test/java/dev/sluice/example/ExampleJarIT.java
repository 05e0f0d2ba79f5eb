package dev.sluice.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's two commands: runs the packaged jar as a process ({@code java -jar
 * target/sluice-spring-boot-example.jar}), then sends what {@code curl} sends.
 */
class ExampleJarIT {

  private static Process app;
  private static int port;
  private static final List<String> OUTPUT = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    Path jar = Path.of("target", "sluice-spring-boot-example.jar");
    assertThat(jar).exists();
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    app =
        new ProcessBuilder(
                java.toString(),
                "-jar",
                jar.toString(),
                "--server.port=" + port,
                "--server.address=127.0.0.1")
            .redirectErrorStream(true)
            .start();
    CountDownLatch started = new CountDownLatch(1);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(app.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                  synchronized (OUTPUT) {
                    OUTPUT.add(line);
                  }
                  if (line.contains("Started ExampleApplication")) {
                    started.countDown();
                  }
                }
              } catch (java.io.IOException e) {
                // the process ended
              }
            });
    reader.setDaemon(true);
    reader.start();
    boolean up = started.await(60, TimeUnit.SECONDS);
    synchronized (OUTPUT) {
      assertThat(up).as("started within 60 s; output:%n%s", String.join("\n", OUTPUT)).isTrue();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (app != null) {
      app.destroy();
      if (!app.waitFor(10, TimeUnit.SECONDS)) {
        app.destroyForcibly();
      }
    }
  }

  @Test
  void tenAllowedThenDeniedWithTheHeadersAndBody() throws Exception {
    for (int i = 1; i <= 10; i++) {
      HttpResponse<String> allowed = send("GET", "/api/hello", "X-Api-Key", "k1");
      assertThat(allowed.statusCode()).as("request %d", i).isEqualTo(200);
      assertThat(allowed.body()).isEqualTo("hello\n");
      assertThat(allowed.headers().firstValue("RateLimit-Policy"))
          .hasValue("\"default\";q=10;w=10");
    }
    HttpResponse<String> denied = send("GET", "/api/hello", "X-Api-Key", "k1");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("Retry-After")).isPresent();
    assertThat(denied.body()).startsWith("{\"allowed\":false,\"policy\":\"default\",\"limit\":10,");
  }

  @Test
  void aPremiumClientAnUnlimitedPathAMissingKeyAndTheAnnotation() throws Exception {
    assertThat(send("GET", "/api/hello", "X-Api-Key", "vip-key").headers().firstValue("RateLimit"))
        .hasValue("\"premium\";r=99;t=1");
    assertThat(send("GET", "/public/hello").headers().firstValue("RateLimit")).isEmpty();
    assertThat(send("GET", "/api/hello").statusCode()).isEqualTo(403);
    for (int i = 0; i < 3; i++) {
      assertThat(send("POST", "/api/reports/acme", "X-Api-Key", "k2").statusCode())
          .isEqualTo(200);
    }
    HttpResponse<String> denied = send("POST", "/api/reports/acme", "X-Api-Key", "k2");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.body()).startsWith("{\"allowed\":false,\"policy\":\"reports\",\"limit\":3,");
    assertThat(Files.exists(Path.of("README.md"))).isTrue();
  }

  private HttpResponse<String> send(String method, String path, String... headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}

package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.Poll;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runnable jar as its own process: it serves (with the admin token from the environment), and
 * on SIGTERM it refuses new work, finishes the request in flight and exits.
 */
class ShadedJarIT {

  @Test
  void servesThenStopsGracefullyOnSigterm(@TempDir Path dir) throws Exception {
    ServerProcess server =
        ServerProcess.start(dir, Map.of("SLUICE_ADMIN_TOKEN", "from-the-environment"));
    Process process = server.process();
    Path log = server.log();
    int port = server.port();
    try {
      TestHttp http = new TestHttp(port);
      assertThat(http.acquire("{\"key\": \"user123\"}").statusCode()).isEqualTo(200);
      assertThat(http.remaining("user123", "from-the-environment"))
          .as("admin token from SLUICE_ADMIN_TOKEN")
          .isEqualTo(9);

      String body = "{\"key\": \"in-flight\"}";
      try (Socket socket = new Socket("127.0.0.1", port)) {
        socket.setSoTimeout(15_000);
        OutputStream out = socket.getOutputStream();
        out.write(
            RawHttp.ascii(
                "POST /v1/acquire HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: "
                    + body.length()
                    + "\r\n\r\n"
                    + body.substring(0, 8)));
        out.flush();
        awaitPendingRequest(http);

        process.destroy(); // SIGTERM
        awaitLog(log, "stopping");
        var refused = http.acquire("{\"key\": \"too-late\"}");
        assertThat(refused.statusCode())
            .as("new requests are refused while draining")
            .isEqualTo(503);
        assertThat(refused.body()).contains("shutting down");
        Thread.sleep(200);
        assertThat(process.isAlive()).as("waits for the request in flight").isTrue();

        out.write(RawHttp.ascii(body.substring(8)));
        out.flush();
        RawHttp.Response response = RawHttp.read(socket.getInputStream());
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).contains("\"allowed\":true");
      }

      assertThat(process.waitFor(15, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
      assertThat(process.exitValue()).as("128 + SIGTERM").isEqualTo(143);
      assertThat(Files.readString(log))
          .contains("stopping: refusing new requests")
          .contains("stopped");
    } finally {
      process.destroyForcibly();
    }
  }

  /**
   * Waits until the server has the half-sent request under way, so that SIGTERM finds it in flight.
   */
  private static void awaitPendingRequest(TestHttp http) {
    Poll.until(
        Duration.ofSeconds(10),
        "the server to hold the request in flight",
        () ->
            http.get("/metrics")
                .body()
                .lines()
                .anyMatch(line -> line.equals("armeria_server_pending_responses 1.0")));
  }

  private static void awaitLog(Path log, String text) {
    Poll.until(
        Duration.ofSeconds(10),
        "log line '" + text + "'",
        () -> Files.readString(log).contains(text));
  }
}

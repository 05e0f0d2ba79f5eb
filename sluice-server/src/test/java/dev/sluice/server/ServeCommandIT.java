package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sluice serve --port 0} through the real command line, in this JVM. */
class ServeCommandIT {

  private static final Pattern LISTENING =
      Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

  @Test
  void servesOnAFreePortAndStopsWhenInterrupted(@TempDir Path dir) throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("sluice.yaml"), "policies: { default: { capacity: 3, refill: 1/h } }\n");
    StringWriter out = new StringWriter();
    AtomicInteger exit = new AtomicInteger(-1);
    Thread serving =
        new Thread(
            () -> {
              CommandLine cli = Main.commandLine();
              cli.setOut(new PrintWriter(out, true));
              exit.set(
                  cli.execute(
                      "serve", "--config", file.toString(), "--port", "0", "--host", "127.0.0.1"));
            },
            "serve-under-test");
    serving.start();
    try {
      int port = awaitPort(out);

      assertThat(out.toString())
          .contains("(" + file + ", reloaded when it changes)")
          .contains(
              "1 policy (default), 0 client overrides, store memory, port " + port + ", admin off")
          .contains(
              "try  curl -i http://127.0.0.1:"
                  + port
                  + "/v1/acquire -H 'Content-Type: application/json'"
                  + " -d '{\"key\": \"user123\"}'");
      TestHttp http = new TestHttp(port);
      assertThat(http.acquire("{\"key\": \"user123\"}").body())
          .contains("\"limit\":3", "\"remaining\":2");
    } finally {
      serving.interrupt();
      serving.join(Duration.ofSeconds(15).toMillis());
    }
    assertThat(serving.isAlive()).isFalse();
    assertThat(exit.get()).isZero();
  }

  private static int awaitPort(StringWriter out) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      String printed = out.toString();
      Matcher matcher = LISTENING.matcher(printed);
      if (matcher.find() && printed.contains("try  curl")) {
        return Integer.parseInt(matcher.group(1));
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the server did not say where it listens: " + out);
  }
}

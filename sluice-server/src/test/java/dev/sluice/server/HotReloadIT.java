package dev.sluice.server;

import static dev.sluice.server.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.Poll;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration file is reloaded when it changes; a bad version keeps the running one. */
class HotReloadIT {

  private static final String TOKEN = "reload-token";
  private static final Duration POLL = Duration.ofMillis(50);

  @Test
  void appliesNewPoliciesKeepsUnchangedBucketsAndSurvivesABadFile(@TempDir Path dir) {
    Path file = dir.resolve("sluice.yaml");
    SluiceServer server = TestServers.start(file, config(5, ""), POLL);
    try {
      TestHttp http = new TestHttp(server.port());
      http.acquire("{\"key\": \"kept\", \"cost\": 3}");
      assertThat(json(http.acquire("{\"key\": \"k\", \"policy\": \"free\"}")).get("limit").asLong())
          .isEqualTo(5);
      assertThat(http.acquire("{\"key\": \"u1\", \"policy\": \"free\", \"cost\": 5}").statusCode())
          .isEqualTo(200);

      TestServers.write(file, config(20, ""));
      await(
          () ->
              json(http.acquire("{\"key\": \"k2\", \"policy\": \"free\"}")).get("limit").asLong()
                  == 20);
      assertThat(http.remaining("kept", TOKEN))
          .as("default is unchanged, so its bucket is kept")
          .isEqualTo(7);
      HttpResponse<String> u1 = http.acquire("{\"key\": \"u1\", \"policy\": \"free\"}");
      assertThat(json(u1).get("remaining").asLong())
          .as(
              "5 spent of 5, capacity raised to 20: the usage carries over (14 left after this"
                  + " one)")
          .isEqualTo(14);
      await(() -> metric(http, "sluice_config_reloads_total{outcome=\"success\"}") == 1);

      TestServers.write(file, config(20, "  broken: { capacity: -1, refill: 1/s }\n"));
      await(() -> metric(http, "sluice_config_reloads_total{outcome=\"failure\"}") == 1);
      assertThat(
              json(http.acquire("{\"key\": \"k3\", \"policy\": \"free\"}")).get("limit").asLong())
          .as("the running configuration stays")
          .isEqualTo(20);
      assertThat(http.acquire("{\"key\": \"k3\", \"policy\": \"broken\"}").statusCode())
          .isEqualTo(400);

      TestServers.write(
          file,
          config(20, "  extra: { capacity: 3, refill: 1/s }\n")
              .replace("capacity: 10, refill: 1/h", "capacity: 12, refill: 1/h")
              .replace(
                  "store: { type: memory }",
                  "store: { type: redis, uri: \"redis://127.0.0.1:1\" }"));
      await(() -> http.acquire("{\"key\": \"k4\", \"policy\": \"extra\"}").statusCode() == 200);
      assertThat(http.remaining("kept", TOKEN))
          .as("default changed to 12: the 3 spent carry over")
          .isEqualTo(9);
      assertThat(server.config().store())
          .as("a store change waits for a restart")
          .isEqualTo(StoreConfig.MEMORY);
      assertThat(metric(http, "sluice_config_reloads_total{outcome=\"success\"}")).isEqualTo(2);
    } finally {
      server.close();
    }
  }

  private static String config(long freeCapacity, String extraPolicies) {
    return "policies:\n"
        + "  default: { capacity: 10, refill: 1/h }\n"
        + "  free: { capacity: "
        + freeCapacity
        + ", refill: 1/h }\n"
        + extraPolicies
        + "store: { type: memory }\n"
        + "admin: { token: "
        + TOKEN
        + " }\n";
  }

  private static double metric(TestHttp http, String series) {
    return http.get("/metrics")
        .body()
        .lines()
        .filter(line -> line.startsWith(series + " "))
        .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1)))
        .findFirst()
        .orElse(-1);
  }

  /** Waits up to 5 s for a condition that a reload makes true. */
  private static void await(Poll.Condition condition) {
    Poll.until(Duration.ofSeconds(5), "the server to apply the change", condition);
  }
}

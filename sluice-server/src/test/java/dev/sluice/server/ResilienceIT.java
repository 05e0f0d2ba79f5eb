package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.RedisExtension;
import dev.sluice.testkit.RedisNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's failure handling on a real Redis: a flood of one denied key is answered locally (and
 * counted as saved calls); with Redis paused the configured policy answers, says so in a header,
 * and the metrics show the fallbacks and the open circuit; once Redis resumes, it decides again.
 */
class ResilienceIT {

  @RegisterExtension static final RedisExtension<RedisNode> REDIS = RedisExtension.single();

  @Test
  void denyCacheFallbacksAndCircuitStateShowInHeadersAndMetrics(@TempDir Path dir)
      throws Exception {
    SluiceServer server =
        TestServers.start(
            dir.resolve("sluice.yaml"),
            """
            store: { type: redis, uri: "%s", timeout: 50ms, on-failure: deny, circuit-breaker: { failures: 3, open-after: 0s, backoff: 200ms, max-backoff: 400ms } }
            policies:
              default: { capacity: 5, refill: 1/h }
              open: { capacity: 5, refill: 1/h, on-failure: allow }
            """
                .formatted(REDIS.get().uri()),
            Duration.ofSeconds(1));
    try {
      TestHttp http = new TestHttp(server.port());
      for (int i = 0; i < 5; i++) {
        assertThat(http.acquire("{\"key\": \"flood\"}").statusCode()).isEqualTo(200);
      }
      HttpResponse<String> byRedis = http.acquire("{\"key\": \"flood\"}");
      assertThat(byRedis.statusCode()).isEqualTo(429);
      assertThat(byRedis.headers().firstValue(HttpApi.SOURCE_HEADER)).isEmpty();
      for (int i = 0; i < 50; i++) {
        HttpResponse<String> cached = http.acquire("{\"key\": \"flood\"}");
        assertThat(cached.statusCode()).isEqualTo(429);
        assertThat(cached.headers().firstValue(HttpApi.SOURCE_HEADER)).hasValue("deny-cache");
      }
      assertThat(metric(http, "sluice_deny_cache_saved_calls_total")).isEqualTo(50);

      REDIS.get().pause();
      try {
        for (int i = 0; i < 5; i++) {
          HttpResponse<String> denied = http.acquire("{\"key\": \"k" + i + "\"}");
          assertThat(denied.statusCode()).isEqualTo(429);
          assertThat(denied.headers().firstValue(HttpApi.SOURCE_HEADER).orElseThrow())
              .startsWith("fallback-");
          HttpResponse<String> allowed =
              http.acquire("{\"key\": \"k" + i + "\", \"policy\": \"open\"}");
          assertThat(allowed.statusCode()).as("the open policy fails open").isEqualTo(200);
        }
        assertThat(metric(http, "sluice_store_circuit_state")).as("open").isEqualTo(1);
        assertThat(
                metric(
                        http,
                        "sluice_decisions_unstored_total{policy=\"default\",source=\"fallback-timeout\"}")
                    + metric(
                        http,
                        "sluice_decisions_unstored_total{policy=\"open\",source=\"fallback-timeout\"}"))
            .as("three timeouts open the (store-wide) breaker")
            .isEqualTo(3);
        assertThat(
                metric(
                    http,
                    "sluice_decisions_unstored_total{policy=\"default\",source=\"fallback-circuit-open\"}"))
            .isGreaterThan(0);
        assertThat(http.get("/health/ready").statusCode())
            .as(
                "Redis is away but the failure policy answers: still ready, never the whole fleet"
                    + " out")
            .isEqualTo(200);
      } finally {
        REDIS.get().resume();
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      HttpResponse<String> back;
      do {
        Thread.sleep(50);
        back = http.acquire("{\"key\": \"after\"}");
      } while (back.headers().firstValue(HttpApi.SOURCE_HEADER).isPresent()
          && System.nanoTime() < deadline);
      assertThat(back.statusCode()).isEqualTo(200);
      assertThat(back.headers().firstValue(HttpApi.SOURCE_HEADER))
          .as("decided by Redis again")
          .isEmpty();
      assertThat(metric(http, "sluice_store_circuit_state")).as("closed").isEqualTo(0);
    } finally {
      server.close();
    }
  }

  private static double metric(TestHttp http, String name) {
    return http.get("/metrics")
        .body()
        .lines()
        .filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
        .filter(line -> line.startsWith(name + " ") || name.contains("{") || !line.contains("{"))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }
}

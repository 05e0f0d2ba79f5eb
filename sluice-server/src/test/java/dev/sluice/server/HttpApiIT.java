package dev.sluice.server;

import static dev.sluice.server.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP contract of DESIGN.md against a running server. */
class HttpApiIT {

  private static final String TOKEN = "test-admin-token";

  @TempDir static Path dir;

  private static SluiceServer server;
  private static TestHttp http;

  @BeforeAll
  static void start() {
    server =
        TestServers.start(
            dir.resolve("sluice.yaml"),
            """
            policies:
              default: { capacity: 10, refill: 1/s }
              tiny:    { capacity: 2, refill: 1/m }
              quick:   { capacity: 1, refill: 5/s }
              refunds: { capacity: 3, refill: 1/h }
              flight:  { algorithm: concurrency, limit: 1, lease: 1h, retry-hint: 200ms }
              tiered:
                limits:
                  - { capacity: 5, refill: 1/s }
                  - { algorithm: fixed-window, limit: 3, window: 1h }
            clients: { vip: tiny }
            admin: { token: %s }
            """
                .formatted(TOKEN),
            Duration.ofHours(1));
    http = new TestHttp(server.port());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void allowsWithTheBodyAndRateLimitHeaders() {
    HttpResponse<String> response = http.acquire("{\"key\": \"alice\"}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValue("application/json; charset=utf-8");
    assertThat(response.body())
        .isEqualTo(
            "{\"allowed\":true,\"policy\":\"default\",\"limit\":10,\"remaining\":9,\"retryAfterMs\":0,\"resetAfterMs\":1000}");
    assertThat(response.headers().firstValue("RateLimit-Policy")).hasValue("\"default\";q=10;w=10");
    assertThat(response.headers().firstValue("RateLimit")).hasValue("\"default\";r=9;t=1");
    assertThat(response.headers().firstValue("Retry-After")).isEmpty();
  }

  @Test
  void deniesWith429RetryAfterAndNoStore() {
    assertThat(http.acquire("{\"key\": \"bob\", \"policy\": \"tiny\", \"cost\": 2}").statusCode())
        .isEqualTo(200);

    HttpResponse<String> denied = http.acquire("{\"key\": \"bob\", \"policy\": \"tiny\"}");

    assertThat(denied.statusCode()).isEqualTo(429);
    JsonNode body = json(denied);
    assertThat(body.get("allowed").asBoolean()).isFalse();
    assertThat(body.get("policy").asText()).isEqualTo("tiny");
    assertThat(body.get("limit").asLong()).isEqualTo(2);
    assertThat(body.get("remaining").asLong()).isZero();
    assertThat(body.get("retryAfterMs").asLong()).isBetween(50_000L, 60_000L);
    assertThat(body.get("resetAfterMs").asLong()).isBetween(110_000L, 120_000L);
    long retrySeconds = (body.get("retryAfterMs").asLong() + 999) / 1000;
    assertThat(denied.headers().firstValue("Retry-After")).hasValue(Long.toString(retrySeconds));
    assertThat(denied.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(denied.headers().firstValue("RateLimit-Policy")).hasValue("\"tiny\";q=2;w=120");
    assertThat(denied.headers().firstValue("RateLimit")).hasValue("\"tiny\";r=0;t=" + retrySeconds);
  }

  @Test
  void anAcquireWithMaxWaitWaitsForItsTokenOrAnswersAtOnceWhenItWouldWaitInVain() {
    assertThat(http.acquire("{\"key\": \"w\", \"policy\": \"quick\"}").statusCode()).isEqualTo(200);
    long start = System.nanoTime();
    HttpResponse<String> waited =
        http.acquire("{\"key\": \"w\", \"policy\": \"quick\", \"maxWaitMs\": 5000}");
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(waited.statusCode()).as(waited.body()).isEqualTo(200);
    assertThat(elapsedMs).as("waited for the refill of 200 ms").isGreaterThanOrEqualTo(150);

    HttpResponse<String> inVain =
        http.acquire("{\"key\": \"w\", \"policy\": \"quick\", \"maxWaitMs\": 10}");
    assertThat(inVain.statusCode()).as("10 ms cannot bring a token back").isEqualTo(429);
    assertThat(json(inVain).get("retryAfterMs").asLong()).isGreaterThan(10);
  }

  @Test
  void aRefundGivesBackWhatARequestTookAndAnswersAsAPeek() {
    assertThat(http.acquire("{\"key\": \"r\", \"policy\": \"refunds\", \"cost\": 3}").statusCode())
        .isEqualTo(200);
    HttpResponse<String> refunded =
        http.post(
            "/v1/refund",
            "application/json",
            "{\"key\": \"r\", \"policy\": \"refunds\", \"cost\": 2}");
    assertThat(refunded.statusCode()).as(refunded.body()).isEqualTo(200);
    assertThat(json(refunded).get("remaining").asLong()).isEqualTo(2);
    assertThat(json(refunded).get("allowed").asBoolean()).isTrue();
    assertThat(refunded.headers().firstValue("Retry-After")).isEmpty();

    HttpResponse<String> tooMuch =
        http.post(
            "/v1/refund",
            "application/json",
            "{\"key\": \"r\", \"policy\": \"refunds\", \"cost\": 3}");
    assertThat(json(tooMuch).get("remaining").asLong()).as("never above capacity").isEqualTo(3);
    assertThat(http.acquire("{\"key\": \"r\", \"policy\": \"refunds\", \"cost\": 3}").statusCode())
        .isEqualTo(200);
  }

  @Test
  void aConcurrencyLimitAnswersWithAPermitThatAReleaseEnds() {
    HttpResponse<String> granted = http.acquire("{\"key\": \"c\", \"policy\": \"flight\"}");
    assertThat(granted.statusCode()).isEqualTo(200);
    String permit = json(granted).get("permit").asText();
    assertThat(permit).hasSize(22);
    HttpResponse<String> busy = http.acquire("{\"key\": \"c\", \"policy\": \"flight\"}");
    assertThat(busy.statusCode()).isEqualTo(429);
    assertThat(json(busy).has("permit")).isFalse();
    assertThat(json(busy).get("retryAfterMs").asLong()).as("the hint").isEqualTo(200);

    String release = "{\"key\": \"c\", \"policy\": \"flight\", \"permit\": \"" + permit + "\"}";
    HttpResponse<String> released = http.post("/v1/release", "application/json", release);
    assertThat(released.statusCode()).as(released.body()).isEqualTo(200);
    assertThat(json(released).get("remaining").asLong()).isEqualTo(1);
    HttpResponse<String> again = http.post("/v1/release", "application/json", release);
    assertThat(again.statusCode()).as("an ended permit is no error").isEqualTo(200);
    assertThat(http.acquire("{\"key\": \"c\", \"policy\": \"flight\"}").statusCode())
        .isEqualTo(200);
  }

  @Test
  void aClientOverrideDecidesWhateverTheRequestAsks() {
    HttpResponse<String> response = http.acquire("{\"key\": \"vip\", \"policy\": \"default\"}");
    assertThat(json(response).get("policy").asText()).isEqualTo("tiny");
    assertThat(json(response).get("limit").asLong()).isEqualTo(2);
  }

  @Test
  void aMultiLimitPolicyListsEveryLimitAndNamesTheBindingOne() {
    HttpResponse<String> response = http.acquire("{\"key\": \"carol\", \"policy\": \"tiered\"}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("RateLimit-Policy"))
        .hasValue("\"tiered/0\";q=5;w=5, \"tiered/1\";q=3;w=3600");
    assertThat(response.headers().firstValue("RateLimit").orElseThrow())
        .startsWith("\"tiered/1\";r=2;t=");
    assertThat(json(response).get("limit").asLong()).isEqualTo(3);
  }

  @Test
  void peekShowsTheStateWithoutConsumingAndResetForgetsIt() {
    http.acquire("{\"key\": \"dave\", \"cost\": 4}");

    HttpResponse<String> peek = http.peek("dave", TOKEN);
    assertThat(peek.statusCode()).isEqualTo(200);
    assertThat(json(peek).get("remaining").asLong()).isEqualTo(6);
    assertThat(json(peek).get("allowed").asBoolean()).isTrue();
    assertThat(peek.headers().firstValue("RateLimit-Policy")).hasValue("\"default\";q=10;w=10");
    assertThat(http.remaining("dave", TOKEN)).as("peek consumes nothing").isEqualTo(6);

    HttpResponse<String> reset = http.send("DELETE", "/v1/buckets/dave", TOKEN);
    assertThat(reset.statusCode()).isEqualTo(204);
    assertThat(http.remaining("dave", TOKEN)).isEqualTo(10);
  }

  @Test
  void peekAndResetTakeAPolicy() {
    http.acquire("{\"key\": \"erin\", \"policy\": \"tiny\"}");
    assertThat(http.remaining("erin", TOKEN)).as("default policy: untouched").isEqualTo(10);
    HttpResponse<String> peek = http.send("GET", "/v1/buckets/erin?policy=tiny", TOKEN);
    assertThat(json(peek).get("remaining").asLong()).isEqualTo(1);

    assertThat(http.send("DELETE", "/v1/buckets/erin?policy=tiny", TOKEN).statusCode())
        .isEqualTo(204);
    assertThat(
            json(http.send("GET", "/v1/buckets/erin?policy=tiny", TOKEN)).get("remaining").asLong())
        .isEqualTo(2);

    HttpResponse<String> unknown = http.send("GET", "/v1/buckets/erin?policy=gold", TOKEN);
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(json(unknown).get("field").asText()).isEqualTo("policy");
  }

  @Test
  void anyKeyRoundTripsThroughThePath() {
    for (String key :
        List.of(
            "a b", "user:42", "ünïcødé €", "a/b", "100%", "x?y#z", "{tag}", "a+b", "k;v", "日本語")) {
      assertThat(http.acquire("{\"key\": " + quote(key) + ", \"cost\": 3}").statusCode())
          .isEqualTo(200);
      assertThat(http.remaining(key, TOKEN)).as(key).isEqualTo(7);
      assertThat(http.send("DELETE", "/v1/buckets/" + TestHttp.encode(key), TOKEN).statusCode())
          .isEqualTo(204);
      assertThat(http.remaining(key, TOKEN)).as(key).isEqualTo(10);
    }
  }

  @Test
  void adminEndpointsNeedTheBearerToken() {
    HttpResponse<String> none = http.peek("frank", null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"sluice admin\"");
    assertThat(json(none).get("error").asText()).contains("Authorization: Bearer");

    assertThat(http.peek("frank", "wrong").statusCode()).isEqualTo(401);
    assertThat(http.peek("frank", TOKEN + "x").statusCode()).isEqualTo(401);
    assertThat(http.send("DELETE", "/v1/buckets/frank", "wrong").statusCode()).isEqualTo(401);
    assertThat(http.peek("frank", TOKEN).statusCode()).isEqualTo(200);
  }

  @Test
  void adminEndpointsAreOffWithoutAToken(@TempDir Path other) {
    SluiceServer plain = TestServers.start(other.resolve("sluice.yaml"), "", Duration.ofHours(1));
    try {
      TestHttp client = new TestHttp(plain.port());
      for (String method : List.of("GET", "DELETE")) {
        HttpResponse<String> response = client.send(method, "/v1/buckets/alice", "anything");
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(json(response).get("error").asText()).startsWith("admin endpoints are disabled");
        assertThat(json(response).get("field").isNull()).isTrue();
      }
      assertThat(client.acquire("{\"key\": \"alice\"}").statusCode()).isEqualTo(200);
    } finally {
      plain.close();
    }
  }

  @Test
  void metricsCountDecisionsPerPolicyWithoutClientKeys() {
    http.acquire("{\"key\": \"metric-key\", \"policy\": \"tiny\", \"cost\": 2}");
    http.acquire("{\"key\": \"metric-key\", \"policy\": \"tiny\"}");
    http.acquire("{\"key\": \"metric-key\", \"policy\": \"tiny\"}");

    HttpResponse<String> metrics = http.get("/metrics");

    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("text/plain; version=0.0.4");
    String text = metrics.body();
    assertThat(count(text, "sluice_decisions_total{outcome=\"denied\",policy=\"tiny\"}"))
        .isGreaterThanOrEqualTo(2);
    assertThat(count(text, "sluice_decisions_total{outcome=\"allowed\",policy=\"tiny\"}"))
        .isGreaterThanOrEqualTo(1);
    assertThat(text).contains("sluice_decisions_total{outcome=\"error\",policy=\"tiny\"} 0.0");
    assertThat(text).contains("sluice_store_latency_seconds_bucket{operation=\"acquire\"");
    assertThat(text).contains("sluice_store_errors_total{operation=\"acquire\"} 0.0");
    assertThat(text).contains("sluice_config_reloads_total{outcome=\"success\"} 0.0");
    assertThat(text).contains("jvm_memory_used_bytes", "jvm_gc_", "jvm_threads_live_threads");
    assertThat(text).doesNotContain("metric-key");
  }

  @Test
  void healthEndpoints() {
    HttpResponse<String> live = http.get("/health/live");
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.body()).isEqualTo("{\"status\":\"live\"}");
    HttpResponse<String> ready = http.get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEqualTo("{\"status\":\"ready\"}");
  }

  private static double count(String metrics, String series) {
    return metrics
        .lines()
        .filter(line -> line.startsWith(series + " "))
        .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + series + " in\n" + metrics));
  }

  private static String quote(String key) {
    try {
      return JsonResponses.JSON.writeValueAsString(key);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

package dev.sluice.server;

import static dev.sluice.server.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of bad input gets its 4xx and a JSON error, the server stays up and the bucket is
 * untouched.
 */
class BadInputIT {

  private static final String TOKEN = "bad-input-token";

  @Test
  void everyBadRequestIsRefusedAndChangesNothing(@TempDir Path dir) throws Exception {
    SluiceServer server =
        TestServers.start(
            dir.resolve("sluice.yaml"),
            "policies: { default: { capacity: 10, refill: 1/h } }\nadmin: { token: "
                + TOKEN
                + " }\n",
            Duration.ofHours(1));
    try {
      TestHttp http = new TestHttp(server.port());
      SoftAssertions soft = new SoftAssertions();
      String longKey = "€".repeat(171);

      Object[][] cases = {
        // body, expected status, expected field (null: none)
        {"{\"key\": \"victim\"", 400, null},
        {"not json", 400, null},
        {"", 400, null},
        {"[\"victim\"]", 400, null},
        {"\"victim\"", 400, null},
        {"{\"key\": \"victim\"} {}", 400, null},
        {"{\"key\": \"victim\", \"key\": \"other\"}", 400, null},
        {"{}", 400, "key"},
        {"{\"key\": null}", 400, "key"},
        {"{\"key\": \"\"}", 400, "key"},
        {"{\"key\": 42}", 400, "key"},
        {"{\"key\": [\"victim\"]}", 400, "key"},
        {"{\"key\": \"" + longKey + "\"}", 400, "key"},
        {"{\"key\": \"victim\", \"cost\": 0}", 400, "cost"},
        {"{\"key\": \"victim\", \"cost\": -1}", 400, "cost"},
        {"{\"key\": \"victim\", \"cost\": 1.5}", 400, "cost"},
        {"{\"key\": \"victim\", \"cost\": 1.0}", 400, "cost"},
        {"{\"key\": \"victim\", \"cost\": \"1\"}", 400, "cost"},
        {"{\"key\": \"victim\", \"cost\": true}", 400, "cost"},
        {"{\"key\": \"victim\", \"cost\": 11}", 400, "cost"},
        {"{\"key\": \"victim\", \"cost\": 99999999999999999999999}", 400, "cost"},
        {"{\"key\": \"victim\", \"policy\": \"gold\"}", 400, "policy"},
        {"{\"key\": \"victim\", \"policy\": \"\"}", 400, "policy"},
        {"{\"key\": \"victim\", \"policy\": 7}", 400, "policy"},
        {"{\"key\": \"victim\", \"weight\": 1}", 400, "weight"},
        {"{\"key\": \"victim\", \"maxWaitMs\": 10001}", 400, "maxWaitMs"},
        {"{\"key\": \"victim\", \"maxWaitMs\": -1}", 400, "maxWaitMs"},
        {"{\"key\": \"victim\", \"maxWaitMs\": 1.5}", 400, "maxWaitMs"},
        {"{\"key\": \"victim\", \"maxWaitMs\": \"10\"}", 400, "maxWaitMs"},
      };
      for (Object[] c : cases) {
        HttpResponse<String> response = http.acquire((String) c[0]);
        expectError(soft, "POST " + c[0], response, (Integer) c[1], (String) c[2]);
      }

      HttpResponse<String> overWait = http.acquire("{\"key\": \"victim\", \"maxWaitMs\": 20000}");
      soft.assertThat(json(overWait).path("error").asText())
          .isEqualTo("maxWaitMs must be at most 10000 (server.max-wait 10s): 20000");
      Object[][] refunds = {
        {"{}", 400, "key"},
        {"{\"key\": \"victim\", \"cost\": 0}", 400, "cost"},
        {"{\"key\": \"victim\", \"maxWaitMs\": 10}", 400, "maxWaitMs"},
        {"{\"key\": \"victim\", \"policy\": \"gold\"}", 400, "policy"},
      };
      Object[][] releases = {
        {"{\"key\": \"victim\"}", 400, "permit"},
        {"{\"key\": \"victim\", \"permit\": 7}", 400, "permit"},
        {"{\"key\": \"victim\", \"permit\": \"\"}", 400, "permit"},
        {"{\"key\": \"victim\", \"permit\": \"p\", \"cost\": 1}", 400, "cost"},
        {"{\"permit\": \"p\"}", 400, "key"},
      };
      for (Object[] c : releases) {
        HttpResponse<String> response = http.post("/v1/release", "application/json", (String) c[0]);
        expectError(soft, "POST release " + c[0], response, (Integer) c[1], (String) c[2]);
      }
      for (Object[] c : refunds) {
        HttpResponse<String> response = http.post("/v1/refund", "application/json", (String) c[0]);
        expectError(soft, "POST refund " + c[0], response, (Integer) c[1], (String) c[2]);
      }
      expectError(
          soft,
          "text/plain",
          http.post("/v1/acquire", "text/plain", "{\"key\": \"victim\"}"),
          415,
          null);
      expectError(
          soft,
          "no content type",
          http.post("/v1/acquire", null, "{\"key\": \"victim\"}"),
          415,
          null);
      String big = "{\"key\": \"victim\", \"pad\": \"" + "x".repeat(HttpApi.MAX_BODY_BYTES) + "\"}";
      expectError(soft, "65 KiB body", http.acquire(big), 413, null);
      RawHttp.Response chunked = chunked(server.port(), big);
      expectError(soft, "65 KiB chunked body", chunked.status(), chunked.body(), 413, null);
      expectError(soft, "unknown path", http.get("/v2/acquire"), 404, null);
      expectError(
          soft,
          "unknown path",
          http.post("/v1/acquire/victim", "application/json", "{}"),
          404,
          null);
      expectError(soft, "GET acquire", http.get("/v1/acquire"), 405, null);
      expectError(soft, "PUT bucket", http.send("PUT", "/v1/buckets/victim", TOKEN), 405, null);
      expectError(soft, "POST metrics", http.post("/metrics", "application/json", "{}"), 405, null);
      expectError(soft, "long key in path", http.peek(longKey, TOKEN), 400, "key");
      soft.assertAll();

      assertThat(http.remaining("victim", TOKEN)).as("nothing consumed").isEqualTo(10);
      assertThat(http.get("/metrics").body())
          .doesNotContain("sluice_decisions_total{outcome=\"allowed\"");
      HttpResponse<String> good = http.acquire("{\"key\": \"victim\"}");
      assertThat(good.statusCode()).as("still serving").isEqualTo(200);
      assertThat(json(good).get("remaining").asLong()).isEqualTo(9);
    } finally {
      server.close();
    }
  }

  private static void expectError(
      SoftAssertions soft, String what, HttpResponse<String> response, int status, String field) {
    expectError(soft, what, response.statusCode(), response.body(), status, field);
  }

  private static void expectError(
      SoftAssertions soft, String what, int actual, String body, int status, String field) {
    soft.assertThat(actual).as(what + ": " + body).isEqualTo(status);
    JsonNode json;
    try {
      json = JsonResponses.JSON.readTree(body);
    } catch (IOException e) {
      soft.fail(what + ": not JSON: " + body);
      return;
    }
    soft.assertThat(json.path("error").asText()).as(what + ": error").isNotBlank();
    soft.assertThat(json.has("field")).as(what + ": has field").isTrue();
    soft.assertThat(json.path("field").isNull() ? null : json.path("field").asText())
        .as(what + ": field")
        .isEqualTo(field);
  }

  /**
   * Sends a body without Content-Length (chunked), which the server can only measure as it reads.
   */
  private static RawHttp.Response chunked(int port, String body) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          RawHttp.ascii(
              "POST /v1/acquire HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  + "Transfer-Encoding: chunked\r\n\r\n"));
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      try {
        for (int i = 0; i < bytes.length; i += 8192) {
          int n = Math.min(8192, bytes.length - i);
          out.write(RawHttp.ascii(Integer.toHexString(n) + "\r\n"));
          out.write(bytes, i, n);
          out.write(RawHttp.ascii("\r\n"));
        }
        out.write(RawHttp.ascii("0\r\n\r\n"));
        out.flush();
      } catch (IOException closedEarly) {
        // The server may answer and close before the whole body is sent.
      }
      return RawHttp.read(socket.getInputStream());
    }
  }
}

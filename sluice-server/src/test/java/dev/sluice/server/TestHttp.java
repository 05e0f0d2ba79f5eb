package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A small HTTP/1.1 client for one server on 127.0.0.1. */
final class TestHttp {

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final int port;

  TestHttp(int port) {
    this.port = port;
  }

  /** POST /v1/acquire with a JSON body. */
  HttpResponse<String> acquire(String json) {
    return post("/v1/acquire", "application/json", json);
  }

  HttpResponse<String> post(String path, String contentType, String body) {
    HttpRequest.Builder request = request(path).POST(HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    return send(request.build());
  }

  HttpResponse<String> get(String path) {
    return send(request(path).GET().build());
  }

  HttpResponse<String> send(String method, String path, String token) {
    HttpRequest.Builder request = request(path).method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return send(request.build());
  }

  /** GET /v1/buckets/{key} with the key percent-encoded. */
  HttpResponse<String> peek(String key, String token) {
    return send("GET", "/v1/buckets/" + encode(key), token);
  }

  /** The remaining of a key, by peek; fails unless the peek succeeds. */
  long remaining(String key, String token) {
    HttpResponse<String> response = peek(key, token);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json(response).get("remaining").asLong();
  }

  static String encode(String key) {
    return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static JsonNode json(HttpResponse<String> response) {
    try {
      return JsonResponses.JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10));
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

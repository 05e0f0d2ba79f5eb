package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.client.grpc.protocol.UnaryGrpcClient;
import com.linecorp.armeria.common.grpc.protocol.ArmeriaStatusException;
import dev.sluice.envoy.proto.descriptor.RateLimitDescriptor;
import dev.sluice.envoy.proto.rls.RateLimitRequest;
import dev.sluice.envoy.proto.rls.RateLimitResponse;
import dev.sluice.envoy.proto.rls.RateLimitResponse.Code;
import dev.sluice.envoy.proto.rls.RateLimitServiceGrpc;
import dev.sluice.testkit.Poll;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice serve --rls-config DIR --grpc-port 0} as its own process, asked over 127.0.0.1 by a
 * gRPC client generated from the project's protos, by {@code POST /json}, and by the standard
 * health service; its ConfigMap-like directory is swapped under it.
 */
class RlsServeIT {

  private static final String V1 =
      """
      domain: shop
      descriptors:
        - key: api_key
          rate_limit: { name: per_key, unit: hour, requests_per_unit: 2 }
      """;

  private static RateLimitRequest request(String domain, String key, String value) {
    return RateLimitRequest.newBuilder()
        .setDomain(domain)
        .addDescriptors(
            RateLimitDescriptor.newBuilder()
                .addEntries(RateLimitDescriptor.Entry.newBuilder().setKey(key).setValue(value)))
        .build();
  }

  /** A Kubernetes ConfigMap mount: files are links into ..data, itself a link to a dated folder. */
  private static Path configMap(Path dir, String version, String yaml) throws IOException {
    Path dated = Files.createDirectories(dir.resolve("..2026_" + version));
    Files.writeString(dated.resolve("shop.yaml"), yaml);
    Path data = dir.resolve("..data");
    Path next = dir.resolve("..data_tmp");
    Files.deleteIfExists(next);
    Files.createSymbolicLink(next, dated.getFileName());
    Files.move(
        next,
        data,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Path link = dir.resolve("shop.yaml");
    if (!Files.isSymbolicLink(link)) {
      Files.createSymbolicLink(link, Path.of("..data", "shop.yaml"));
    }
    return dir;
  }

  @Test
  void answersEnvoysProtocolOverGrpcAndJsonAndReloadsKeepingUsage(@TempDir Path dir)
      throws Exception {
    Path rls = configMap(Files.createDirectories(dir.resolve("rls")), "01", V1);
    try (ServerProcess sluice =
        ServerProcess.start(dir, Map.of(), "--rls-config", rls.toString(), "--grpc-port", "0")) {
      assertThat(sluice.grpcPort()).isPositive().isNotEqualTo(sluice.port());
      String uri = "http://127.0.0.1:" + sluice.grpcPort();
      RateLimitServiceGrpc.RateLimitServiceBlockingStub client =
          GrpcClients.builder(uri).build(RateLimitServiceGrpc.RateLimitServiceBlockingStub.class);
      HealthGrpc.HealthBlockingStub health =
          GrpcClients.builder(uri).build(HealthGrpc.HealthBlockingStub.class);
      assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
          .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

      RateLimitResponse first = client.shouldRateLimit(request("shop", "api_key", "k1"));
      assertThat(first.getOverallCode()).isEqualTo(Code.OK);
      assertThat(first.getStatuses(0).getLimitRemaining()).isEqualTo(1);
      assertThat(first.getStatuses(0).getCurrentLimit().getName()).isEqualTo("per_key");
      assertThat(first.getStatuses(0).getDurationUntilReset().getSeconds()).isBetween(1L, 3600L);

      TestHttp http = new TestHttp(sluice.port());
      String json =
          "{\"domain\":\"shop\",\"descriptors\":[{\"entries\":[{\"key\":\"api_key\",\"value\":\"k1\"}]}]}";
      HttpResponse<String> second = http.post("/json", "application/json", json);
      assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
      assertThat(second.body()).contains("\"overallCode\": \"OK\"", "\"requestsPerUnit\": 2");
      HttpResponse<String> third = http.post("/json", "application/json", json);
      assertThat(third.statusCode()).as("gRPC and /json share the counter").isEqualTo(429);
      assertThat(third.body())
          .contains("\"overallCode\": \"OVER_LIMIT\"")
          .containsPattern("\"durationUntilReset\": \"[0-9]+s\"");
      assertThat(client.shouldRateLimit(request("shop", "api_key", "k1")).getOverallCode())
          .isEqualTo(Code.OVER_LIMIT);
      assertThat(client.shouldRateLimit(request("elsewhere", "api_key", "k1")).getOverallCode())
          .as("an unknown domain")
          .isEqualTo(Code.OK);
      assertThatThrownBy(() -> client.shouldRateLimit(request("", "api_key", "k1")))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN));
      UnaryGrpcClient raw =
          new UnaryGrpcClient(WebClient.of("h2c://127.0.0.1:" + sluice.grpcPort()));
      assertThatThrownBy(() -> raw.execute(RlsGrpc.PATH, new byte[] {0x0a, 0x05, 'x'}).join())
          .as("a message that is not a RateLimitRequest, as grpc-java and grpc-go answer it")
          .cause()
          .isInstanceOfSatisfying(
              ArmeriaStatusException.class,
              e -> assertThat(e.getCode()).isEqualTo(Status.Code.INTERNAL.value()));
      assertThat(http.post("/json", "application/json", "{\"domain\": 3").statusCode())
          .isEqualTo(400);
      Poll.until(
          Duration.ofSeconds(20),
          "GET /healthcheck to answer 200 once warmed up",
          () -> http.get("/healthcheck").statusCode() == 200);

      String scrape = http.get("/metrics").body();
      assertThat(scrape)
          .as("envoyproxy/ratelimit's names, without Micrometer's _total")
          .containsPattern(
              "(?m)^ratelimit_service_rate_limit_total_hits\\{domain=\"shop\",key1=\"api_key\",.*\\}"
                  + " 4\\.0$")
          .containsPattern(
              "(?m)^ratelimit_service_rate_limit_over_limit\\{domain=\"shop\",key1=\"api_key\",.*\\}"
                  + " 2\\.0$")
          .containsPattern(
              "(?m)^ratelimit_service_rate_limit_within_limit\\{domain=\"shop\",key1=\"api_key\",.*\\}"
                  + " 2\\.0$");
      assertThat(scrape)
          .as("Sluice's own near-limit series, in decisions")
          .contains("sluice_rls_near_limit_total{domain=\"shop\"} 1.0");

      // A ConfigMap update: the dated folder and ..data swap; the limit grows, the usage stays.
      configMap(rls, "02", V1.replace("requests_per_unit: 2", "requests_per_unit: 3"));
      Poll.until(
          Duration.ofSeconds(20),
          "the reload to apply",
          () ->
              client
                      .shouldRateLimit(request("shop", "api_key", "other"))
                      .getStatuses(0)
                      .getCurrentLimit()
                      .getRequestsPerUnit()
                  == 3);
      RateLimitResponse after = client.shouldRateLimit(request("shop", "api_key", "k1"));
      assertThat(after.getOverallCode()).isEqualTo(Code.OK);
      assertThat(after.getStatuses(0).getLimitRemaining()).as("2 of 3 were used before").isZero();
    }
  }

  @Test
  void reloadsASingleFileKeepingUsage(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("rls.yaml"), V1);
    try (ServerProcess sluice =
        ServerProcess.start(dir, Map.of(), "--rls-config", file.toString(), "--grpc-port", "0")) {
      RateLimitServiceGrpc.RateLimitServiceBlockingStub client =
          GrpcClients.builder("http://127.0.0.1:" + sluice.grpcPort())
              .build(RateLimitServiceGrpc.RateLimitServiceBlockingStub.class);
      assertThat(
              client
                  .shouldRateLimit(request("shop", "api_key", "k"))
                  .getStatuses(0)
                  .getLimitRemaining())
          .isEqualTo(1);
      Files.writeString(file, V1.replace("requests_per_unit: 2", "requests_per_unit: 5"));
      Poll.until(
          Duration.ofSeconds(20),
          "the reload to apply",
          () ->
              client
                      .shouldRateLimit(request("shop", "api_key", "probe"))
                      .getStatuses(0)
                      .getCurrentLimit()
                      .getRequestsPerUnit()
                  == 5);
      assertThat(
              client
                  .shouldRateLimit(request("shop", "api_key", "k"))
                  .getStatuses(0)
                  .getLimitRemaining())
          .as("one of five used before the reload, one now")
          .isEqualTo(3);
      Files.writeString(
          file, "domain: shop\ndescriptors:\n  - key: api_key\n    quota_mode: true\n");
      Thread.sleep(3_000);
      assertThat(
              client
                  .shouldRateLimit(request("shop", "api_key", "k"))
                  .getStatuses(0)
                  .getCurrentLimit()
                  .getRequestsPerUnit())
          .as("a bad version is refused; the running one stays")
          .isEqualTo(5);
      assertThat(Files.readString(sluice.log())).contains("quota_mode is not supported by Sluice");
    }
  }
}

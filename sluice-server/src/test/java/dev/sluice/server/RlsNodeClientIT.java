package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An independent client of the rate limit service: Node's {@code @grpc/grpc-js} with {@code
 * @grpc/proto-loader}, loading the project's {@code .proto} files at run time (src/test/node/
 * rls-client, its versions pinned by its package-lock.json), against a real {@code sluice serve}
 * over 127.0.0.1. Needs {@code node} and {@code npm} on the PATH; installs the packages with
 * {@code npm ci} when they are missing.
 */
class RlsNodeClientIT {

  private static final Path CLIENT = Path.of("src", "test", "node", "rls-client");

  @BeforeAll
  static void installTheClient() throws Exception {
    if (!Files.isDirectory(CLIENT.resolve("node_modules"))) {
      assertThat(run(CLIENT, List.of("npm", "ci", "--no-audit", "--no-fund")).exit)
          .as("npm ci in " + CLIENT)
          .isZero();
    }
  }

  private record Result(int exit, String out) {}

  private static Result run(Path dir, List<String> command)
      throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    byte[] out = process.getInputStream().readAllBytes();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  private static JsonNode ask(int port, String request) throws Exception {
    Result result = run(CLIENT, List.of("node", "client.js", Integer.toString(port), request));
    assertThat(result.exit).as(result.out).isZero();
    return JsonResponses.JSON.readTree(result.out);
  }

  @Test
  void nodesGrpcClientGetsEnvoysAnswers(@TempDir Path dir) throws Exception {
    Path rls =
        Files.writeString(
            dir.resolve("rls.yaml"),
            """
            domain: shop
            descriptors:
              - key: api_key
                rate_limit: { name: per_key, unit: minute, requests_per_unit: 1 }
              - key: free
                rate_limit: { unlimited: true }
            """);
    try (ServerProcess sluice =
        ServerProcess.start(dir, Map.of(), "--rls-config", rls.toString(), "--grpc-port", "0")) {
      String request =
          "{\"domain\":\"shop\",\"descriptors\":[{\"entries\":[{\"key\":\"api_key\",\"value\":\"a\"}]},"
              + "{\"entries\":[{\"key\":\"free\",\"value\":\"x\"}]}]}";
      JsonNode first = ask(sluice.grpcPort(), request);
      assertThat(first.get("overall_code").asText()).isEqualTo("OK");
      JsonNode limited = first.get("statuses").get(0);
      assertThat(limited.get("current_limit").get("name").asText()).isEqualTo("per_key");
      assertThat(limited.get("current_limit").get("unit").asText()).isEqualTo("MINUTE");
      assertThat(limited.get("limit_remaining").asLong()).isZero();
      assertThat(first.get("statuses").get(1).get("limit_remaining").asLong())
          .isEqualTo(4294967295L);

      JsonNode second = ask(sluice.grpcPort(), request);
      assertThat(second.get("overall_code").asText()).isEqualTo("OVER_LIMIT");
      assertThat(second.get("statuses").get(0).get("code").asText()).isEqualTo("OVER_LIMIT");
      assertThat(second.get("statuses").get(0).get("duration_until_reset").get("seconds").asLong())
          .isBetween(1L, 60L);

      JsonNode empty = ask(sluice.grpcPort(), "{\"domain\":\"shop\",\"descriptors\":[]}");
      assertThat(empty.get("error").asText()).isEqualTo("UNKNOWN");
    }
  }
}

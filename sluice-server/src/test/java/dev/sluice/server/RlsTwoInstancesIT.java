package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.grpc.GrpcClients;
import dev.sluice.envoy.proto.descriptor.RateLimitDescriptor;
import dev.sluice.envoy.proto.rls.RateLimitRequest;
import dev.sluice.envoy.proto.rls.RateLimitResponse.Code;
import dev.sluice.envoy.proto.rls.RateLimitServiceGrpc;
import dev.sluice.testkit.RedisExtension;
import dev.sluice.testkit.RedisNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code sluice serve} processes on one real Redis (started by the testkit on a free port),
 * answering Envoy's rate limit service for one hot descriptor from 16 concurrent gRPC clients
 * spread over both: exactly the limit passes, as with {@code /v1/acquire}.
 */
class RlsTwoInstancesIT {

  @RegisterExtension static final RedisExtension<RedisNode> REDIS = RedisExtension.single();

  @Test
  void aHotDescriptorThroughTwoInstancesPassesExactlyTheLimit(@TempDir Path dir) throws Exception {
    Path config =
        Files.writeString(
            dir.resolve("sluice.yaml"),
            """
            store: { type: redis, uri: "%s", timeout: 2s }
            rls: { config: rls.yaml }
            server: { grpc-port: 0 }
            """
                .formatted(REDIS.get().uri()));
    Files.writeString(
        dir.resolve("rls.yaml"),
        """
        domain: edge
        descriptors:
          - key: remote_address
            value: 10.0.0.1
            rate_limit: { unit: year, requests_per_unit: 300 }
        """);
    List<ServerProcess> servers = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        servers.add(ServerProcess.start(dir, Map.of(), "--config", config.toString()));
      }
      RateLimitRequest hot =
          RateLimitRequest.newBuilder()
              .setDomain("edge")
              .addDescriptors(
                  RateLimitDescriptor.newBuilder()
                      .addEntries(
                          RateLimitDescriptor.Entry.newBuilder()
                              .setKey("remote_address")
                              .setValue("10.0.0.1")))
              .build();
      AtomicLong ok = new AtomicLong();
      AtomicLong over = new AtomicLong();
      List<Thread> clients = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        ServerProcess server = servers.get(t % 2);
        assertThat(server.grpcPort()).isPositive();
        RateLimitServiceGrpc.RateLimitServiceBlockingStub client =
            GrpcClients.builder("http://127.0.0.1:" + server.grpcPort())
                .build(RateLimitServiceGrpc.RateLimitServiceBlockingStub.class);
        Thread thread =
            new Thread(
                () -> {
                  for (int i = 0; i < 40; i++) {
                    Code code = client.shouldRateLimit(hot).getOverallCode();
                    (code == Code.OK ? ok : over).incrementAndGet();
                  }
                });
        clients.add(thread);
        thread.start();
      }
      for (Thread thread : clients) {
        thread.join();
      }
      assertThat(ok.get() + over.get()).isEqualTo(640);
      assertThat(ok.get()).as("exactly the limit, across both instances").isEqualTo(300);
    } finally {
      for (ServerProcess server : servers) {
        server.close();
      }
    }
  }
}

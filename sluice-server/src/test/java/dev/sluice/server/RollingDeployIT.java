package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.RedisExtension;
import dev.sluice.testkit.RedisNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling deploy: two instances on one real Redis run two versions of the same policy, one with
 * capacity 100 and one with 200 (refill 1/h, so nothing comes back during the test). Clients spread
 * over both share one state per key, so the fleet admits at most the larger capacity, 200, not the
 * 300 that two separate states (keys derived from the parameters) would let through.
 */
class RollingDeployIT {

  @RegisterExtension static final RedisExtension<RedisNode> REDIS = RedisExtension.single();

  @TempDir Path dir;

  @Test
  void twoVersionsOfAPolicyAdmitAtMostTheLargerLimit() throws Exception {
    List<SluiceServer> servers = new ArrayList<>();
    try {
      for (int capacity : new int[] {100, 200}) {
        servers.add(
            TestServers.start(
                dir.resolve("v" + capacity + ".yaml"),
                """
                store: { type: redis, uri: "%s", timeout: 2s }
                policies:
                  default: { capacity: %d, refill: 1/h }
                """
                    .formatted(REDIS.get().uri(), capacity),
                Duration.ofHours(1)));
      }
      AtomicLong admitted = new AtomicLong();
      List<Thread> clients = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        TestHttp http = new TestHttp(servers.get(t % 2).port());
        Thread client =
            new Thread(
                () -> {
                  for (int i = 0; i < 100; i++) {
                    if (http.acquire("{\"key\": \"rolling\"}").statusCode() == 200) {
                      admitted.incrementAndGet();
                    }
                  }
                });
        clients.add(client);
        client.start();
      }
      for (Thread client : clients) {
        client.join();
      }
      assertThat(admitted.get())
          .as("800 requests over both versions: the larger capacity, and not one more")
          .isEqualTo(200);
      assertThat(
              TestHttp.json(new TestHttp(servers.get(0).port()).acquire("{\"key\": \"rolling\"}"))
                  .get("remaining")
                  .asLong())
          .as("the version of capacity 100 sees the 200 spent")
          .isZero();
    } finally {
      for (SluiceServer server : servers) {
        server.close();
      }
    }
  }
}

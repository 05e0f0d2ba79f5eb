package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.RedisExtension;
import dev.sluice.testkit.RedisNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's picture with real processes: two {@code sluice serve} instances on one real Redis,
 * clients spread over both. One hot key at capacity 100, refill 100/s, hammered for 5 s: the 200s
 * stay within capacity + rate x elapsed and reach at least 98% of it. A premium client gets its
 * larger limit through both instances.
 */
class TwoInstancesIT {

  @RegisterExtension
  static final RedisExtension<RedisNode> REDIS = RedisExtension.single();

  @TempDir
  static Path dir;

  private static final List<ServerProcess> SERVERS = new ArrayList<>();

  @BeforeAll
  static void startTwoInstances() throws Exception {
    Path config = dir.resolve("sluice.yaml");
    // A generous deadline: this test is about accuracy, and two servers, Redis and 32 clients share 2 cores.
    Files.writeString(config, """
        store: { type: redis, uri: "%s", timeout: 2s }
        policies:
          default: { capacity: 100, refill: 100/s }
          free: { capacity: 5, refill: 1/h }
          premium: { capacity: 20, refill: 1/h }
        clients: { vip: premium }
        """.formatted(REDIS.get().uri()));
    for (int i = 0; i < 2; i++) {
      SERVERS.add(ServerProcess.start(dir, Map.of(), "--config", config.toString()));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (ServerProcess server : SERVERS) {
      server.close();
    }
  }

  @Test
  void oneHotKeyThroughBothInstancesHoldsTheLimit() throws Exception {
    List<TestHttp> instances = SERVERS.stream().map(server -> new TestHttp(server.port())).toList();
    for (int i = 0; i < 200; i++) {
      instances.get(i % 2).acquire("{\"key\": \"warm-up-" + i + "\"}");
    }
    int threads = 32;
    long millis = 5_000;
    AtomicLong ok = new AtomicLong();
    AtomicLong other = new AtomicLong();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> clients = new ArrayList<>();
    long[] deadline = new long[1];
    for (int t = 0; t < threads; t++) {
      TestHttp http = new TestHttp(SERVERS.get(t % 2).port());
      Thread client = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        while (System.nanoTime() < deadline[0]) {
          int status = http.acquire("{\"key\": \"hot\"}").statusCode();
          if (status == 200) {
            ok.incrementAndGet();
          } else if (status != 429) {
            other.incrementAndGet();
          }
        }
      });
      clients.add(client);
      client.start();
    }
    long begin = System.nanoTime();
    deadline[0] = begin + millis * 1_000_000;
    start.countDown();
    for (Thread client : clients) {
      client.join();
    }
    double elapsed = (System.nanoTime() - begin) / 1e9;
    double bound = 100 + 100 * elapsed;
    double floor = 100 + 100 * millis / 1e3;
    System.out.printf("two instances: %d allowed, bound %.1f (%.2f%% of %.1f)%n", ok.get(), bound, 100 * ok.get() / floor, floor);
    assertThat(other.get()).as("answers other than 200 and 429").isZero();
    assertThat((double) ok.get()).isLessThanOrEqualTo(bound).isGreaterThanOrEqualTo(0.98 * floor);
  }

  @Test
  void aPremiumClientGetsItsLargerLimitThroughBothInstances() {
    List<TestHttp> instances = SERVERS.stream().map(server -> new TestHttp(server.port())).toList();
    int vip = 0;
    int regular = 0;
    for (int i = 0; i < 30; i++) {
      TestHttp http = instances.get(i % 2);
      vip += http.acquire("{\"key\": \"vip\", \"policy\": \"free\"}").statusCode() == 200 ? 1 : 0;
      regular += http.acquire("{\"key\": \"someone\", \"policy\": \"free\"}").statusCode() == 200 ? 1 : 0;
    }
    assertThat(vip).as("premium: capacity 20 across both instances").isEqualTo(20);
    assertThat(regular).as("free: capacity 5 across both instances").isEqualTo(5);
  }
}

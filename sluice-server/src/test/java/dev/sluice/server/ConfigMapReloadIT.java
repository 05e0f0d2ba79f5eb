package dev.sluice.server;

import static dev.sluice.server.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A configuration file mounted as Kubernetes mounts a ConfigMap: {@code sluice.yaml} is a symlink
 * to {@code ..data/sluice.yaml}, {@code ..data} a symlink to a timestamped folder, and an update
 * writes a new folder, swaps {@code ..data} by an atomic rename and deletes the old folder (as the
 * kubelet's AtomicWriter does). The server, started with {@code --config} on the symlinked file,
 * follows every swap and keeps answering meanwhile.
 */
class ConfigMapReloadIT {

  private static final Duration POLL = Duration.ofMillis(50);

  @Test
  void followsEachSwapOfTheDataSymlinkAndKeepsServing(@TempDir Path mount) throws Exception {
    ConfigMapVolume volume = new ConfigMapVolume(mount);
    volume.publish(config(10));
    Path file = mount.resolve("sluice.yaml");
    assertThat(file).isSymbolicLink();
    assertThat(file.toRealPath()).isEqualTo(mount.resolve("..v1/sluice.yaml").toRealPath());

    SluiceServer server =
        SluiceServer.start(file, config -> config.withPort(0).withHost("127.0.0.1"), POLL);
    TestHttp http = new TestHttp(server.port());
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger answered = new AtomicInteger();
    List<String> failures = new CopyOnWriteArrayList<>();
    Thread traffic =
        new Thread(
            () -> {
              for (int i = 0; running.get(); i++) {
                HttpResponse<String> response = http.acquire("{\"key\": \"traffic-" + i + "\"}");
                if (response.statusCode() != 200) {
                  failures.add(response.statusCode() + " " + response.body());
                }
                answered.incrementAndGet();
              }
            },
            "configmap-traffic");
    try {
      server.ready().get(30, TimeUnit.SECONDS);
      assertThat(limit(http, "before")).isEqualTo(10);
      traffic.start();

      volume.publish(config(25));
      assertThat(mount.resolve("..v1")).as("the old version's folder is gone").doesNotExist();
      await(() -> limit(http, "after-first-swap") == 25);
      HttpResponse<String> response = http.acquire("{\"key\": \"header\"}");
      assertThat(response.headers().firstValue("RateLimit-Policy"))
          .hasValue("\"default\";q=25;w=25");

      volume.publish(config(40));
      await(() -> limit(http, "after-second-swap") == 40);

      int before = answered.get();
      await(() -> answered.get() > before + 10);
      assertThat(http.get("/health/ready").statusCode()).isEqualTo(200);
    } finally {
      running.set(false);
      traffic.join(10_000);
      server.close();
    }
    assertThat(failures).as("every request during the swaps was answered 200").isEmpty();
    assertThat(answered.get()).isPositive();
  }

  private static long limit(TestHttp http, String key) {
    HttpResponse<String> response = http.acquire("{\"key\": \"" + key + "\"}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json(response).get("limit").asLong();
  }

  private static String config(long capacity) {
    return "policies:\n  default: { capacity: " + capacity + ", refill: 1/s }\n";
  }

  /** Waits up to 5 s for a condition that a reload makes true. */
  private static void await(BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition not met within 5s").isLessThan(deadline);
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /**
   * The layout and update steps of a ConfigMap volume with one key, {@code sluice.yaml}: each
   * version in its own folder ({@code ..v<n>} here, a timestamp in the kubelet), {@code ..data}
   * pointing at the current one, and the file a symlink through {@code ..data}.
   */
  private static final class ConfigMapVolume {
    private final Path mount;
    private int version;

    ConfigMapVolume(Path mount) {
      this.mount = mount;
    }

    /** Writes a new version and swaps it in atomically, then removes the previous one. */
    void publish(String yaml) throws IOException {
      version++;
      Path folder = mount.resolve("..v" + version);
      Files.createDirectory(folder);
      Files.writeString(folder.resolve("sluice.yaml"), yaml);
      Path next =
          Files.createSymbolicLink(
              mount.resolve("..data_tmp"), Path.of(folder.getFileName().toString()));
      Files.move(next, mount.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
      Path file = mount.resolve("sluice.yaml");
      if (!Files.isSymbolicLink(file)) {
        Files.createSymbolicLink(file, Path.of("..data", "sluice.yaml"));
      }
      if (version > 1) {
        Path previous = mount.resolve("..v" + (version - 1));
        Files.delete(previous.resolve("sluice.yaml"));
        Files.delete(previous);
      }
    }
  }
}

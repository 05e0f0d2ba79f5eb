package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing outlives the JVM: the shutdown hook, and the reaper for JVMs that died without running
 * it.
 */
class ProcessCleanupIT {

  @TempDir Path tmp;

  /** A started child JVM and the node it reported. */
  record Child(Process jvm, long redisPid, Path dir) {}

  private Child startChild(String mode) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process jvm =
        new ProcessBuilder(
                List.of(
                    java,
                    "-Djava.io.tmpdir=" + tmp,
                    "-cp",
                    System.getProperty("java.class.path"),
                    ChildJvm.class.getName(),
                    mode))
            .redirectError(tmp.resolve("child-" + mode + ".err").toFile())
            .start();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("NODE ")) {
          String[] parts = line.split(" ", 3);
          return new Child(jvm, Long.parseLong(parts[1]), Paths.get(parts[2]));
        }
      }
    }
    jvm.destroyForcibly();
    throw new AssertionError(
        "child JVM reported no node: " + Files.readString(tmp.resolve("child-" + mode + ".err")));
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  @Test
  void shutdownHookKillsNodesThatWereNeverClosed() throws Exception {
    Child child = startChild("exit");
    assertThat(child.jvm().waitFor(20, TimeUnit.SECONDS)).isTrue();

    Poll.until(
        Duration.ofSeconds(5),
        "redis-server of the exited JVM to be gone",
        () -> !alive(child.redisPid()),
        null);
    assertThat(Files.exists(child.dir())).isFalse();
  }

  @Test
  void nodesOfAJvmKilledWithoutShutdownHookAreReapedByTheNextOne() throws Exception {
    Child child = startChild("hang");
    child.jvm().destroyForcibly();
    assertThat(child.jvm().waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(alive(child.redisPid())).as("no hook ran: the redis-server is an orphan").isTrue();
    assertThat(child.dir()).startsWith(tmp);

    int reaped = Processes.reapOrphans(tmp);

    assertThat(reaped).isEqualTo(1);
    Poll.until(
        Duration.ofSeconds(5),
        "the orphaned redis-server to be gone",
        () -> !alive(child.redisPid()),
        null);
    assertThat(Files.exists(child.dir())).isFalse();
  }

  @Test
  void sentinelsAndTheirNodesOfAJvmKilledWithoutShutdownHookAreReaped() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process jvm =
        new ProcessBuilder(
                List.of(
                    java,
                    "-Djava.io.tmpdir=" + tmp,
                    "-cp",
                    System.getProperty("java.class.path"),
                    ChildJvm.class.getName(),
                    "sentinel-hang"))
            .redirectError(tmp.resolve("child-sentinel.err").toFile())
            .start();
    List<Child> children = new ArrayList<>();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null && !line.equals("DONE")) {
        if (line.startsWith("NODE ")) {
          String[] parts = line.split(" ", 3);
          children.add(new Child(jvm, Long.parseLong(parts[1]), Paths.get(parts[2])));
        }
      }
    } finally {
      jvm.destroyForcibly();
    }
    assertThat(jvm.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(children).as(Files.readString(tmp.resolve("child-sentinel.err"))).hasSize(5);
    assertThat(children).allMatch(c -> alive(c.redisPid()), "orphaned, still running");

    int reaped = Processes.reapOrphans(tmp);

    assertThat(reaped).isEqualTo(5);
    for (Child child : children) {
      Poll.until(
          Duration.ofSeconds(5),
          "orphaned pid " + child.redisPid() + " to be gone",
          () -> !alive(child.redisPid()),
          null);
      assertThat(Files.exists(child.dir())).isFalse();
    }
  }

  @Test
  void reaperLeavesDirectoriesOfLiveJvmsAlone() throws Exception {
    Path ours = Files.createDirectory(tmp.resolve(Processes.DIR_PREFIX + "live"));
    Processes.writeOwner(ours, ProcessHandle.current().pid(), 1);
    Path unowned = Files.createDirectory(tmp.resolve(Processes.DIR_PREFIX + "no-owner-file-yet"));

    assertThat(Processes.reapOrphans(tmp)).isZero();

    assertThat(ours).exists();
    assertThat(unowned).exists();
  }
}

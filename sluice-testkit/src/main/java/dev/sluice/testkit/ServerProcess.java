package dev.sluice.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The redis-server process of one {@link RedisNode}, with its log files: started from the node's
 * config file, awaited until it answers {@code PING}, stopped and continued with signals, killed.
 *
 * <p>Design: one process at a time; a restart is a {@link #kill()} and a new {@link #launch}. The
 * server logs to {@code redis.log} (or {@code sentinel.log}) in the node's directory, and its
 * standard output and error go to {@code stdout.log}; a failed start is told apart by reading what
 * the logs gained since the launch ("Address already in use" means {@link PortTakenException}), and
 * every failure message ends with the logs' tails ({@link #diagnostics()}). Every process is
 * registered with {@link Processes} so that none outlives the JVM. The caller (the node) serializes
 * the calls that change the process; the state getters may be called from any thread.
 */
final class ServerProcess {

  /** The node's logger: these lines have always been the node's. */
  private static final Logger LOG = LoggerFactory.getLogger(RedisNode.class);

  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration START_INTERVAL = Duration.ofMillis(10);
  private static final Duration PING_TIMEOUT = Duration.ofMillis(250);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(2);

  private final RedisBinary binary;
  private final Path dir;
  private final boolean sentinel;
  private final Path configFile;
  private final Path logFile;
  private final Path outputFile;

  /** Named in log lines and failure messages (its {@code toString}). */
  private final Object owner;

  private volatile Process process;
  private volatile boolean paused;

  /**
   * The process of a node working in {@code dir}: a Sentinel ({@code sentinel.conf}, {@code
   * sentinel.log}) or a data node ({@code redis.conf}, {@code redis.log}).
   */
  ServerProcess(RedisBinary binary, Path dir, boolean sentinel, Object owner) {
    this.binary = binary;
    this.dir = dir;
    this.sentinel = sentinel;
    this.configFile = dir.resolve(sentinel ? "sentinel.conf" : "redis.conf");
    this.logFile = dir.resolve(sentinel ? "sentinel.log" : "redis.log");
    this.outputFile = dir.resolve("stdout.log");
    this.owner = owner;
  }

  Path configFile() {
    return configFile;
  }

  Path logFile() {
    return logFile;
  }

  /** The current process, or null before the first launch. */
  Process current() {
    return process;
  }

  /** Whether the process exists; a stopped (SIGSTOPped) one counts. */
  boolean isRunning() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /** Whether the process is stopped by {@link #pause()}. */
  boolean isPaused() {
    return paused && isRunning();
  }

  /**
   * Starts the process from the config file and waits until it answers {@code PING} on {@code
   * port}.
   *
   * @throws PortTakenException if it could not bind the port
   * @throws IllegalStateException if it exits otherwise, or does not answer within 10 s (it is
   *     killed then)
   */
  void launch(int port) {
    long logOffset = size(logFile);
    long outOffset = size(outputFile);
    Process p;
    try {
      List<String> command =
          new ArrayList<>(List.of(binary.path().toString(), configFile.toString()));
      if (sentinel) {
        // selects Sentinel mode whatever the executable is called (Debian's redis-server is a
        // symlink)
        command.add("--sentinel");
      }
      p =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(outputFile.toFile()))
              .redirectInput(ProcessBuilder.Redirect.PIPE)
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + binary.path(), e);
    }
    Processes.register(p);
    process = p;
    paused = false;
    Processes.writeOwner(dir, p.pid(), port);
    long started = System.nanoTime();
    AtomicBoolean exited = new AtomicBoolean();
    boolean up =
        Poll.within(
            START_TIMEOUT,
            START_INTERVAL,
            () -> {
              if (!p.isAlive()) {
                exited.set(true);
                return true;
              }
              // throws (not up yet) while the connection is refused or the server is LOADING
              return "PONG".equals(Resp.call(RedisNode.HOST, port, PING_TIMEOUT, "PING"));
            });
    if (exited.get()) {
      Processes.unregister(p);
      String fresh = readFrom(logFile, logOffset) + readFrom(outputFile, outOffset);
      if (fresh.contains("Address already in use")) {
        throw new PortTakenException(port);
      }
      throw new IllegalStateException(
          "redis-server exited with code "
              + p.exitValue()
              + " during startup on port "
              + port
              + "\n"
              + diagnostics());
    }
    if (!up) {
      String diag = diagnostics();
      Processes.destroyForcibly(p, 5_000);
      Processes.unregister(p);
      throw new IllegalStateException(
          "redis-server on port "
              + port
              + " did not answer PING within "
              + START_TIMEOUT.toSeconds()
              + " s\n"
              + diag);
    }
    long millis = (System.nanoTime() - started) / 1_000_000;
    if (millis > 2_000) {
      LOG.warn("{} took {} ms to answer PING (is the machine overloaded?)", owner, millis);
    } else {
      LOG.debug("started {} in {} ms", owner, millis);
    }
  }

  /**
   * Freezes the process with SIGSTOP and, where there is a procfs, waits until the stop has been
   * delivered.
   */
  void pause() {
    long pid = process.pid();
    Processes.signal(pid, "STOP");
    paused = true;
    // Linux: make sure the stop has been delivered before returning.
    if (Processes.procState(pid).isPresent()) {
      Poll.until(
          STOP_TIMEOUT,
          "pid " + pid + " to stop",
          () -> Processes.procState(pid).map(s -> s == 'T' || s == 't').orElse(true));
    }
  }

  /** Continues a process stopped by {@link #pause()} with SIGCONT; does nothing otherwise. */
  void resume() {
    if (!paused) {
      return;
    }
    Processes.signal(process.pid(), "CONT");
    paused = false;
  }

  /**
   * Kills the process with SIGKILL (a stopped one too) and waits until it has exited; does nothing
   * if there is none.
   *
   * @throws IllegalStateException if it is still alive 10 s after SIGKILL
   */
  void kill() {
    Process p = process;
    if (p == null) {
      return;
    }
    if (p.isAlive()) {
      Processes.destroyForcibly(p, 10_000);
      if (p.isAlive()) {
        throw new IllegalStateException(
            "redis-server pid " + p.pid() + " did not die after SIGKILL");
      }
    }
    try {
      p.waitFor(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Processes.unregister(p);
    paused = false;
  }

  /** The owner, its directory and the tails of its logs, for failure messages. */
  String diagnostics() {
    StringBuilder sb = new StringBuilder();
    sb.append("--- ").append(owner).append(", dir ").append(dir).append('\n');
    sb.append("--- tail of ").append(logFile.getFileName()).append(":\n").append(tail(logFile, 30));
    String out = tail(outputFile, 10);
    if (!out.isBlank()) {
      sb.append("--- tail of ").append(outputFile.getFileName()).append(":\n").append(out);
    }
    return sb.toString();
  }

  private static long size(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private static String readFrom(Path file, long offset) {
    try {
      if (!Files.exists(file)) {
        return "";
      }
      byte[] all = Files.readAllBytes(file);
      int from = (int) Math.min(offset, all.length);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static String tail(Path file, int lines) {
    try {
      if (!Files.exists(file)) {
        return "(no " + file.getFileName() + ")\n";
      }
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      StringBuilder sb = new StringBuilder();
      for (String line : all.subList(Math.max(0, all.size() - lines), all.size())) {
        sb.append("    ").append(line).append('\n');
      }
      return sb.toString();
    } catch (IOException | RuntimeException e) {
      return "(cannot read " + file + ": " + e + ")\n";
    }
  }
}

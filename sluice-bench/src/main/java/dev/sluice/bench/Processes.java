package dev.sluice.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Small helpers for the external programs of the benchmark (redis-benchmark, wrk, nginx, sluice).
 */
public final class Processes {

  private Processes() {}

  /**
   * A free TCP port on 127.0.0.1, never 6379 (a developer's Redis).
   *
   * @return the port
   */
  public static int freePort() {
    for (int i = 0; i < 20; i++) {
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        if (socket.getLocalPort() != 6379) {
          return socket.getLocalPort();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalStateException("no free port on 127.0.0.1");
  }

  /**
   * Runs a command to completion and returns its standard output and error, merged.
   *
   * @param timeoutSeconds the most to wait
   * @param command the command
   * @return the output
   * @throws IllegalStateException if it fails to start, times out or exits non-zero
   */
  public static String run(long timeoutSeconds, List<String> command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      byte[][] output = new byte[1][];
      Thread reader =
          new Thread(
              () -> {
                try {
                  output[0] = process.getInputStream().readAllBytes();
                } catch (IOException e) {
                  output[0] = new byte[0];
                }
              });
      reader.start();
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(
            String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
      }
      reader.join();
      String text = new String(output[0], StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", command) + " exited " + process.exitValue() + ": " + text);
      }
      return text;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * The commit a run measures: the short hash of {@code HEAD}, with " (with uncommitted changes)"
   * when files other than the benchmark's own outputs (its results, {@code BENCHMARKS.md} and the
   * charts, which a run rewrites) differ from it.
   *
   * @param root the repository
   * @return the commit, or "unknown" outside a git checkout
   */
  public static String commit(Path root) {
    String head = quietly("unknown", "git", "-C", root.toString(), "rev-parse", "--short", "HEAD");
    String changed =
        quietly(
            "",
            "git",
            "-C",
            root.toString(),
            "status",
            "--porcelain",
            "--",
            ".",
            ":(exclude)sluice-bench/results",
            ":(exclude)BENCHMARKS.md",
            ":(exclude)docs/bench");
    return head + (changed.isEmpty() ? "" : " (with uncommitted changes)");
  }

  /**
   * Runs a command and returns its output whatever its exit status, or {@code fallback} when it
   * cannot run or prints nothing.
   *
   * @param fallback the answer on failure
   * @param command the command
   * @return the output, trimmed
   */
  public static String quietly(String fallback, String... command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String text =
          new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      process.waitFor(30, TimeUnit.SECONDS);
      return text.isEmpty() ? fallback : text;
    } catch (IOException e) {
      return fallback;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fallback;
    }
  }

  /**
   * Waits until something accepts connections on {@code port}, or the process dies.
   *
   * @param process the server
   * @param port the port
   * @param timeoutSeconds the most to wait
   * @param log where the server writes, quoted on failure
   */
  public static void awaitPort(Process process, int port, long timeoutSeconds, Path log) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("exited with " + process.exitValue() + ": " + tail(log));
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        return;
      } catch (IOException e) {
        sleep(100);
      }
    }
    throw new IllegalStateException(
        "nothing listened on port " + port + " within " + timeoutSeconds + " s: " + tail(log));
  }

  /**
   * Stops a process: SIGTERM, then SIGKILL after 15 s.
   *
   * @param process the process
   */
  public static void stop(Process process) {
    if (process == null) {
      return;
    }
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The last lines of a file, on one line.
   *
   * @param file the file
   * @return its tail
   */
  public static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    } catch (IOException e) {
      return "(no output)";
    }
  }

  /** The 1-minute load average above which a run's start counts as busy. */
  public static final double BUSY_LOAD = 1.5;

  /** How many times a run waits for a busy machine to quieten before it starts anyway. */
  public static final int QUIET_WAITS = 3;

  /**
   * The first three fields of {@code /proc/loadavg}.
   *
   * @return such as {@code "0.52 0.61 0.40"}, or {@code "?"}
   */
  public static String load() {
    String[] fields = quietly("", "cat", "/proc/loadavg").trim().split(" ");
    return fields.length >= 3 ? fields[0] + " " + fields[1] + " " + fields[2] : "?";
  }

  /**
   * Whether a load record ({@link #load()}) starts above {@link #BUSY_LOAD}.
   *
   * @param load the record
   * @return whether the machine was busy
   */
  public static boolean busy(String load) {
    try {
      return Double.parseDouble(load.trim().split(" ")[0]) > BUSY_LOAD;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * Waits for a quiet machine before a run: while the load average is above {@link #BUSY_LOAD},
   * waits a minute and reads it again, at most {@link #QUIET_WAITS} times.
   *
   * @param part the progress label
   * @return the load average the run starts with
   */
  public static String awaitQuiet(String part) {
    String load = load();
    for (int wait = 1; wait <= QUIET_WAITS && busy(load); wait++) {
      Progress.line(
          part,
          "load average "
              + load
              + " is above "
              + BUSY_LOAD
              + ": waiting a minute for the machine to quieten ("
              + wait
              + " of "
              + QUIET_WAITS
              + ")");
      sleep(60_000);
      load = load();
    }
    return load;
  }

  /**
   * Sleeps.
   *
   * @param millis how long
   */
  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

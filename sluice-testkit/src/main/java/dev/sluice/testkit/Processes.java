package dev.sluice.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bookkeeping of every redis-server process and temp directory this JVM created, so that nothing
 * outlives it.
 *
 * <ul>
 *   <li>A JVM shutdown hook forcibly destroys every registered process that is still alive (and its
 *       children), then deletes the registered directories.
 *   <li>Each node directory holds an {@value #OWNER_FILE} file naming the owning JVM and the
 *       redis-server pid. On first use, directories left behind by a JVM that is gone (crashed,
 *       SIGKILLed: no hook ran) are reaped: their redis-server is killed if it is still running,
 *       and the directory deleted.
 * </ul>
 */
final class Processes {

  private static final Logger LOG = LoggerFactory.getLogger(Processes.class);

  static final String DIR_PREFIX = "sluice-redis-";
  static final String OWNER_FILE = "owner.properties";

  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
  private static final Set<Path> DIRS = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(Processes::destroyAll, "sluice-testkit-reaper"));
    try {
      reapOrphans(Paths.get(System.getProperty("java.io.tmpdir")));
    } catch (RuntimeException e) {
      LOG.warn("Could not reap redis-server processes left behind by earlier JVMs", e);
    }
  }

  private Processes() {}

  static void register(Process process) {
    LIVE.add(process);
  }

  static void unregister(Process process) {
    LIVE.remove(process);
  }

  static Path createNodeDirectory() {
    try {
      Path dir = Files.createTempDirectory(DIR_PREFIX).toRealPath();
      DIRS.add(dir);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temp directory for redis-server", e);
    }
  }

  static void deleteNodeDirectory(Path dir) {
    deleteRecursively(dir);
    DIRS.remove(dir);
  }

  /**
   * Records who owns the redis-server running from {@code dir}, for the orphan reaper of a later
   * JVM.
   */
  static void writeOwner(Path dir, long redisPid, int port) {
    ProcessHandle self = ProcessHandle.current();
    Properties p = new Properties();
    p.setProperty("jvmPid", Long.toString(self.pid()));
    self.info()
        .startInstant()
        .ifPresent(i -> p.setProperty("jvmStart", Long.toString(i.toEpochMilli())));
    p.setProperty("redisPid", Long.toString(redisPid));
    p.setProperty("port", Integer.toString(port));
    try (OutputStream out = Files.newOutputStream(dir.resolve(OWNER_FILE))) {
      p.store(out, "sluice-testkit: owner of this redis-server directory");
    } catch (IOException e) {
      LOG.debug("cannot write {}", dir.resolve(OWNER_FILE), e);
    }
  }

  /** Kills a process and all its descendants with SIGKILL and waits (briefly) until it is gone. */
  static void destroyForcibly(Process process, long waitMillis) {
    try {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
    } catch (RuntimeException ignored) {
      // best effort: the children die with the parent's process group anyway in most cases
    }
    process.destroyForcibly();
    try {
      process.waitFor(waitMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Sends a POSIX signal ({@code STOP}, {@code CONT}, ...) to a process using the {@code kill}
   * command.
   */
  static void signal(long pid, String signal) {
    String[][] commands = {
      {"kill", "-s", signal, Long.toString(pid)},
      {"/bin/sh", "-c", "kill -s " + signal + " " + pid},
    };
    IOException last = null;
    for (String[] command : commands) {
      try {
        Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (InputStream in = kill.getInputStream()) {
          output = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        if (!kill.waitFor(5, TimeUnit.SECONDS)) {
          kill.destroyForcibly();
          throw new IllegalStateException("'kill -s " + signal + " " + pid + "' did not finish");
        }
        if (kill.exitValue() != 0) {
          throw new IllegalStateException(
              "'kill -s "
                  + signal
                  + " "
                  + pid
                  + "' failed (exit "
                  + kill.exitValue()
                  + "): "
                  + output);
        }
        return;
      } catch (IOException e) {
        last = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while signalling " + pid, e);
      }
    }
    throw new UncheckedIOException("cannot run 'kill' to send SIG" + signal + " to " + pid, last);
  }

  /**
   * Returns the process state letter from {@code /proc/PID/stat} ({@code T} = stopped), or empty
   * where there is no procfs (macOS).
   */
  static Optional<Character> procState(long pid) {
    Path stat = Paths.get("/proc", Long.toString(pid), "stat");
    try {
      String s = Files.readString(stat);
      int close = s.lastIndexOf(')');
      if (close < 0 || close + 2 >= s.length()) {
        return Optional.empty();
      }
      return Optional.of(s.charAt(close + 2));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
              Files.deleteIfExists(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (NoSuchFileException ignored) {
      // already gone
    } catch (IOException e) {
      LOG.debug("cannot delete {}", dir, e);
    }
  }

  private static void destroyAll() {
    for (Process p : LIVE) {
      try {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
      } catch (RuntimeException ignored) {
        // best effort
      }
      p.destroyForcibly();
    }
    for (Process p : LIVE) {
      try {
        p.waitFor(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    LIVE.clear();
    for (Path dir : DIRS) {
      deleteRecursively(dir);
    }
    DIRS.clear();
  }

  /**
   * Kills redis-servers (and deletes directories) left behind in {@code tmp} by JVMs that no longer
   * exist.
   */
  static int reapOrphans(Path tmp) {
    int reaped = 0;
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tmp, DIR_PREFIX + "*")) {
      for (Path dir : dirs) {
        Path ownerFile = dir.resolve(OWNER_FILE);
        if (!Files.isRegularFile(ownerFile)) {
          continue; // being created right now, or not ours
        }
        Properties owner = new Properties();
        try (InputStream in = Files.newInputStream(ownerFile)) {
          owner.load(in);
        } catch (IOException | IllegalArgumentException e) {
          continue;
        }
        if (ownerAlive(owner)) {
          continue;
        }
        String port = owner.getProperty("port", "");
        long redisPid = parseLong(owner.getProperty("redisPid"));
        if (redisPid > 0) {
          ProcessHandle.of(redisPid)
              .filter(h -> isOurRedis(h, port, dir))
              .ifPresent(
                  h -> {
                    LOG.warn(
                        "Killing orphaned redis-server pid {} (port {}) left by a dead JVM",
                        h.pid(),
                        port);
                    h.destroyForcibly();
                  });
        }
        deleteRecursively(dir);
        reaped++;
      }
    } catch (IOException e) {
      LOG.debug("cannot scan {} for orphaned redis-server directories", tmp, e);
    }
    return reaped;
  }

  /**
   * Guards against pid reuse: the process must look like the redis-server we started. On Linux
   * redis-server retitles itself to {@code "redis-server 127.0.0.1:PORT"} (and the JDK may see no
   * arguments at all, e.g. when redis-server is a symlink), so /proc/PID/cmdline is read directly;
   * elsewhere the original arguments name the config file in the node directory.
   */
  private static boolean isOurRedis(ProcessHandle handle, String port, Path dir) {
    String commandLine;
    try {
      commandLine =
          new String(
                  Files.readAllBytes(Paths.get("/proc", Long.toString(handle.pid()), "cmdline")),
                  StandardCharsets.UTF_8)
              .replace('\0', ' ');
    } catch (IOException | RuntimeException e) {
      ProcessHandle.Info info = handle.info();
      commandLine = info.commandLine().orElse(info.command().orElse(""));
    }
    return commandLine.contains("redis")
        && ((!port.isEmpty() && commandLine.contains(":" + port))
            || commandLine.contains(dir.toString()));
  }

  private static boolean ownerAlive(Properties owner) {
    long jvmPid = parseLong(owner.getProperty("jvmPid"));
    if (jvmPid <= 0) {
      return true; // unknown: leave it alone
    }
    Optional<ProcessHandle> handle = ProcessHandle.of(jvmPid);
    if (handle.isEmpty() || !handle.get().isAlive()) {
      return false;
    }
    long recordedStart = parseLong(owner.getProperty("jvmStart"));
    Optional<Instant> start = handle.get().info().startInstant();
    if (recordedStart <= 0 || start.isEmpty()) {
      return true;
    }
    // A different start time means the pid was reused by another process: the owner is dead.
    return Math.abs(start.get().toEpochMilli() - recordedStart) < 2_000;
  }

  private static long parseLong(String s) {
    try {
      return s == null ? -1 : Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}

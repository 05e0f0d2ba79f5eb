package dev.sluice.server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the configuration file and hands each new valid version to a consumer.
 *
 * <p>Polling rather than a {@code WatchService}: it works the same on every file system, for files
 * replaced by an editor's rename, behind symlinks (as Kubernetes mounts config maps) and on network
 * mounts. Each poll reads the file and compares a SHA-256 of its content with the last one seen, so
 * a touch without a change does nothing and a change within the same mtime second is still seen. A
 * new version is acted on only once two polls in a row read the same content, so a file caught
 * half-written (by a shell redirect, say) is never applied or rejected. An invalid version is
 * logged once and counted; the running configuration stays.
 */
final class ConfigWatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);

  private final Path file;
  private final Duration interval;
  private final Consumer<ServerConfig> apply;
  private final ServerMetrics metrics;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          task -> {
            Thread thread = new Thread(task, "sluice-config-watcher");
            thread.setDaemon(true);
            return thread;
          });
  private byte[] lastSeen;

  /** A changed content seen by the last poll, acted on when the next poll reads it again. */
  private byte[] pending;

  /**
   * A watcher, not yet started.
   *
   * @param file the file
   * @param loaded the text the running configuration was read from
   * @param interval the time between two polls
   * @param apply receives each new valid configuration, on the watcher's thread
   * @param metrics counts reloads
   */
  ConfigWatcher(
      Path file,
      String loaded,
      Duration interval,
      Consumer<ServerConfig> apply,
      ServerMetrics metrics) {
    this.file = file;
    this.interval = interval;
    this.apply = apply;
    this.metrics = metrics;
    this.lastSeen = sha256(loaded);
  }

  /** Starts polling. */
  void start() {
    // Stopped by shutting the scheduler down; each poll handles its own failures.
    var unusedSchedule =
        scheduler.scheduleWithFixedDelay(
            this::poll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void poll() {
    String text;
    String unreadable = null;
    try {
      text = ConfigLoader.read(file);
    } catch (IllegalArgumentException e) {
      unreadable = e.getMessage();
      text = "unreadable: " + unreadable;
    }
    byte[] hash = sha256(text);
    if (Arrays.equals(hash, lastSeen)) {
      pending = null;
      return;
    }
    if (!Arrays.equals(hash, pending)) {
      pending = hash;
      return;
    }
    pending = null;
    if (unreadable != null) {
      rejected(hash, unreadable);
      return;
    }
    try {
      ServerConfig config = ConfigLoader.parse(file.toString(), text);
      lastSeen = hash;
      apply.accept(config);
      metrics.reloaded(true);
    } catch (IllegalArgumentException e) {
      rejected(hash, e.getMessage());
    } catch (RuntimeException e) {
      lastSeen = hash;
      metrics.reloaded(false);
      log.error("{}: reload failed; keeping the running configuration", file, e);
    }
  }

  /** Counts and logs a bad version once, however many polls see it. */
  private void rejected(byte[] hash, String why) {
    if (Arrays.equals(hash, lastSeen)) {
      return;
    }
    lastSeen = hash;
    metrics.reloaded(false);
    log.warn("reload rejected, keeping the running configuration: {}", why);
  }

  /** Stops polling; a poll under way finishes. */
  @Override
  public void close() {
    scheduler.shutdown();
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}

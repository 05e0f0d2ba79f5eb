package dev.sluice.server;

import dev.sluice.envoy.RlsConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls envoyproxy/ratelimit's configuration (a file or a directory) and hands each new valid
 * version to a consumer, as {@link ConfigWatcher} does for Sluice's file: a change is acted on once
 * two polls in a row see the same files and contents (so a ConfigMap swap, or a copy under way, is
 * one reload), an invalid version is logged once and counted, and the running one stays.
 */
final class RlsWatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RlsWatcher.class);

  private final Path path;
  private final Duration interval;
  private final Consumer<RlsConfig> apply;
  private final ServerMetrics metrics;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          task -> {
            Thread thread = new Thread(task, "sluice-rls-watcher");
            thread.setDaemon(true);
            return thread;
          });
  private String lastSeen;
  private String pending;

  RlsWatcher(Path path, Duration interval, Consumer<RlsConfig> apply, ServerMetrics metrics) {
    this.path = path;
    this.interval = interval;
    this.apply = apply;
    this.metrics = metrics;
    this.lastSeen = fingerprint();
  }

  void start() {
    var unusedSchedule =
        scheduler.scheduleWithFixedDelay(
            this::poll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private String fingerprint() {
    try {
      return RlsFiles.fingerprint(path);
    } catch (IllegalArgumentException e) {
      return "unreadable: " + e.getMessage();
    }
  }

  private void poll() {
    String seen = fingerprint();
    if (seen.equals(lastSeen)) {
      pending = null;
      return;
    }
    if (!seen.equals(pending)) {
      pending = seen;
      return;
    }
    pending = null;
    lastSeen = seen;
    try {
      RlsConfig config = RlsConfigLoader.load(path);
      apply.accept(config);
      metrics.reloaded(true);
      log.info("{}: RLS configuration reloaded: {} domains", path, config.domains().size());
    } catch (IllegalArgumentException e) {
      metrics.reloaded(false);
      log.warn("RLS reload rejected, keeping the running configuration: {}", e.getMessage());
    } catch (RuntimeException e) {
      metrics.reloaded(false);
      log.error("{}: RLS reload failed; keeping the running configuration", path, e);
    }
  }

  @Override
  public void close() {
    scheduler.shutdown();
  }
}

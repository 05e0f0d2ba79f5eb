package dev.sluice.redis;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The {@link HybridBackend}'s background sweep: one daemon thread, {@code sluice-hybrid-sweeper},
 * that runs the sweep with a fixed delay between runs; none if the interval is zero (then only
 * {@link HybridBackend#cleanUp()} sweeps). The sweep must not throw: an exception would cancel the
 * next runs.
 */
final class LeaseSweeper {
  private final ScheduledExecutorService executor;

  LeaseSweeper(Runnable sweep, Duration interval) {
    if (interval.isZero()) {
      this.executor = null;
    } else {
      this.executor =
          Executors.newSingleThreadScheduledExecutor(
              task -> {
                Thread thread = new Thread(task, "sluice-hybrid-sweeper");
                thread.setDaemon(true);
                return thread;
              });
      long every = interval.toNanos() / 1_000;
      var unusedSchedule =
          executor.scheduleWithFixedDelay(sweep, every, every, TimeUnit.MICROSECONDS);
    }
  }

  /** Stops the thread, interrupting a sweep under way. */
  void stop() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}

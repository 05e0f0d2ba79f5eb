package dev.sluice.bench.load;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop load: {@code callers} threads, each sending its next request as soon as the last
 * one was answered, against one shared {@link Contender}. A warm-up phase (not recorded) is
 * followed by the measured phase; only requests that start in the measured phase count, and the
 * phase ends when the last of them has been answered, so Redis's counters read after {@link #run}
 * cover them all. Latency is recorded per request in nanoseconds (HdrHistogram, 3 significant
 * digits).
 */
public final class ClosedLoop {

  /** Picks the key of the next request. */
  @FunctionalInterface
  public interface Keys {
    /**
     * The next key.
     *
     * @param measuring whether the request is in the measured phase
     * @return the key
     */
    String next(boolean measuring);
  }

  /** Called between the phases (snapshots of Redis's counters). */
  public interface Hooks {
    /** Just before the measured phase starts. */
    default void beforeMeasure() {}

    /** After every measured request has been answered. */
    default void afterMeasure() {}
  }

  /**
   * The measured phase.
   *
   * @param decisions requests answered
   * @param allowed of which allowed
   * @param errors requests that failed (not in {@code decisions})
   * @param nanos from the start of the phase to the last answer
   * @param latency the latency of every answered request, in nanoseconds
   * @param firstError the first failure's message, or empty
   * @param clientCpuNanos CPU time of this JVM during the phase
   */
  public record Result(
      long decisions,
      long allowed,
      long errors,
      long nanos,
      Histogram latency,
      String firstError,
      long clientCpuNanos) {
    /**
     * Decisions per second.
     *
     * @return the throughput
     */
    public double throughput() {
      return decisions * 1e9 / nanos;
    }
  }

  private static final int WARMUP = 0;
  private static final int MEASURE = 1;
  private static final int STOP = 2;

  private ClosedLoop() {}

  /**
   * Runs one load.
   *
   * @param contender the implementation
   * @param callers the number of concurrent callers
   * @param keys the key of each request
   * @param warmupMillis the warm-up, not recorded
   * @param measureMillis the measured phase
   * @param hooks called between phases
   * @return the measured phase
   */
  public static Result run(
      Contender contender,
      int callers,
      Keys keys,
      long warmupMillis,
      long measureMillis,
      Hooks hooks) {
    List<Thread> threads = new ArrayList<>();
    List<long[]> counters = new ArrayList<>();
    List<Histogram> histograms = new ArrayList<>();
    AtomicReference<String> firstError = new AtomicReference<>("");
    VolatileInt state = new VolatileInt();
    for (int i = 0; i < callers; i++) {
      long[] counter = new long[3];
      Histogram histogram = new Histogram(60_000_000_000L, 3);
      counters.add(counter);
      histograms.add(histogram);
      Thread thread =
          new Thread(
              () -> {
                while (true) {
                  int now = state.value;
                  if (now == STOP) {
                    return;
                  }
                  boolean measuring = now == MEASURE;
                  String key = keys.next(measuring);
                  long start = System.nanoTime();
                  try {
                    boolean allowed = contender.tryAcquire(key);
                    long took = System.nanoTime() - start;
                    if (measuring) {
                      counter[0]++;
                      if (allowed) {
                        counter[1]++;
                      }
                      histogram.recordValue(Math.min(took, histogram.getHighestTrackableValue()));
                    }
                  } catch (RuntimeException e) {
                    if (measuring) {
                      counter[2]++;
                    }
                    firstError.compareAndSet(
                        "", e.getClass().getSimpleName() + ": " + e.getMessage());
                    sleepQuietly(1);
                  }
                }
              },
              "caller-" + i);
      thread.setDaemon(true);
      threads.add(thread);
    }
    threads.forEach(Thread::start);
    sleepQuietly(warmupMillis);
    hooks.beforeMeasure();
    long cpuBefore = processCpuNanos();
    long started = System.nanoTime();
    state.value = MEASURE;
    sleepQuietly(measureMillis);
    state.value = STOP;
    for (Thread thread : threads) {
      try {
        thread.join(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    long nanos = System.nanoTime() - started;
    long cpu = processCpuNanos() - cpuBefore;
    hooks.afterMeasure();
    Histogram all = new Histogram(60_000_000_000L, 3);
    long decisions = 0;
    long allowed = 0;
    long errors = 0;
    for (int i = 0; i < callers; i++) {
      all.add(histograms.get(i));
      decisions += counters.get(i)[0];
      allowed += counters.get(i)[1];
      errors += counters.get(i)[2];
    }
    return new Result(decisions, allowed, errors, nanos, all, firstError.get(), cpu);
  }

  private static long processCpuNanos() {
    java.lang.management.OperatingSystemMXBean os =
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime();
    }
    return 0;
  }

  static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static final class VolatileInt {
    volatile int value = WARMUP;
  }
}

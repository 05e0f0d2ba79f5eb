package dev.sluice.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;

/**
 * Many threads hammering one hot key for a fixed time, counting what was admitted: the accuracy
 * harness. {@code acquire} gets the thread's index (to pick one of several clients) and answers
 * whether the request was admitted.
 */
final class HotKeyHarness {

  /**
   * What a run admitted and how long it took.
   *
   * @param admitted requests admitted
   * @param calls requests made
   * @param errors requests that failed
   * @param elapsedNanos from before the first request to after the last answer
   * @param loadNanos from before the first request to the start of the last: the time the load
   *     surely covered
   */
  record Result(long admitted, long calls, long errors, long elapsedNanos, long loadNanos) {
    /** The most an exact limiter may admit: capacity + rate x elapsed. */
    double bound(long capacity, double ratePerSecond) {
      return capacity + ratePerSecond * elapsedNanos / 1e9;
    }

    /**
     * What an exact limiter must have admitted under a load far above its rate: capacity + rate x
     * the time requests kept coming, until the last one started (a busy machine may starve the
     * callers at the very end; what refills then is never asked for).
     */
    double floor(long capacity, double ratePerSecond) {
      return capacity + ratePerSecond * loadNanos / 1e9;
    }
  }

  private HotKeyHarness() {}

  static Result run(int threads, long durationMillis, IntPredicate acquire)
      throws InterruptedException {
    AtomicLong admitted = new AtomicLong();
    AtomicLong calls = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicLong lastStart = new AtomicLong();
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    long[] deadline = new long[1];
    for (int t = 0; t < threads; t++) {
      int index = t;
      Thread worker =
          new Thread(
              () -> {
                ready.countDown();
                try {
                  start.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
                for (long now = System.nanoTime(); now < deadline[0]; now = System.nanoTime()) {
                  lastStart.accumulateAndGet(now, Math::max);
                  calls.incrementAndGet();
                  try {
                    if (acquire.test(index)) {
                      admitted.incrementAndGet();
                    }
                  } catch (RuntimeException e) {
                    errors.incrementAndGet();
                  }
                }
              },
              "hot-key-" + t);
      workers.add(worker);
      worker.start();
    }
    ready.await();
    long begin = System.nanoTime();
    deadline[0] = begin + durationMillis * 1_000_000;
    start.countDown();
    for (Thread worker : workers) {
      worker.join();
    }
    return new Result(
        admitted.get(),
        calls.get(),
        errors.get(),
        System.nanoTime() - begin,
        lastStart.get() - begin);
  }
}

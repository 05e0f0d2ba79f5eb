package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Real threads on the real clock ({@link TimeSource#system()}): eight threads hammer one key of a
 * token bucket (capacity 1000, 1000/s) for two seconds. The total admitted never exceeds what the
 * bucket can give over the measured time (capacity + rate x elapsed, elapsed taken from before the
 * first call to after the last), and reaches at least 99% of what it gave until the last call
 * started: no over-admission under contention, and no admission lost to a failed compare-and-set.
 */
class RealClockConcurrencyTest {

  /**
   * A second's worth of tokens: a thread descheduled by a busy machine for less than that loses no
   * refill (tokens only go to waste when the bucket is full), so the lower bound holds on a loaded
   * 2-core machine too.
   */
  private static final long CAPACITY = 1_000;

  private static final long PER_SECOND = 1_000;

  @Test
  void eightThreadsOnOneHotKeyStayWithinAndNearTheBound() throws Exception {
    RateLimiter limiter =
        RateLimiter.create(Limit.tokenBucket(CAPACITY, Rate.perSecond(PER_SECOND)));
    int threads = 8;
    long runNanos = TimeUnit.SECONDS.toNanos(2);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch ready = new CountDownLatch(threads);
      CountDownLatch go = new CountDownLatch(1);
      long[] startedAt = new long[1];
      AtomicLong lastCall = new AtomicLong(Long.MIN_VALUE);
      List<Future<Long>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(
            pool.submit(
                () -> {
                  ready.countDown();
                  go.await();
                  long deadline = startedAt[0] + runNanos;
                  long admitted = 0;
                  for (long now = System.nanoTime(); now - deadline < 0; now = System.nanoTime()) {
                    lastCall.accumulateAndGet(now, Math::max);
                    if (limiter.tryAcquire("hot").allowed()) {
                      admitted++;
                    }
                  }
                  return admitted;
                }));
      }
      ready.await();
      startedAt[0] = System.nanoTime(); // before the first call (published by go.countDown())
      go.countDown();
      long admitted = 0;
      for (Future<Long> result : results) {
        admitted += result.get(60, TimeUnit.SECONDS);
      }
      long elapsedNanos = System.nanoTime() - startedAt[0]; // after the last call

      // The clock reads whole microseconds: allow one more than the elapsed time, rounded up.
      long elapsedMicros = (elapsedNanos + 999) / 1_000 + 1;
      long bound = CAPACITY + PER_SECOND * elapsedMicros / 1_000_000;
      assertThat(admitted).as("elapsed %d us", elapsedMicros).isLessThanOrEqualTo(bound);
      // Requests kept coming until the last call started: every token refilled until then was
      // there to take (a busy machine may starve the threads at the very end, and those tokens are
      // simply never asked for), so at least 99% of it must have been admitted.
      long floor = CAPACITY + PER_SECOND * (lastCall.get() - startedAt[0]) / 1_000_000_000;
      assertThat(admitted)
          .as("elapsed %d us", elapsedMicros)
          .isGreaterThanOrEqualTo(floor * 99 / 100);
    } finally {
      pool.shutdownNow();
    }
  }
}

package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.sluice.tck.RateAlgorithms;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;

/**
 * The in-memory backend's memory management: idle keys are dropped exactly when they are fresh
 * again (so dropping never changes a decision), the {@code maxKeys} bound holds by evicting the
 * keys closest to fresh, and sweeps racing with decisions neither lose nor double-count an
 * admission.
 */
class InMemoryBackendTest {

  private static final Policy SEED = Policy.of("seed", Limit.tokenBucket(10, Rate.perSecond(1)));

  private final ManualTimeSource clock = new ManualTimeSource();

  private InMemoryBackend backend(long maxKeys) {
    return InMemoryBackend.builder().timeSource(clock).maxKeys(maxKeys).build();
  }

  @Test
  void idleBucketsDisappearOnCleanUpExactlyWhenTheyAreFullAgain() {
    InMemoryBackend backend = backend(1_000);
    backend.tryAcquire(SEED, "three", 3); // full again at 3 s
    backend.tryAcquire(SEED, "ten", 10); // full again at 10 s
    assertThat(backend.size()).isEqualTo(2);

    clock.set(2_999_999);
    backend.cleanUp();
    assertThat(backend.size()).isEqualTo(2);

    clock.set(3_000_000);
    backend.cleanUp();
    assertThat(backend.size()).isEqualTo(1);
    assertThat(backend.peek(SEED, "three").remaining()).isEqualTo(10);
    assertThat(backend.peek(SEED, "ten").remaining()).isEqualTo(3);

    clock.set(10_000_000);
    backend.cleanUp();
    assertThat(backend.size()).isZero();
  }

  /** For every algorithm, a key is swept exactly when its last decision's resetAfter has passed. */
  @ParameterizedTest
  @RateAlgorithms
  void everyAlgorithmIsSweptExactlyAtResetAfter(Algorithm algorithm) {
    InMemoryBackend backend = backend(1_000);
    Policy policy = Policy.of("p", limitOf(algorithm), Limit.tokenBucket(100, Rate.perMinute(100)));
    clock.set(1_234_567);
    backend.tryAcquire(policy, "a", 2);
    clock.advance(Duration.ofMillis(1_500));
    Decision last = backend.tryAcquire(policy, "a", 3);

    clock.advanceMicros(last.resetAfterMicros() - 1);
    backend.cleanUp();
    assertThat(backend.size()).isEqualTo(1);
    assertThat(backend.peek(policy, "a")).isNotEqualTo(backend.peek(policy, "never-seen"));

    clock.advanceMicros(1);
    assertThat(backend.peek(policy, "a")).isEqualTo(backend.peek(policy, "never-seen"));
    backend.cleanUp();
    assertThat(backend.size()).isZero();
  }

  @Test
  void idleBucketsDisappearOnceEnoughNewKeysAreInserted() {
    InMemoryBackend backend = backend(1_000_000);
    for (int i = 0; i < 10; i++) {
      backend.tryAcquire(SEED, "stale-" + i, 1);
    }
    clock.advance(Duration.ofSeconds(1)); // the ten are full again

    for (int i = 0; i < 2_048; i++) {
      backend.tryAcquire(SEED, "new-" + i, 1);
    }

    assertThat(backend.size()).isEqualTo(2_048);
  }

  @Test
  void insertingTenTimesMaxKeysUniqueKeysKeepsTheSizeBounded() {
    InMemoryBackend backend = backend(100);
    long[] largest = new long[1];
    // Bounded in time too: with every key live and none fresh, an insert beyond maxKeys must not
    // spin.
    assertTimeoutPreemptively(
        Duration.ofSeconds(20),
        () -> {
          for (int i = 0; i < 1_000; i++) {
            assertThat(backend.tryAcquire(SEED, "key-" + i, 1).allowed()).isTrue();
            largest[0] = Math.max(largest[0], backend.size());
          }
        });

    assertThat(largest[0]).isLessThanOrEqualTo(100);
    assertThat(backend.size()).isBetween(90L, 100L);
  }

  @Test
  void theKeysEvictedAreTheOnesClosestToFresh() {
    InMemoryBackend backend = backend(100);
    // Key i takes 1 to 10 tokens and is full again after that many seconds; ten keys take each
    // amount.
    for (int i = 0; i < 100; i++) {
      backend.tryAcquire(SEED, "key-" + i, cost(i));
    }
    assertThat(backend.size()).isEqualTo(100);

    assertTimeoutPreemptively(
        Duration.ofSeconds(20), () -> backend.tryAcquire(SEED, "one-more", 10));

    // Down to 90% of maxKeys: the 11 closest to fresh go, i.e. the ten 1-token keys and one 2-token
    // key.
    assertThat(backend.size()).isEqualTo(90);
    int evictedTwos = 0;
    for (int i = 0; i < 100; i++) {
      long remaining = backend.peek(SEED, "key-" + i).remaining();
      if (cost(i) == 1) {
        assertThat(remaining).as("key-%d, cost 1", i).isEqualTo(10);
      } else if (cost(i) == 2) {
        evictedTwos += remaining == 10 ? 1 : 0;
      } else {
        assertThat(remaining).as("key-%d, cost %d", i, cost(i)).isEqualTo(10 - cost(i));
      }
    }
    assertThat(evictedTwos).isEqualTo(1);
    assertThat(backend.peek(SEED, "one-more").remaining()).isZero();
  }

  private static long cost(int i) {
    return 1 + (i * 7) % 10;
  }

  @Test
  void resetForgetsOneKeyAndShrinksTheSize() {
    InMemoryBackend backend = backend(1_000);
    backend.tryAcquire(SEED, "a", 10);
    backend.tryAcquire(SEED, "b", 10);

    backend.reset(SEED, "a");

    assertThat(backend.size()).isEqualTo(1);
    assertThat(backend.peek(SEED, "a").remaining()).isEqualTo(10);
    assertThat(backend.peek(SEED, "b").remaining()).isZero();
    assertThat(backend.tryAcquire(SEED, "a", 10).allowed()).isTrue();
    backend.reset(SEED, "unknown");
    backend.reset(Policy.of("other", Limit.fixedWindow(1, Duration.ofSeconds(1))), "a");
    assertThat(backend.size()).isEqualTo(2);
  }

  @Test
  void multiLimitKeysAreSweptWhenEveryLimitIsFresh() {
    InMemoryBackend backend = backend(1_000);
    Policy policy =
        Policy.of(
            "two",
            Limit.tokenBucket(10, Rate.perSecond(10)),
            Limit.fixedWindow(100, Duration.ofMinutes(1)));
    backend.tryAcquire(policy, "a", 5);

    clock.set(59_999_999);
    backend.cleanUp();
    assertThat(backend.size()).isEqualTo(1);

    clock.set(60_000_000);
    backend.cleanUp();
    assertThat(backend.size()).isZero();
  }

  /**
   * With the clock frozen, threads drain buckets while another thread sweeps in a loop: every
   * bucket admits exactly its capacity. Between rounds the clock moves until every bucket is fresh
   * again, so that in the next round the sweeper removes keys that threads are deciding on.
   */
  @Test
  void sweepingConcurrentlyWithDecisionsNeitherLosesNorDoubleCountsAnAdmission() throws Exception {
    InMemoryBackend backend = backend(1_000_000);
    Policy policy = Policy.of("race", Limit.tokenBucket(50, Rate.perSecond(50)));
    int keys = 8;
    int threads = 4;
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong sweeps = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    try {
      Future<?> sweeper =
          pool.submit(
              () -> {
                while (!stop.get()) {
                  backend.cleanUp();
                  sweeps.incrementAndGet();
                }
              });
      for (int round = 0; round < 200; round++) {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Long>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int offset = t;
          results.add(
              pool.submit(
                  () -> {
                    start.await();
                    long admitted = 0;
                    for (int i = 0; i < 40 * keys; i++) {
                      admitted +=
                          backend.tryAcquire(policy, "key-" + ((i + offset) % keys), 1).allowed()
                              ? 1
                              : 0;
                    }
                    return admitted;
                  }));
        }
        start.countDown();
        long total = 0;
        for (Future<Long> result : results) {
          total += result.get(30, TimeUnit.SECONDS);
        }
        assertThat(total).as("round %d", round).isEqualTo(50L * keys);
        clock.advance(
            Duration.ofSeconds(1)); // every bucket is full again: fair game for the sweeper
      }
      stop.set(true);
      sweeper.get(30, TimeUnit.SECONDS);
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
    assertThat(sweeps.get()).isPositive();
    assertThat(backend.size()).isBetween(0L, (long) keys);
    backend.cleanUp();
    assertThat(backend.size()).as("no key counted twice or lost from the count").isZero();
  }

  @Test
  void concurrentInsertsBeyondMaxKeysTerminateAndEndWithinTheBound() throws Exception {
    InMemoryBackend backend = backend(500);
    int threads = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        results.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 2_500; i++) {
                    backend.tryAcquire(SEED, thread + "-" + i, 1);
                  }
                }));
      }
      for (Future<?> result : results) {
        result.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    backend.tryAcquire(SEED, "last", 1);
    assertThat(backend.size()).isLessThanOrEqualTo(500);
  }

  private static Limit limitOf(Algorithm algorithm) {
    switch (algorithm) {
      case TOKEN_BUCKET:
        return Limit.tokenBucket(5, Rate.of(5, Duration.ofSeconds(7)));
      case LEAKY_BUCKET:
        return Limit.leakyBucket(5, Rate.of(5, Duration.ofSeconds(7)));
      case FIXED_WINDOW:
        return Limit.fixedWindow(5, Duration.ofSeconds(7));
      case SLIDING_WINDOW:
        return Limit.slidingWindow(5, Duration.ofSeconds(7));
      default:
        return Limit.slidingLog(5, Duration.ofSeconds(7));
    }
  }
}

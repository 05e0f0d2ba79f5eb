package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.Rate;
import dev.sluice.RateLimiter;
import dev.sluice.testkit.RedisExtension;
import dev.sluice.testkit.RedisNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Waiting acquires from two limiters (two instances) of 8 threads each, on one key of a real Redis,
 * on the system clock: the bucket admits at most its bound over the run, and no acquire waits past
 * its budget (plus the store's answer). The admitted share and the waits are reported, not
 * asserted.
 */
class WaitingAcquireIT {

  @RegisterExtension static final RedisExtension<RedisNode> REDIS = RedisExtension.single();

  private static final Policy POLICY =
      Policy.of("waiting", Limit.tokenBucket(5, Rate.perSecond(50)));
  private static final Duration MAX_WAIT = Duration.ofMillis(300);
  private static final long RUN_NANOS = 2_000_000_000L;

  @ParameterizedTest
  @EnumSource(RedisBackend.Mode.class)
  void waitersOnTwoInstancesNeverTakeMoreThanTheBucketGives(RedisBackend.Mode mode)
      throws Exception {
    List<RateLimiter> instances = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      instances.add(
          RateLimiter.builder()
              .policy(POLICY)
              .backend(
                  RedisBackend.builder()
                      .uri(REDIS.get().uri())
                      .mode(mode)
                      .timeout(Duration.ofSeconds(5))
                      .build())
              .build());
    }
    instances.get(0).reset("hot", "waiting");
    AtomicLong admitted = new AtomicLong();
    AtomicLong denied = new AtomicLong();
    AtomicLong longestNanos = new AtomicLong();
    AtomicLong overBudget = new AtomicLong();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    long[] window = new long[2];
    for (int t = 0; t < 16; t++) {
      RateLimiter limiter = instances.get(t % 2);
      Thread thread =
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  return;
                }
                while (System.nanoTime() - window[0] < RUN_NANOS) {
                  long start = System.nanoTime();
                  Decision decision = limiter.acquire("hot", "waiting", 1, MAX_WAIT);
                  long took = System.nanoTime() - start;
                  longestNanos.accumulateAndGet(took, Math::max);
                  if (decision.allowed()) {
                    admitted.incrementAndGet();
                  } else {
                    denied.incrementAndGet();
                    // A denial is answered when the next try would be past the budget: it never
                    // comes later than the budget plus one more answer from the store.
                    if (took > MAX_WAIT.toNanos() + Duration.ofSeconds(5).toNanos()) {
                      overBudget.incrementAndGet();
                    }
                  }
                }
              },
              "waiter-" + t);
      threads.add(thread);
      thread.start();
    }
    window[0] = System.nanoTime();
    go.countDown();
    for (Thread thread : threads) {
      thread.join(60_000);
    }
    window[1] = System.nanoTime();
    for (RateLimiter limiter : instances) {
      limiter.close();
    }
    double seconds = (window[1] - window[0]) / 1e9;
    double bound = 5 + 50 * seconds;
    System.out.printf(
        "waiting acquire, %s: %d admitted (bound %.1f, %.1f%%), %d denied, longest call %.0f ms%n",
        mode,
        admitted.get(),
        bound,
        100 * admitted.get() / bound,
        denied.get(),
        longestNanos.get() / 1e6);
    assertThat((double) admitted.get()).as("admitted within the bound").isLessThanOrEqualTo(bound);
    assertThat(admitted.get()).as("waiters do get tokens").isPositive();
    assertThat(overBudget.get()).as("denials that came back past the budget").isZero();
  }
}

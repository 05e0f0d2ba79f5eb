package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.RateLimiter;
import dev.sluice.testkit.RedisExtension;
import dev.sluice.testkit.RedisNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A concurrency limit shared through one real Redis by two backends (two connections, as two
 * instances have), each with 32 threads that take a permit, hold it a random few milliseconds and
 * release it: the number in flight, counted by the test itself between a grant and its release,
 * never exceeds the limit. And permits whose holders died (never released) come back when their
 * lease ends.
 */
class ConcurrencyIT {

  @RegisterExtension static final RedisExtension<RedisNode> REDIS = RedisExtension.single();

  private static final int MAX = 10;
  private static final int THREADS_PER_INSTANCE = 32;

  private static RedisBackend backend(RedisBackend.Mode mode) {
    return RedisBackend.builder()
        .uri(REDIS.get().uri())
        .mode(mode)
        .timeout(Duration.ofSeconds(2))
        .build();
  }

  @ParameterizedTest
  @EnumSource(RedisBackend.Mode.class)
  void twoInstancesNeverHaveMoreThanTheLimitInFlight(RedisBackend.Mode mode) throws Exception {
    Policy policy =
        Policy.of(
            "flight-" + mode, Limit.concurrency(MAX, Duration.ofSeconds(30), Duration.ofMillis(1)));
    try (RedisBackend first = backend(mode);
        RedisBackend second = backend(mode)) {
      List<RateLimiter> instances =
          List.of(
              RateLimiter.builder().policy(policy).backend(first).build(),
              RateLimiter.builder().policy(policy).backend(second).build());
      AtomicInteger inFlight = new AtomicInteger();
      AtomicInteger highest = new AtomicInteger();
      AtomicLong granted = new AtomicLong();
      AtomicLong denied = new AtomicLong();
      AtomicLong errors = new AtomicLong();
      AtomicLong samples = new AtomicLong();
      AtomicLong sampledSum = new AtomicLong();
      long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 2 * THREADS_PER_INSTANCE; t++) {
        RateLimiter limiter = instances.get(t % 2);
        Thread thread =
            new Thread(
                () -> {
                  try {
                    start.await();
                    while (System.nanoTime() < deadline) {
                      Decision decision;
                      try {
                        decision = limiter.tryAcquire("hot", policy.name(), 1);
                      } catch (RuntimeException e) {
                        errors.incrementAndGet();
                        continue;
                      }
                      if (!decision.allowed()) {
                        denied.incrementAndGet();
                        Thread.sleep(1);
                        continue;
                      }
                      granted.incrementAndGet();
                      int now = inFlight.incrementAndGet();
                      highest.accumulateAndGet(now, Math::max);
                      samples.incrementAndGet();
                      sampledSum.addAndGet(now);
                      Thread.sleep(1 + ThreadLocalRandom.current().nextInt(5));
                      // Counted out before the release: the count never lags a permit that is free.
                      inFlight.decrementAndGet();
                      limiter.release("hot", policy.name(), decision.permit());
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "holder-" + t);
        threads.add(thread);
        thread.start();
      }
      start.countDown();
      for (Thread thread : threads) {
        thread.join();
      }
      System.out.printf(
          "%s: %d granted, %d denied, most in flight %d of %d, mean at a grant %.2f%n",
          mode,
          granted.get(),
          denied.get(),
          highest.get(),
          MAX,
          (double) sampledSum.get() / Math.max(1, samples.get()));
      assertThat(errors.get()).as("failed calls").isZero();
      assertThat(granted.get()).as("the limit admits").isPositive();
      assertThat(highest.get()).as("in flight at any moment").isLessThanOrEqualTo(MAX);
      assertThat(instances.get(0).peek("hot", policy.name()).remaining())
          .as("every permit released")
          .isEqualTo(MAX);
    }
  }

  @ParameterizedTest
  @EnumSource(RedisBackend.Mode.class)
  void permitsOfHoldersThatDiedComeBackWhenTheirLeaseEnds(RedisBackend.Mode mode) throws Exception {
    Policy policy = Policy.of("dead-" + mode, Limit.concurrency(3, Duration.ofMillis(300)));
    RedisBackend dying = backend(mode);
    try (RedisBackend survivor = backend(mode)) {
      RateLimiter holder = RateLimiter.builder().policy(policy).backend(dying).build();
      for (int i = 0; i < 3; i++) {
        assertThat(holder.tryAcquire("k", policy.name(), 1).allowed()).isTrue();
      }
      dying.close(); // the holder dies without releasing
      RateLimiter other = RateLimiter.builder().policy(policy).backend(survivor).build();
      Decision blocked = other.tryAcquire("k", policy.name(), 1);
      assertThat(blocked.allowed()).isFalse();
      Thread.sleep(blocked.resetAfter().toMillis() + 50);
      for (int i = 0; i < 3; i++) {
        assertThat(other.tryAcquire("k", policy.name(), 1).allowed())
            .as("the leases ended")
            .isTrue();
      }
    }
  }
}

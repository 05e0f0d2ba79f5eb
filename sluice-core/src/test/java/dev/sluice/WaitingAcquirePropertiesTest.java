package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.internal.algorithm.LimitArbitraries;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Waiting acquires on random token buckets, with random waits and costs, on a manual clock that the
 * waits move: over the whole timeline the bucket admits at most its bound, capacity + rate x
 * elapsed (exactly, in integers); no acquire waits longer than it was allowed to; and every denial
 * came back because the wait it names would have gone past its budget.
 */
class WaitingAcquirePropertiesTest {

  @Provide
  Arbitrary<Limit> buckets() {
    return LimitArbitraries.tokenBuckets()
        .filter(limit -> limit.capacity() <= 1_000)
        .filter(limit -> ((Limit.TokenBucket) limit).refill().period().toSeconds() <= 3_600);
  }

  @Provide
  Arbitrary<List<long[]>> calls() {
    return Arbitraries.longs()
        .between(0, 10_000_000)
        .list()
        .ofSize(2)
        .map(pair -> new long[] {pair.get(0), pair.get(1)})
        .list()
        .ofMinSize(1)
        .ofMaxSize(60);
  }

  @Property(tries = 300)
  void waitingNeverAdmitsAboveTheBound(
      @ForAll("buckets") Limit limit, @ForAll("calls") List<long[]> calls) {
    Limit.TokenBucket bucket = (Limit.TokenBucket) limit;
    ManualTimeSource clock = new ManualTimeSource(1_000_000_000_000L);
    RateLimiter limiter = RateLimiter.builder().limits(limit).timeSource(clock).build();
    long start = clock.nowMicros();
    long admitted = 0;
    for (long[] call : calls) {
      long cost = 1 + call[0] % bucket.capacity();
      long maxWait = call[1];
      long before = clock.nowMicros();
      Decision decision = limiter.acquire("k", null, cost, Duration.ofNanos(maxWait * 1_000));
      long waited = clock.nowMicros() - before;
      assertThat(waited).as("waited within its budget").isLessThanOrEqualTo(maxWait);
      if (decision.allowed()) {
        admitted += cost;
      } else {
        assertThat(waited + Math.max(1_000, decision.retryAfterMicros()))
            .as("a denial comes back only when the next try would be past the budget")
            .isGreaterThan(maxWait);
      }
      long elapsed = clock.nowMicros() - start;
      long periodMicros = bucket.refill().period().toNanos() / 1_000;
      // admitted <= capacity + tokens * elapsed / period, compared without rounding
      assertThat(
              BigInteger.valueOf(admitted - bucket.capacity())
                  .multiply(BigInteger.valueOf(periodMicros)))
          .as(
              "admitted %d of capacity %d after %d us at %s",
              admitted, bucket.capacity(), elapsed, bucket.refill())
          .isLessThanOrEqualTo(
              BigInteger.valueOf(bucket.refill().tokens()).multiply(BigInteger.valueOf(elapsed)));
      clock.advanceMicros(call[1] % 7_919);
    }
  }
}

package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.BackendException;
import dev.sluice.Decision;
import dev.sluice.InMemoryBackend;
import dev.sluice.Limit;
import dev.sluice.ManualTimeSource;
import dev.sluice.Policy;
import dev.sluice.PolicyRegistry;
import dev.sluice.Rate;
import dev.sluice.RateLimiter;
import dev.sluice.ValidationException;
import dev.sluice.testkit.Poll;
import dev.sluice.testkit.RedisExtension;
import dev.sluice.testkit.RedisNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The hybrid's lease path as timelines on a manual clock (shared by Redis, through the client
 * clock, and by the hybrid's local clock), on a real Redis. The bucket is the benchmark's: capacity
 * 1000, refill 1000/s, so one token is 1 ms; the largest lease is 5% of it, 50 tokens; a key is hot
 * from 4 requests per lease horizon of 200 ms.
 */
class HybridLeaseIT {

  @RegisterExtension static final RedisExtension<RedisNode> REDIS = RedisExtension.single();

  static final long START = 1_699_995_600_000_000L;
  static final Policy HOT = Policy.of("hot", Limit.tokenBucket(1000, Rate.perSecond(1000)));

  private final ManualTimeSource clock = new ManualTimeSource(START);
  private final List<HybridBackend> opened = new ArrayList<>();
  private String prefix;

  @BeforeEach
  void prefix() {
    prefix = "lease-" + Long.toHexString(System.nanoTime()) + ":";
  }

  @AfterEach
  void close() {
    opened.forEach(HybridBackend::close);
  }

  private RedisBackend redis(Duration timeout) {
    return RedisBackend.builder()
        .uri(REDIS.get().uri())
        .clientClock(clock)
        .minimumTtl(Duration.ofHours(1))
        .timeout(timeout)
        .keyPrefix(prefix)
        .build();
  }

  private HybridBackend hybrid() {
    return hybrid(HybridBackend.builder(redis(Duration.ofSeconds(2))));
  }

  /**
   * A backend without prefetching, so that each timeline pins the request-driven lease sequence.
   */
  private HybridBackend hybrid(HybridBackend.Builder builder) {
    HybridBackend backend =
        builder.timeSource(clock).sweepInterval(Duration.ZERO).prefetch(false).build();
    opened.add(backend);
    return backend;
  }

  private static RateLimiter limiter(HybridBackend backend, Policy... policies) {
    return RateLimiter.builder()
        .backend(backend)
        .policies(PolicyRegistry.of(policies.length == 0 ? new Policy[] {HOT} : policies))
        .build();
  }

  private RateLimiter reference(Policy... policies) {
    return RateLimiter.builder()
        .backend(InMemoryBackend.builder().timeSource(clock).build())
        .policies(PolicyRegistry.of(policies.length == 0 ? new Policy[] {HOT} : policies))
        .build();
  }

  /**
   * Prefetching: a hot key's lease is topped up in the background when it falls below a quarter of
   * a batch, so requests paced slower than a round trip find tokens and are answered at once;
   * without it, every request that empties the lease waits for the call it makes. Requests come
   * every millisecond on the manual clock and in real time, far apart compared with a loopback
   * round trip.
   */
  @Test
  void prefetchingAnswersPacedRequestsAtOnceWhereWaitingForEachLeaseDoesNot()
      throws InterruptedException {
    // Without prefetching every call to Redis is made by a request, which waits for it: counted
    // from the backend's calls, not by looking at the future (a call may finish before the look).
    HybridBackend requestDriven = hybrid();
    waited(requestDriven);
    HybridStats calls = requestDriven.stats();
    long waitedWithout = calls.delegatedDecisions() + calls.leaseCalls();
    HybridBackend prefetching =
        HybridBackend.builder(redis(Duration.ofSeconds(2)))
            .timeSource(clock)
            .sweepInterval(Duration.ZERO)
            .build();
    opened.add(prefetching);
    int waitedWith = waited(prefetching);
    assertThat(waitedWithout)
        .as("one wait per lease without prefetching")
        .isGreaterThanOrEqualTo(5);
    assertThat((long) waitedWith).as("waits with prefetching").isLessThan(waitedWithout);
  }

  /**
   * Requests 300 tokens one per millisecond from a fresh key; how many were not answered at once.
   */
  private int waited(HybridBackend backend) throws InterruptedException {
    RateLimiter limiter = limiter(backend);
    String key = "paced-" + Long.toHexString(System.nanoTime());
    int waited = 0;
    for (int i = 0; i < 300; i++) {
      clock.advanceMicros(1_000);
      CompletableFuture<Decision> decision =
          limiter.tryAcquireAsync(key, "hot", 1).toCompletableFuture();
      if (!decision.isDone()) {
        waited++;
      }
      assertThat(decision.join().allowed()).as("request %d", i).isTrue();
      Thread.sleep(1);
    }
    return waited;
  }

  @Test
  void aHotKeyLeasesInGrowingBatchesAndDecidesTheRestLocally() {
    HybridBackend backend = hybrid();
    RateLimiter limiter = limiter(backend);

    // 1,000 requests at one instant: every one admitted, with the exact remaining of one bucket.
    for (int i = 0; i < 1000; i++) {
      Decision d = limiter.tryAcquire("k", "hot", 1);
      assertThat(d.allowed()).as("request %d", i + 1).isTrue();
      assertThat(d.remaining()).as("request %d", i + 1).isEqualTo(999 - i);
    }
    HybridStats stats = backend.stats();
    // 3 requests below the hot threshold go to acquire.lua; then leases of 4, 8, 16, 32 (the demand
    // so far), then 50 (the cap): 3 + 60 + 18 x 50 = 963, and a last lease of 37 of the 50 asked,
    // which leaves the key starved: no call until a full batch of 50 is back, 50 ms later.
    assertThat(stats.delegatedDecisions()).isEqualTo(3);
    assertThat(stats.leaseCalls()).isEqualTo(4 + 19);
    assertThat(stats.tokensLeased()).isEqualTo(997);
    assertThat(stats.localDecisions()).isEqualTo(1000 - 3 - 23);
    assertThat(stats.redisCalls())
        .as("Lua mode would have made 1000")
        .isLessThanOrEqualTo(1000 / 25);

    // Empty: denied locally until the batch is back.
    Decision denied = limiter.tryAcquire("k", "hot", 1);
    assertThat(denied)
        .isEqualTo(new Decision("hot", false, 1000, 0, 50_000, 1_000_000, Decision.Source.LEASE));
    long calls = backend.redisCalls();
    for (int i = 0; i < 100; i++) {
      assertThat(limiter.tryAcquire("k", "hot", 1).retryAfterMicros()).isEqualTo(50_000);
    }
    clock.advanceMicros(49_999);
    Decision almost = limiter.tryAcquire("k", "hot", 1);
    assertThat(almost.allowed()).isFalse();
    assertThat(almost.retryAfterMicros()).isEqualTo(1);
    assertThat(almost.remaining())
        .as("the bucket refilled 49 tokens since the last call")
        .isEqualTo(49);
    assertThat(backend.redisCalls()).as("local denials make no call").isEqualTo(calls);

    clock.advanceMicros(1);
    Decision batch = limiter.tryAcquire("k", "hot", 1);
    assertThat(batch)
        .isEqualTo(new Decision("hot", true, 1000, 49, 0, 951_000, Decision.Source.LEASE));
    assertThat(backend.redisCalls()).isEqualTo(calls + 1);
    for (int i = 0; i < 49; i++) {
      assertThat(limiter.tryAcquire("k", "hot", 1).allowed()).isTrue();
    }
    assertThat(backend.redisCalls()).isEqualTo(calls + 1);
    assertThat(limiter.tryAcquire("k", "hot", 1).retryAfterMicros()).isEqualTo(50_000);
  }

  @Test
  void leasesGivenBackLeaveTheBucketAsIfTheyHadNeverBeenTakenAndTheKeyDecidesAsLuaAgain() {
    HybridBackend backend = hybrid();
    RateLimiter hybrid = limiter(backend);
    RateLimiter reference = reference();
    for (int i = 0; i < 500; i++) {
      // Equal but for the source: a leased decision says LEASE.
      assertThat(hybrid.tryAcquire("k", "hot", 1).withSource(Decision.Source.BACKEND))
          .isEqualTo(reference.tryAcquire("k", "hot", 1));
    }
    // Leases of 4, 8, 16, 32, then 50s: the one taken at request 464 still holds 13 tokens.
    assertThat(backend.stats().tokensLeased()).isEqualTo(510);

    clock.advance(Duration.ofMillis(399));
    backend.cleanUp();
    assertThat(backend.stats().returnCalls())
        .as("a lease younger than two horizons is kept")
        .isZero();
    clock.advance(Duration.ofMillis(1));
    backend.cleanUp();
    await(() -> backend.stats().tokensReturned() == 13, "the 13 tokens given back");

    assertThat(hybrid.peek("k", "hot")).isEqualTo(reference.peek("k", "hot"));
    long leases = backend.stats().leaseCalls();
    for (int i = 0; i < 300; i++) {
      clock.advance(Duration.ofMillis(i % 7 == 0 ? 1 : 150));
      long cost = 1 + i % 5;
      assertThat(hybrid.tryAcquire("k", "hot", cost))
          .as("request %d", i)
          .isEqualTo(reference.tryAcquire("k", "hot", cost));
    }
    assertThat(backend.stats().leaseCalls()).as("the key is cold again").isEqualTo(leases);
  }

  @Test
  void twoInstancesNeverAdmitMoreThanTheBucketHandsOutAndAnIdleLeaseAddsAtMostItselfToABurst() {
    HybridBackend first = hybrid();
    HybridBackend second = hybrid();
    List<RateLimiter> instances = List.of(limiter(first), limiter(second));
    long admitted = 0;
    for (int i = 0; i < 3000; i++) {
      admitted += instances.get(i % 2).tryAcquire("k", "hot", 1).allowed() ? 1 : 0;
    }
    assertThat(admitted).isEqualTo(1000);

    // A second later (the bucket full again) the first instance makes 40 requests: 3 by
    // acquire.lua,
    // the rest from leases of 4, 8, 16 and 32, of which it still holds 23; then it stops. The
    // second
    // drains what the bucket has left.
    clock.advance(Duration.ofSeconds(1));
    HybridStats before = first.stats();
    long firstAdmitted = 0;
    for (int i = 0; i < 40; i++) {
      firstAdmitted += instances.get(0).tryAcquire("k", "hot", 1).allowed() ? 1 : 0;
    }
    HybridStats after = first.stats();
    long held =
        (after.tokensLeased() - before.tokensLeased())
            - (firstAdmitted - (after.delegatedDecisions() - before.delegatedDecisions()));
    assertThat(held).isEqualTo(23);
    long burst = firstAdmitted;
    while (instances.get(1).tryAcquire("k", "hot", 1).allowed()) {
      burst++;
    }
    assertThat(burst + held).as("nothing over the bucket while no time passes").isEqualTo(1000);

    // One second later the bucket is full again and the idle lease is still held: the burst of the
    // next instant exceeds the capacity by exactly what was held, the bound of the error formula.
    clock.advance(Duration.ofSeconds(1));
    long next = 0;
    while (instances.get(0).tryAcquire("k", "hot", 1).allowed()) {
      next++;
    }
    while (instances.get(1).tryAcquire("k", "hot", 1).allowed()) {
      next++;
    }
    assertThat(next).isEqualTo(1000 + held);
  }

  @Test
  void concurrentSyncAndAsyncRequestsOnTwoInstancesNeverAdmitMoreThanTheCapacity()
      throws Exception {
    List<RateLimiter> instances = List.of(limiter(hybrid()), limiter(hybrid()));
    AtomicLong admitted = new AtomicLong();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      RateLimiter limiter = instances.get(t % 2);
      boolean async = t % 4 >= 2;
      Thread thread =
          new Thread(
              () -> {
                try {
                  start.await();
                  for (int i = 0; i < 400; i++) {
                    boolean allowed =
                        async
                            ? limiter
                                .tryAcquireAsync("k", "hot", 1 + i % 3)
                                .toCompletableFuture()
                                .get(5, TimeUnit.SECONDS)
                                .allowed()
                            : limiter.tryAcquire("k", "hot", 1 + i % 3).allowed();
                    if (allowed) {
                      admitted.addAndGet(1 + i % 3);
                    }
                  }
                } catch (Exception e) {
                  throw new AssertionError(e);
                }
              });
      threads.add(thread);
      thread.start();
    }
    start.countDown();
    for (Thread thread : threads) {
      thread.join();
    }
    // Nothing refills (the clock stands still): the tokens admitted plus those still leased are the
    // 1,000 of the bucket, and the bucket is empty.
    long leased = 0;
    for (HybridBackend backend : opened) {
      leased += backend.stats().tokensLeased();
    }
    RateLimiter lua =
        RateLimiter.builder().policy(HOT).backend(redis(Duration.ofSeconds(2))).build();
    // Each instance can be left holding less than the largest cost, 3.
    assertThat(admitted.get()).isLessThanOrEqualTo(1000).isGreaterThanOrEqualTo(1000 - 2 * 2);
    assertThat(lua.peek("k", "hot").remaining()).isZero();
    lua.close();
    assertThat(leased).isGreaterThan(900);
  }

  @Test
  void closingGivesBackEveryLease() {
    HybridBackend backend = hybrid();
    RateLimiter limiter = limiter(backend);
    for (int i = 0; i < 10; i++) {
      limiter.tryAcquire("k", "hot", 1);
    }
    // Leases of 4 and 8 after 3 Lua decisions: 5 tokens still held.
    assertThat(backend.stats().tokensLeased()).isEqualTo(12);
    backend.close();
    assertThat(backend.stats().tokensReturned()).isEqualTo(5);
    try (RedisBackend lua = redis(Duration.ofSeconds(2))) {
      assertThat(lua.peek(HOT, "k").remaining()).isEqualTo(990);
    }
  }

  @Test
  void resetForgetsTheBucketAndTheLocalLease() {
    HybridBackend backend = hybrid();
    RateLimiter limiter = limiter(backend);
    for (int i = 0; i < 600; i++) {
      limiter.tryAcquire("k", "hot", 1);
    }
    limiter.reset("k", "hot");
    assertThat(limiter.peek("k", "hot")).isEqualTo(new Decision("hot", true, 1000, 1000, 0, 0));
    Decision next = limiter.tryAcquire("k", "hot", 1);
    assertThat(next.remaining()).isEqualTo(999);
  }

  @Test
  void aPeekCountsTheLeaseAndTheLocalDenial() {
    HybridBackend backend = hybrid();
    RateLimiter limiter = limiter(backend);
    for (int i = 0; i < 10; i++) {
      limiter.tryAcquire("k", "hot", 1);
    }
    assertThat(limiter.peek("k", "hot")).isEqualTo(new Decision("hot", true, 1000, 990, 0, 10_000));
    while (limiter.tryAcquire("k", "hot", 1).allowed()) {
      // drain
    }
    assertThat(limiter.peek("k", "hot"))
        .isEqualTo(new Decision("hot", false, 1000, 0, 50_000, 1_000_000));
  }

  @Test
  void policiesThatCannotOrMayNotLeaseAreDecidedByTheWrappedBackendExactly() {
    Policy small = Policy.of("small", Limit.tokenBucket(39, Rate.perSecond(1000)));
    Policy window = Policy.of("window", Limit.fixedWindow(1000, Duration.ofSeconds(1)));
    Policy multi =
        Policy.of(
            "multi",
            Limit.tokenBucket(1000, Rate.perSecond(1000)),
            Limit.tokenBucket(5000, Rate.perMinute(5000)));
    Policy other = Policy.of("other", Limit.tokenBucket(1000, Rate.perSecond(1000)));
    HybridBackend backend =
        hybrid(
            HybridBackend.builder(redis(Duration.ofSeconds(2)))
                .policies(Set.of("hot", "small", "window", "multi")));
    RateLimiter hybrid = limiter(backend, small, window, multi, other);
    RateLimiter reference = reference(small, window, multi, other);
    for (Policy policy : List.of(small, window, multi, other)) {
      for (int i = 0; i < 100; i++) {
        assertThat(hybrid.tryAcquire("k", policy.name(), 1 + i % 4))
            .as("%s request %d", policy.name(), i)
            .isEqualTo(reference.tryAcquire("k", policy.name(), 1 + i % 4));
      }
    }
    assertThat(backend.stats().leaseCalls()).isZero();
    assertThat(backend.stats().delegatedDecisions()).isEqualTo(400);
    assertThat(backend.size()).as("nothing tracked locally").isZero();
  }

  @Test
  void aStalledRedisNeverBlocksTheAsyncPathAndFailsWithinTheDeadline() throws Exception {
    HybridBackend backend = hybrid(HybridBackend.builder(redis(Duration.ofMillis(300))));
    RateLimiter limiter = limiter(backend);
    for (int i = 0; i < 10; i++) {
      limiter.tryAcquire("k", "hot", 1);
    }
    REDIS.get().pause();
    try {
      long begin = System.nanoTime();
      CompletableFuture<Decision> first =
          limiter.tryAcquireAsync("k", "hot", 20).toCompletableFuture();
      CompletableFuture<Decision> joined =
          limiter.tryAcquireAsync("k", "hot", 20).toCompletableFuture();
      assertThat((System.nanoTime() - begin) / 1_000_000)
          .as("ms to return the stages")
          .isLessThan(100);
      assertThat(first).isNotDone();
      assertThat(joined).isNotDone();
      assertThatThrownBy(() -> first.get(2, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class);
      assertThatThrownBy(() -> joined.get(2, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class);
      begin = System.nanoTime();
      assertThatThrownBy(() -> limiter.tryAcquire("k", "hot", 20))
          .isInstanceOf(BackendException.class);
      assertThat((System.nanoTime() - begin) / 1_000_000).as("ms to fail").isLessThan(1_000);
    } finally {
      REDIS.get().resume();
    }
    // The 5 tokens set aside for the failed call are held again.
    assertThat(limiter.tryAcquire("k", "hot", 4).allowed()).isTrue();
  }

  @Test
  void invalidSettingsAreRejectedWithTheirName() {
    try (RedisBackend transaction =
        RedisBackend.builder().uri(REDIS.get().uri()).mode(RedisBackend.Mode.TRANSACTION).build()) {
      assertThatThrownBy(() -> HybridBackend.builder(transaction))
          .hasMessage("redis must be in LUA mode (leases are taken by a script): TRANSACTION");
    }
    assertThatThrownBy(() -> HybridBackend.builder(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("redis must not be null");
    try (RedisBackend lua = redis(Duration.ofSeconds(1))) {
      HybridBackend.Builder builder = HybridBackend.builder(lua);
      assertThatThrownBy(() -> builder.leaseHorizon(Duration.ZERO))
          .isInstanceOf(ValidationException.class)
          .hasMessage("leaseHorizon must be between 1ms and 10s: 0s");
      assertThatThrownBy(() -> builder.maxLeaseFraction(0))
          .hasMessage("maxLeaseFraction must be above 0 and at most 1: 0.0");
      assertThatThrownBy(() -> builder.maxLeaseFraction(Double.NaN))
          .hasMessage("maxLeaseFraction must be above 0 and at most 1: NaN");
      assertThatThrownBy(() -> builder.hotThreshold(0))
          .hasMessage("hotThreshold must be between 1 and 1000000: 0");
      assertThatThrownBy(() -> builder.sweepInterval(Duration.ofNanos(1)))
          .hasMessage("sweepInterval must be 0 or between 1ms and 10s: PT0.000000001S");
      assertThatThrownBy(() -> builder.maxKeys(0))
          .hasMessage("maxKeys must be between 1 and 2147483648: 0");
      assertThatThrownBy(() -> builder.timeSource(null)).hasMessage("timeSource must not be null");
      assertThatThrownBy(() -> builder.policies((Set<String>) null))
          .hasMessage("policies must not be null");
    }
  }

  private static void await(Poll.Condition condition, String what) {
    Poll.until(Duration.ofSeconds(5), what, condition);
  }
}

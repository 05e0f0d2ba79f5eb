package dev.sluice.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.Acquire;
import dev.sluice.Algorithm;
import dev.sluice.Backend;
import dev.sluice.CalendarUnit;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.ManualTimeSource;
import dev.sluice.Policy;
import dev.sluice.PolicyRegistry;
import dev.sluice.Rate;
import dev.sluice.RateLimiter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The behaviour every {@link Backend} must have, written once and run for every algorithm on every
 * backend: each test is parameterised over the five {@link Algorithm}s and drives the backend
 * through a {@link RateLimiter} on a {@link ManualTimeSource}, so that it reads as a timeline.
 *
 * <h2>How to run it for a backend</h2>
 *
 * <pre>{@code
 * class RedisBackendBehaviourTest extends BackendBehaviourSuite {
 *   @Override
 *   protected Backend createBackend(ManualTimeSource clock) {
 *     return RedisBackend.builder().uri(redis.uri()).clientClock(clock).build();   // the clock is required
 *   }
 *
 *   @Override
 *   protected boolean supports(Algorithm algorithm) {
 *     return true;   // return false to skip an algorithm: its tests are reported as skipped, not passed
 *   }
 * }
 * }</pre>
 *
 * <p>The module needs, in test scope: {@code dev.sluice:sluice-core} with {@code
 * <type>test-jar</type>} (this class and {@link ReferenceLimiter}, both in {@code dev.sluice.tck}),
 * {@code org.junit.jupiter:junit-jupiter} (API and params) and {@code org.assertj:assertj-core};
 * the parent pom puts the last two in every module. Nothing else from the test-jar is needed, and
 * the suite has no other dependency (no jqwik).
 *
 * <h2>What the backend must do</h2>
 *
 * <ul>
 *   <li>Read the time only from the {@link ManualTimeSource} given to {@link #createBackend}
 *       (microseconds); the suite moves it forwards and backwards. The clock starts at {@link
 *       #START_MICROS}, a multiple of one hour, so that aligned windows start there.
 *   <li>Give the same decisions, field by field, as the reference models ({@link
 *       ReferenceLimiter}).
 *   <li>Be safe when called from several threads at once on one key.
 *   <li>Not lose state on its own clock: a store that expires keys in real time (a Redis TTL) while
 *       the manual clock stands still would forget buckets the models still hold. Give such a
 *       backend a minimum expiry of a minute or more for this suite.
 * </ul>
 *
 * <p>A backend is created lazily for each test and closed after it. Every test uses policy names
 * made unique by a random run id, so a backend whose store outlives one test (a Redis server) needs
 * no flushing between tests or runs; the store must only keep the policy name in the stored key.
 *
 * <p>Unless a test says otherwise, its limit is {@link #limitOf limitOf(algorithm, 10, 10 s)}: a
 * bucket of 10 that refills completely in 10 s (1 token/s: the seed's) or 10 requests per 10 s
 * window. Drained at {@code START_MICROS}, the algorithms differ only in when they admit again; the
 * table is in {@link #retryAfterWhenDrained}, {@link #admittedAtRetry} and {@link
 * #resetWhenDrained}.
 */
public abstract class BackendBehaviourSuite {

  /** The manual clock's first reading: 2023-11-14T21:00:00Z in microseconds, a multiple of 1 h. */
  protected static final long START_MICROS = 1_699_995_600_000_000L;

  private static final Duration TEN_SECONDS = Duration.ofSeconds(10);

  /** Makes policy names unique to one test (JUnit makes an instance per test) and one run. */
  private final String run = Long.toHexString(new Random().nextLong() & 0xffff_ffffL);

  private ManualTimeSource clock;
  private Backend backend;

  /**
   * Creates the backend under test, reading the time from {@code clock} only.
   *
   * @param clock the manual clock the suite moves
   * @return a new backend; the suite closes it after the test
   */
  protected abstract Backend createBackend(ManualTimeSource clock);

  /**
   * Whether the backend implements an algorithm; tests of the others are skipped (and reported so).
   *
   * @param algorithm the algorithm
   * @return true by default
   */
  protected boolean supports(Algorithm algorithm) {
    return true;
  }

  @BeforeEach
  void startClock() {
    clock = new ManualTimeSource(START_MICROS);
  }

  @AfterEach
  void closeBackend() {
    if (backend != null) {
      backend.close();
      backend = null;
    }
  }

  /**
   * A limit of {@code capacity} that comes back completely in {@code window}: a token or leaky
   * bucket refilled (drained) at {@code capacity} per {@code window}, or {@code capacity} per
   * window.
   *
   * @param algorithm the algorithm
   * @param capacity the capacity or limit
   * @param window the refill time or window
   * @return the limit
   */
  protected static Limit limitOf(Algorithm algorithm, long capacity, Duration window) {
    switch (algorithm) {
      case TOKEN_BUCKET:
        return Limit.tokenBucket(capacity, Rate.of(capacity, window));
      case LEAKY_BUCKET:
        return Limit.leakyBucket(capacity, Rate.of(capacity, window));
      case FIXED_WINDOW:
        return Limit.fixedWindow(capacity, window);
      case SLIDING_WINDOW:
        return Limit.slidingWindow(capacity, window);
      case SLIDING_LOG:
        return Limit.slidingLog(capacity, window);
      default:
        throw new AssertionError(algorithm);
    }
  }

  /**
   * The retryAfter of a cost-1 request when a {@code limitOf(algorithm, 10, 10 s)} was drained at
   * {@code START_MICROS}: a bucket refills one token per second; a fixed window and a sliding log
   * wait for the 10 s to pass; the sliding window counter also waits until the previous window's
   * weight has dropped to 90% (9 of 10), one more second.
   *
   * @param algorithm the algorithm
   * @return the wait
   */
  protected static Duration retryAfterWhenDrained(Algorithm algorithm) {
    switch (algorithm) {
      case TOKEN_BUCKET:
      case LEAKY_BUCKET:
        return Duration.ofSeconds(1);
      case FIXED_WINDOW:
      case SLIDING_LOG:
        return Duration.ofSeconds(10);
      case SLIDING_WINDOW:
        return Duration.ofSeconds(11);
      default:
        throw new AssertionError(algorithm);
    }
  }

  /**
   * How many cost-1 requests are admitted at the instant {@link #retryAfterWhenDrained} has passed.
   *
   * @param algorithm the algorithm
   * @return the count
   */
  protected static int admittedAtRetry(Algorithm algorithm) {
    switch (algorithm) {
      case TOKEN_BUCKET:
      case LEAKY_BUCKET:
      case SLIDING_WINDOW:
        return 1;
      case FIXED_WINDOW:
      case SLIDING_LOG:
        return 10;
      default:
        throw new AssertionError(algorithm);
    }
  }

  /**
   * The resetAfter once a {@code limitOf(algorithm, 10, 10 s)} was drained at {@code START_MICROS}:
   * 10 s, except for the sliding window counter, whose window still weighs until 20 s.
   *
   * @param algorithm the algorithm
   * @return the time until the key is fresh again
   */
  protected static Duration resetWhenDrained(Algorithm algorithm) {
    return algorithm == Algorithm.SLIDING_WINDOW ? Duration.ofSeconds(20) : TEN_SECONDS;
  }

  // ---------------------------------------------------------------------------------------------

  @ParameterizedTest
  @RateAlgorithms
  void seedExampleTenAllowedThenTwoDeniedThenAdmitsAgainWhenRetryAfterHasPassed(
      Algorithm algorithm) {
    Subject limiter = subject(algorithm, "seed", limitOf(algorithm, 10, TEN_SECONDS));

    List<Decision> decisions = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      decisions.add(limiter.tryAcquire("user123"));
    }

    assertThat(decisions)
        .extracting(Decision::allowed)
        .containsExactly(true, true, true, true, true, true, true, true, true, true, false, false);
    assertThat(decisions)
        .extracting(Decision::remaining)
        .containsExactly(9L, 8L, 7L, 6L, 5L, 4L, 3L, 2L, 1L, 0L, 0L, 0L);
    assertThat(decisions).extracting(Decision::limit).containsOnly(10L);
    assertThat(decisions.subList(0, 10)).extracting(Decision::retryAfterMicros).containsOnly(0L);
    assertThat(decisions.get(10).retryAfter()).isEqualTo(retryAfterWhenDrained(algorithm));
    assertThat(decisions.get(11).retryAfter()).isEqualTo(retryAfterWhenDrained(algorithm));
    assertThat(decisions.get(9).resetAfter()).isEqualTo(resetWhenDrained(algorithm));
    assertThat(decisions.get(11).resetAfter()).isEqualTo(resetWhenDrained(algorithm));

    clock.advance(retryAfterWhenDrained(algorithm).minusNanos(1_000));
    assertThat(limiter.tryAcquire("user123").allowed()).as("1 us before retryAfter").isFalse();
    clock.advanceMicros(1);
    assertThat(admitAll(limiter, "user123", 1)).isEqualTo(admittedAtRetry(algorithm));
  }

  @ParameterizedTest
  @RateAlgorithms
  void burstThenRefillIsFreshExactlyWhenResetAfterHasPassed(Algorithm algorithm) {
    Subject limiter = subject(algorithm, "refill", limitOf(algorithm, 10, TEN_SECONDS));
    Decision fresh = limiter.peek("user123");

    assertThat(admitAll(limiter, "user123", 1)).isEqualTo(10);
    Decision drained = limiter.tryAcquire("user123");
    assertThat(drained.allowed()).isFalse();
    assertThat(drained.resetAfter()).isEqualTo(resetWhenDrained(algorithm));

    clock.advance(drained.resetAfter().minusNanos(1_000));
    assertThat(limiter.peek("user123").remaining()).as("1 us before resetAfter").isLessThan(10);

    clock.advanceMicros(1);
    assertThat(limiter.peek("user123")).isEqualTo(fresh);
    assertThat(admitAll(limiter, "user123", 1)).isEqualTo(10);
  }

  @ParameterizedTest
  @RateAlgorithms
  void costAboveOneTakesThatMuchAndIsDeniedWhenLessIsLeft(Algorithm algorithm) {
    Subject limiter = subject(algorithm, "cost", limitOf(algorithm, 10, TEN_SECONDS));

    assertThat(limiter.tryAcquire("user123", 3).remaining()).isEqualTo(7);
    assertThat(limiter.tryAcquire("user123", 3).remaining()).isEqualTo(4);
    assertThat(limiter.tryAcquire("user123", 3).remaining()).isEqualTo(1);
    Decision denied = limiter.tryAcquire("user123", 3);
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.remaining()).isEqualTo(1);
    assertThat(denied.retryAfterMicros()).isPositive();

    Decision last = limiter.tryAcquire("user123", 1);
    assertThat(last.allowed()).isTrue();
    assertThat(last.remaining()).isZero();
  }

  @ParameterizedTest
  @RateAlgorithms
  void costEqualToCapacityEmptiesAFreshKeyAndFitsAgainOnlyWhenFresh(Algorithm algorithm) {
    Subject limiter = subject(algorithm, "whole", limitOf(algorithm, 10, TEN_SECONDS));

    Decision all = limiter.tryAcquire("user123", 10);
    assertThat(all.allowed()).isTrue();
    assertThat(all.remaining()).isZero();
    assertThat(limiter.tryAcquire("user123", 1).allowed()).isFalse();

    clock.advance(all.resetAfter().minusNanos(1_000));
    Decision early = limiter.tryAcquire("user123", 10);
    assertThat(early.allowed()).isFalse();
    assertThat(early.retryAfterMicros()).isEqualTo(1);

    clock.advanceMicros(1);
    assertThat(limiter.tryAcquire("user123", 10).allowed()).isTrue();
  }

  @ParameterizedTest
  @RateAlgorithms
  void aDenialConsumesNothing(Algorithm algorithm) {
    Subject limiter = subject(algorithm, "denial", limitOf(algorithm, 10, TEN_SECONDS));
    assertThat(limiter.tryAcquire("user123", 6).allowed()).isTrue();

    Decision before = limiter.peek("user123");
    for (int i = 0; i < 5; i++) {
      assertThat(limiter.tryAcquire("user123", 5).allowed()).isFalse();
    }
    assertThat(limiter.peek("user123")).isEqualTo(before);

    assertThat(limiter.tryAcquire("user123", 4).allowed()).isTrue();
    assertThat(limiter.tryAcquire("user123", 1).allowed()).isFalse();
  }

  @ParameterizedTest
  @RateAlgorithms
  void multiLimitDenialByOneLimitConsumesFromNone(Algorithm algorithm) {
    Limit ten = limitOf(algorithm, 10, TEN_SECONDS);
    Limit fifteen = limitOf(algorithm, 15, Duration.ofMinutes(1));
    for (List<Limit> order : List.of(List.of(ten, fifteen), List.of(fifteen, ten))) {
      String name = name(algorithm, order.get(0) == ten ? "all-10-15" : "all-15-10");
      Subject limiter = subject(Policy.of(name, order));

      Decision four = limiter.tryAcquire("user123", 4);
      assertThat(four.allowed()).isTrue();
      assertThat(four.limit()).as("binding limit: the one with the least left").isEqualTo(10);
      assertThat(four.remaining()).isEqualTo(6);

      // The 10-limit has 6 left and denies 8; the 15-limit has 11 and would allow it.
      Decision eight = limiter.tryAcquire("user123", 8);
      assertThat(eight.allowed()).isFalse();
      assertThat(eight.limit()).as("binding limit: the denying one").isEqualTo(10);
      assertThat(eight.remaining()).isEqualTo(6);

      // Had the 15-limit given 8, it would have 3 left and be the binding limit now.
      Decision peek = limiter.peek("user123");
      assertThat(peek.limit()).isEqualTo(10);
      assertThat(peek.remaining()).isEqualTo(6);

      Decision six = limiter.tryAcquire("user123", 6);
      assertThat(six.allowed()).isTrue();
      assertThat(six.limit()).isEqualTo(10);
      assertThat(six.remaining()).isZero();
    }
  }

  @ParameterizedTest
  @RateAlgorithms
  void multiLimitDenialByTheFastLimitLeavesTheSlowOneUntouched(Algorithm algorithm) {
    Limit slow = limitOf(algorithm, 10, Duration.ofHours(1));
    Limit fast = limitOf(algorithm, 5, Duration.ofSeconds(1));
    Subject limiter = subject(Policy.of(name(algorithm, "fast-slow"), slow, fast));

    assertThat(limiter.tryAcquire("user123", 5).allowed()).isTrue();
    Decision denied = limiter.tryAcquire("user123", 3);
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.limit()).isEqualTo(5);

    // Two seconds later the fast limit is fresh and the slow one has not moved: 5 left, not 2.
    clock.advance(Duration.ofSeconds(2));
    Decision peek = limiter.peek("user123");
    assertThat(peek.remaining()).isEqualTo(5);
    assertThat(limiter.tryAcquire("user123", 5).allowed()).isTrue();
    assertThat(limiter.tryAcquire("user123", 1).allowed()).isFalse();
  }

  @ParameterizedTest
  @RateAlgorithms
  void multiLimitReportsTheBindingLimit(Algorithm algorithm) {
    Subject limiter =
        subject(
            Policy.of(
                name(algorithm, "binding"),
                limitOf(algorithm, 15, Duration.ofMinutes(1)),
                limitOf(algorithm, 10, TEN_SECONDS)));

    Decision ten = limiter.tryAcquire("user123", 10);
    assertThat(ten.limitId()).isEqualTo("1");
    assertThat(ten.limit()).isEqualTo(10);
    assertThat(ten.remaining()).isZero();
    assertThat(ten.resetAfter())
        .as("the binding limit's own reset, not the 15-limit's longer one")
        .isEqualTo(resetWhenDrained(algorithm));

    Decision denied = limiter.tryAcquire("user123");
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.limitId()).isEqualTo("1");
    assertThat(denied.limit()).isEqualTo(10);
    assertThat(denied.remaining()).isZero();
    assertThat(denied.retryAfter()).isEqualTo(retryAfterWhenDrained(algorithm));
    assertThat(denied.resetAfter())
        .as("nothing was consumed, so nothing moved")
        .isEqualTo(ten.resetAfter());
  }

  @ParameterizedTest
  @RateAlgorithms
  void peekDoesNotConsume(Algorithm algorithm) {
    Subject limiter = subject(algorithm, "peek", limitOf(algorithm, 10, TEN_SECONDS));
    String policy = limiter.policy;

    assertThat(limiter.peek("user123")).isEqualTo(new Decision(policy, true, 10, 10, 0, 0));
    for (int i = 0; i < 50; i++) {
      limiter.peek("user123");
    }
    assertThat(limiter.tryAcquire("user123", 3).allowed()).isTrue();
    Decision three = limiter.peek("user123");
    assertThat(three.allowed()).isTrue();
    assertThat(three.remaining()).isEqualTo(7);
    assertThat(three.resetAfterMicros()).isPositive();
    assertThat(limiter.peek("user123")).isEqualTo(three);

    assertThat(admitAll(limiter, "user123", 1)).isEqualTo(7);
    Decision empty = limiter.peek("user123");
    assertThat(empty.allowed()).isFalse();
    assertThat(empty.remaining()).isZero();
    assertThat(empty.retryAfter()).isEqualTo(retryAfterWhenDrained(algorithm));
    assertThat(empty.resetAfter()).isEqualTo(resetWhenDrained(algorithm));
  }

  @ParameterizedTest
  @RateAlgorithms
  void resetGivesAFreshBucketForThatKeyOnly(Algorithm algorithm) {
    Subject limiter = subject(algorithm, "reset", limitOf(algorithm, 10, TEN_SECONDS));
    Decision fresh = limiter.peek("user123");
    limiter.tryAcquire("user123", 10);
    limiter.tryAcquire("user456", 10);

    limiter.reset("user123");

    assertThat(limiter.peek("user123")).isEqualTo(fresh);
    assertThat(limiter.peek("user456").remaining()).isZero();
    assertThat(admitAll(limiter, "user123", 1)).isEqualTo(10);
    limiter.reset("never-seen");
    assertThat(limiter.peek("never-seen")).isEqualTo(fresh);
  }

  @ParameterizedTest
  @RateAlgorithms
  void keysAreIndependent(Algorithm algorithm) {
    Subject limiter = subject(algorithm, "keys", limitOf(algorithm, 10, TEN_SECONDS));

    assertThat(admitAll(limiter, "alice", 1)).isEqualTo(10);
    assertThat(limiter.peek("bob").remaining()).isEqualTo(10);
    assertThat(admitAll(limiter, "bob", 1)).isEqualTo(10);
    assertThat(admitAll(limiter, "alice", 1)).isZero();
  }

  /**
   * Keys that an encoding of client keys into store keys could confuse: separators, hash-tag
   * braces, whitespace and control characters, escapes, case, Unicode normal forms, and keys of
   * exactly 512 UTF-8 bytes.
   *
   * @return the keys, all different
   */
  protected static List<String> trickyKeys() {
    return List.of(
        "user123",
        "user123 ",
        " user123",
        "user 123",
        "USER123",
        "user:123",
        "user:123:",
        ":user:123",
        "user",
        "123",
        "user::123",
        "{user123}",
        "{user}123",
        "user{123}",
        "{}",
        "{",
        "}",
        "}{",
        "a\nb",
        "a\r\nb",
        "a\rb",
        "a\tb",
        "a\u0000b",
        "a\\nb",
        "a\\b",
        "a%3Ab",
        "a:b",
        "a%20b",
        "a+b",
        "a/b",
        "a.b",
        "a*b",
        "a?b",
        "a\"b",
        "a'b",
        "ключ",
        "鍵",
        "🔑",
        "\u00e9",
        "e\u0301",
        "k".repeat(512),
        "k".repeat(511) + "l",
        "l" + "k".repeat(511),
        "é".repeat(256),
        "€".repeat(170) + "ab",
        "🔑".repeat(128));
  }

  @ParameterizedTest
  @RateAlgorithms
  void keysWithSeparatorsBracesWhitespaceUnicodeAndMaximumLengthDoNotCollide(Algorithm algorithm) {
    Subject limiter = subject(algorithm, "tricky", limitOf(algorithm, 10, TEN_SECONDS));
    List<String> keys = trickyKeys();
    assertThat(keys).doesNotHaveDuplicates();

    // Each key takes the whole capacity: a key sharing a bucket with an earlier one would be
    // denied.
    for (String key : keys) {
      assertThat(limiter.tryAcquire(key, 10).allowed())
          .as("first request of %s", printable(key))
          .isTrue();
    }
    for (String key : keys) {
      assertThat(limiter.peek(key).remaining()).as("after draining %s", printable(key)).isZero();
    }
  }

  @ParameterizedTest
  @RateAlgorithms
  void policyNameAndKeyBoundariesDoNotCollide(Algorithm algorithm) {
    String base = name(algorithm, "b");
    Limit limit = limitOf(algorithm, 10, TEN_SECONDS);
    String[][] pairs = {
      {"p", "q.r"},
      {"p.q", "r"},
      {"p", "q-r"},
      {"p-q", "r"},
      {"p", "q_r"},
      {"p_q", "r"},
      {"p", ":q"},
      {"p", "q"},
      {"p", "qk"},
      {"pq", "k"},
      {"p", "{q}"},
      {"p.", "q"},
      {"p", ".q"},
      {"p", "q:k"},
      {"p", "q/k"},
    };
    List<Policy> policies = new ArrayList<>();
    for (String[] pair : pairs) {
      if (policies.stream().noneMatch(p -> p.name().equals(base + pair[0]))) {
        policies.add(Policy.of(base + pair[0], limit));
      }
    }
    RateLimiter limiter = limiter(policies.toArray(new Policy[0]));

    for (String[] pair : pairs) {
      assertThat(limiter.tryAcquire(pair[1], base + pair[0], 10).allowed())
          .as("%s / %s", pair[0], pair[1])
          .isTrue();
    }
  }

  @ParameterizedTest
  @RateAlgorithms
  void twoPoliciesWithTheSameKeyAreIndependent(Algorithm algorithm) {
    Limit limit = limitOf(algorithm, 10, TEN_SECONDS);
    String first = name(algorithm, "first");
    String second = name(algorithm, "second");
    RateLimiter limiter = limiter(Policy.of(first, limit), Policy.of(second, limit));

    for (int i = 0; i < 10; i++) {
      assertThat(limiter.tryAcquire("user123", first, 1).allowed()).isTrue();
    }
    assertThat(limiter.tryAcquire("user123", first, 1).allowed()).isFalse();
    Decision other = limiter.tryAcquire("user123", second, 1);
    assertThat(other.allowed()).isTrue();
    assertThat(other.policy()).isEqualTo(second);
    assertThat(other.remaining()).isEqualTo(9);

    limiter.reset("user123", second);
    assertThat(limiter.peek("user123", first).remaining()).isZero();
  }

  @ParameterizedTest
  @RateAlgorithms
  void asyncAgreesWithSync(Algorithm algorithm) {
    Subject limiter = subject(algorithm, "async", limitOf(algorithm, 10, TEN_SECONDS));
    long[] costs = {1, 3, 6, 1, 2, 10};
    List<Decision> sync = new ArrayList<>();
    List<Decision> async = new ArrayList<>();
    for (int round = 0; round < 2; round++) {
      for (long cost : costs) {
        sync.add(limiter.tryAcquire("sync", cost));
        async.add(limiter.tryAcquireAsync("async", cost).toCompletableFuture().join());
      }
      clock.advance(retryAfterWhenDrained(algorithm));
    }
    assertThat(async).isEqualTo(sync);
    assertThat(sync).extracting(Decision::allowed).contains(true, false);

    assertThatThrownBy(() -> limiter.tryAcquireAsync("async", 11).toCompletableFuture().join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(IllegalArgumentException.class);
    assertThat(limiter.peek("async")).isEqualTo(limiter.peek("sync"));
  }

  @ParameterizedTest
  @RateAlgorithms
  void timeGoingBackwardsRefillsNothingAndResetsNoWindow(Algorithm algorithm) {
    Subject limiter = subject(algorithm, "backwards", limitOf(algorithm, 10, TEN_SECONDS));
    assertThat(admitAll(limiter, "user123", 1)).isEqualTo(10);

    clock.set(START_MICROS - Duration.ofHours(1).toNanos() / 1_000);
    Decision back = limiter.tryAcquire("user123");
    assertThat(back.allowed()).isFalse();
    assertThat(back.remaining()).isZero();
    assertThat(back.retryAfterMicros()).isPositive();
    assertThat(limiter.peek("user123").remaining()).isZero();

    clock.set(START_MICROS);
    clock.advance(retryAfterWhenDrained(algorithm));
    assertThat(admitAll(limiter, "user123", 1)).isEqualTo(admittedAtRetry(algorithm));
  }

  @ParameterizedTest
  @RateAlgorithms
  void concurrentRequestsOnOneKeyAdmitExactlyTheCapacity(Algorithm algorithm) throws Exception {
    Subject limiter = subject(algorithm, "race", limitOf(algorithm, 100, TEN_SECONDS));
    int threads = 4;
    int perThread = 60;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> admitted = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        admitted.add(
            pool.submit(
                () -> {
                  start.await();
                  int n = 0;
                  for (int i = 0; i < perThread; i++) {
                    n += limiter.tryAcquire("hot").allowed() ? 1 : 0;
                  }
                  return n;
                }));
      }
      start.countDown();
      int total = 0;
      for (Future<Integer> f : admitted) {
        total += f.get(60, TimeUnit.SECONDS);
      }
      assertThat(total).isEqualTo(100);
      assertThat(limiter.peek("hot").remaining()).isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- A changed limit keeps every client's usage (identity is the policy and the limit's id)

  /**
   * A limit of {@code capacity} of the algorithm whose rate or window stays the same whatever the
   * capacity: buckets refill (drain) 1 token per second, windows last 10 s.
   *
   * @param algorithm the algorithm
   * @param capacity the capacity or limit
   * @return the limit
   */
  protected static Limit sized(Algorithm algorithm, long capacity) {
    switch (algorithm) {
      case TOKEN_BUCKET:
        return Limit.tokenBucket(capacity, Rate.perSecond(1));
      case LEAKY_BUCKET:
        return Limit.leakyBucket(capacity, Rate.perSecond(1));
      default:
        return limitOf(algorithm, capacity, TEN_SECONDS);
    }
  }

  @ParameterizedTest
  @RateAlgorithms
  void aRaisedCapacityKeepsWhatWasSpent(Algorithm algorithm) {
    String name = name(algorithm, "raised");
    Subject before = subject(Policy.of(name, sized(algorithm, 5)));
    assertThat(admitAll(before, "u1", 1)).isEqualTo(5);

    Subject after = subject(Policy.of(name, sized(algorithm, 50)));
    assertThat(after.peek("u1").remaining())
        .as("5 spent of 5, capacity raised to 50: 45 left, not a fresh 50")
        .isEqualTo(45);
    assertThat(admitAll(after, "u1", 1)).isEqualTo(45);
    assertThat(before.tryAcquire("u1").allowed())
        .as("and the old version sees the same spending")
        .isFalse();
  }

  @ParameterizedTest
  @RateAlgorithms
  void aCapacityLoweredBelowWhatWasSpentDeniesUntilTheNewLimitAllows(Algorithm algorithm) {
    String name = name(algorithm, "lowered");
    assumeTrue(supports(algorithm));
    RateLimiter limiter = limiter(Policy.of(name, sized(algorithm, 10)));
    assertThat(limiter.tryAcquire("u1", name, 8).allowed()).isTrue();

    limiter.setPolicies(PolicyRegistry.of(Policy.of(name, sized(algorithm, 5))));
    Decision denied = limiter.tryAcquire("u1", name, 1);
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.limit()).isEqualTo(5);
    assertThat(denied.remaining()).isZero();
    Duration expected;
    switch (algorithm) {
      case TOKEN_BUCKET:
      case LEAKY_BUCKET:
        // The debt of 8 is clamped to the new capacity: the next token one refill period later.
        expected = Duration.ofSeconds(1);
        break;
      case SLIDING_WINDOW:
        // The 8 weigh on the next window until half of it has passed: ceil(8 x 0.5) = 4 fits.
        expected = Duration.ofSeconds(15);
        break;
      default:
        // The window (or the log's 8 entries) must pass.
        expected = TEN_SECONDS;
    }
    assertThat(denied.retryAfter()).isEqualTo(expected);
    clock().advance(expected.minusNanos(1_000));
    assertThat(limiter.tryAcquire("u1", name, 1).allowed()).isFalse();
    clock().advance(Duration.ofNanos(1_000));
    assertThat(limiter.tryAcquire("u1", name, 1).allowed()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(
      value = Algorithm.class,
      names = {"TOKEN_BUCKET", "LEAKY_BUCKET"})
  void aChangedRateKeepsTheDebtAndRefillsItAtTheNewRate(Algorithm algorithm) {
    String name = name(algorithm, "rate");
    Subject slow = subject(Policy.of(name, bucket(algorithm, 10, Rate.perSecond(1))));
    assertThat(slow.tryAcquire("u1", 5).allowed()).isTrue();

    Subject fast = subject(Policy.of(name, bucket(algorithm, 10, Rate.perSecond(2))));
    assertThat(fast.peek("u1").remaining()).as("the 5 tokens of debt carry over").isEqualTo(5);
    clock().advance(Duration.ofSeconds(1));
    assertThat(fast.peek("u1").remaining()).as("refilled at 2/s").isEqualTo(7);
  }

  @ParameterizedTest
  @EnumSource(
      value = Algorithm.class,
      names = {"TOKEN_BUCKET", "LEAKY_BUCKET"})
  void aConversionToAnotherScaleRoundsAgainstTheClient(Algorithm algorithm) {
    String name = name(algorithm, "round");
    Subject before = subject(Policy.of(name, bucket(algorithm, 10, Rate.perSecond(1))));
    assertThat(before.tryAcquire("u1", 5).allowed()).isTrue();
    clock().advance(Duration.ofMillis(500));
    assertThat(before.tryAcquire("u1", 1).allowed()).isTrue();

    // 5.5 tokens of debt, stored in units of a 1/s rate; the new rate counts in units of 1/2 s.
    Subject after =
        subject(Policy.of(name, bucket(algorithm, 10, Rate.of(1, Duration.ofSeconds(2)))));
    assertThat(after.peek("u1").remaining()).isEqualTo(4);
    clock().advance(Duration.ofMillis(1_999));
    assertThat(after.peek("u1").remaining())
        .as("the half token of debt was rounded up to a whole one (6), never down")
        .isEqualTo(4);
    clock().advance(Duration.ofMillis(1));
    assertThat(after.peek("u1").remaining()).isEqualTo(5);
  }

  @ParameterizedTest
  @RateAlgorithms
  void anotherAlgorithmOrWindowUnderTheSameIdStartsAfresh(Algorithm algorithm) {
    String name = name(algorithm, "afresh");
    Subject before = subject(Policy.of(name, sized(algorithm, 10)));
    assertThat(admitAll(before, "u1", 1)).isEqualTo(10);

    // The next rate algorithm (CONCURRENCY, the last, limits no rate).
    Algorithm other =
        Algorithm.values()[(algorithm.ordinal() + 1) % Algorithm.CONCURRENCY.ordinal()];
    assumeTrue(supports(other));
    Subject changed = subject(Policy.of(name, sized(other, 10)));
    assertThat(changed.peek("u1").remaining()).as("%s after %s", other, algorithm).isEqualTo(10);

    if (algorithm == Algorithm.TOKEN_BUCKET || algorithm == Algorithm.LEAKY_BUCKET) {
      return;
    }
    String windowed = name(algorithm, "window");
    Subject tenSeconds = subject(Policy.of(windowed, limitOf(algorithm, 10, TEN_SECONDS)));
    assertThat(admitAll(tenSeconds, "u1", 1)).isEqualTo(10);
    Subject twentySeconds =
        subject(Policy.of(windowed, limitOf(algorithm, 10, Duration.ofSeconds(20))));
    assertThat(twentySeconds.peek("u1").remaining())
        .as("another window length counts other windows")
        .isEqualTo(10);
  }

  @ParameterizedTest
  @RateAlgorithms
  void limitsAddedRemovedOrReorderedAroundALimitKeepItsUsage(Algorithm algorithm) {
    String name = name(algorithm, "ids");
    Subject before =
        subject(
            Policy.builder(name)
                .limit("burst", sized(algorithm, 10))
                .limit("daily", Limit.fixedWindow(100, Duration.ofDays(1)))
                .build());
    assertThat(before.tryAcquire("u1", 4).allowed()).isTrue();

    Subject after =
        subject(
            Policy.builder(name)
                .limit("extra", sized(algorithm, 50))
                .limit("burst", sized(algorithm, 10))
                .build());
    Decision peek = after.peek("u1");
    assertThat(peek.limitId()).isEqualTo("burst");
    assertThat(peek.remaining()).isEqualTo(6);
    assertThat(after.tryAcquire("u1", 6).allowed()).isTrue();
    assertThat(after.tryAcquire("u1", 1).allowed()).isFalse();
  }

  @ParameterizedTest
  @RateAlgorithms
  void twoVersionsOfAPolicyShareOneStateAndAdmitAtMostTheLargerLimit(Algorithm algorithm) {
    String name = name(algorithm, "rolling");
    Subject small = subject(Policy.of(name, sized(algorithm, 10)));
    Subject large = subject(Policy.of(name, sized(algorithm, 20)));
    int admitted = 0;
    for (int i = 0; i < 100; i++) {
      Subject version = i % 2 == 0 ? small : large;
      admitted += version.tryAcquire("u1").allowed() ? 1 : 0;
    }
    assertThat(admitted)
        .as("half a fleet on capacity 10, half on 20: one state, at most 20, not 30")
        .isEqualTo(20);
  }

  private static Limit bucket(Algorithm algorithm, long capacity, Rate rate) {
    return algorithm == Algorithm.TOKEN_BUCKET
        ? Limit.tokenBucket(capacity, rate)
        : Limit.leakyBucket(capacity, rate);
  }

  /**
   * A fixed pseudo-random timeline of requests, peeks, resets and clock moves (forwards, and now
   * and then backwards) on three keys, under a one-limit and a two-limit policy of the algorithm:
   * every answer must equal the {@link ReferenceLimiter}'s, field by field.
   */
  @ParameterizedTest
  @RateAlgorithms
  void agreesWithTheReferenceModelOnARandomTimeline(Algorithm algorithm) {
    randomTimeline(algorithm, 20_231_114L + algorithm.ordinal());
  }

  /**
   * The same from a random start: any time up to 2^52 microseconds either side of the epoch, not
   * aligned to any window, with a new seed each run (in the failure message to replay it).
   */
  @ParameterizedTest
  @RateAlgorithms
  void agreesWithTheReferenceModelFromARandomStart(Algorithm algorithm) {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    clock.set(random.nextLong(1L << 53) - (1L << 52));
    randomTimeline(algorithm, seed);
  }

  private void randomTimeline(Algorithm algorithm, long seed) {
    Policy single =
        Policy.of(name(algorithm, "ref1"), limitOf(algorithm, 7, Duration.ofSeconds(3)));
    Policy multi =
        Policy.of(
            name(algorithm, "ref2"),
            limitOf(algorithm, 5, Duration.ofSeconds(2)),
            limitOf(algorithm, 12, Duration.ofSeconds(20)));
    RateLimiter limiter = limiter(single, multi);
    ReferenceLimiter reference = new ReferenceLimiter();
    Random random = new Random(seed);
    String[] keys = {"k1", "k2", "{k3}"};
    List<String> history = new ArrayList<>();
    history.add("seed " + seed + ", start " + clock.nowMicros());

    for (int i = 0; i < 600; i++) {
      Policy policy = random.nextBoolean() ? single : multi;
      String key = keys[random.nextInt(keys.length)];
      int op = random.nextInt(100);
      if (op < 55) {
        long cost = random.nextInt(4) == 0 ? 1 + random.nextInt((int) policy.maxCost()) : 1;
        history.add(
            i + ": acquire " + policy.name() + " " + key + " " + cost + " at " + clock.nowMicros());
        assertThat(limiter.tryAcquire(key, policy.name(), cost))
            .as("%s", history)
            .isEqualTo(reference.tryAcquire(policy, key, cost, clock.nowMicros()));
      } else if (op < 70) {
        history.add(i + ": peek " + policy.name() + " " + key + " at " + clock.nowMicros());
        assertThat(limiter.peek(key, policy.name()))
            .as("%s", history)
            .isEqualTo(reference.peek(policy, key, clock.nowMicros()));
      } else if (op < 73) {
        history.add(i + ": reset " + policy.name() + " " + key);
        limiter.reset(key, policy.name());
        reference.reset(policy, key);
      } else if (op < 79) {
        long cost = 1 + random.nextInt((int) policy.maxCost());
        history.add(
            i + ": refund " + policy.name() + " " + key + " " + cost + " at " + clock.nowMicros());
        assertThat(limiter.refund(key, policy.name(), cost))
            .as("%s", history)
            .isEqualTo(reference.refund(policy, key, cost, clock.nowMicros()));
      } else if (op < 97) {
        long step =
            random.nextInt(3) == 0 ? random.nextInt(4) * 1_000_000L : random.nextInt(700_000);
        clock.advanceMicros(step);
        history.add(i + ": advance " + step);
      } else {
        long step = random.nextInt(5_000_000);
        clock.advanceMicros(-step);
        history.add(i + ": back " + step);
      }
      if (history.size() > 12) {
        history.remove(1);
      }
    }
  }

  // ---- Calendar windows: aligned to the calendar in UTC

  private static long utc(String instant) {
    Instant at = Instant.parse(instant);
    return at.getEpochSecond() * 1_000_000 + at.getNano() / 1_000;
  }

  @Test
  void aMonthlyWindowEndsOnTheFirstOfTheNextMonthInALeapYear() {
    assumeTrue(supports(Algorithm.FIXED_WINDOW), "the backend does not support fixed windows");
    Subject limiter =
        subject(
            Policy.of(
                name(Algorithm.FIXED_WINDOW, "month"),
                Limit.calendarWindow(3, CalendarUnit.MONTH)));
    clock.set(utc("2024-02-28T12:00:00Z"));
    assertThat(admitAll(limiter, "user123", 1)).isEqualTo(3);
    Decision denied = limiter.tryAcquire("user123");
    long untilMarch = utc("2024-03-01T00:00:00Z") - clock.nowMicros();
    assertThat(denied.retryAfterMicros())
        .as("to March 1st, a day and a half")
        .isEqualTo(untilMarch);
    assertThat(denied.resetAfterMicros()).isEqualTo(untilMarch);

    clock.set(utc("2024-02-29T23:59:59.999999Z"));
    assertThat(limiter.tryAcquire("user123").allowed()).as("February 29th still counts").isFalse();
    clock.set(utc("2024-03-01T00:00:00Z"));
    Decision march = limiter.tryAcquire("user123");
    assertThat(march.allowed()).isTrue();
    assertThat(march.resetAfter()).as("March has 31 days").isEqualTo(Duration.ofDays(31));
  }

  @Test
  void weeklyAndYearlyWindowsStartOnMondayAndOnJanuaryFirst() {
    assumeTrue(supports(Algorithm.FIXED_WINDOW), "the backend does not support fixed windows");
    Subject weekly =
        subject(
            Policy.of(
                name(Algorithm.FIXED_WINDOW, "week"), Limit.calendarWindow(1, CalendarUnit.WEEK)));
    Subject yearly =
        subject(
            Policy.of(
                name(Algorithm.FIXED_WINDOW, "year"), Limit.calendarWindow(1, CalendarUnit.YEAR)));
    clock.set(utc("2026-12-31T10:00:00Z")); // a Thursday
    assertThat(weekly.tryAcquire("k").resetAfterMicros())
        .as("to Monday 2027-01-04")
        .isEqualTo(utc("2027-01-04T00:00:00Z") - clock.nowMicros());
    assertThat(yearly.tryAcquire("k").resetAfterMicros())
        .isEqualTo(utc("2027-01-01T00:00:00Z") - clock.nowMicros());
    clock.set(utc("2027-01-01T00:00:00Z"));
    assertThat(yearly.tryAcquire("k").allowed()).as("a new year").isTrue();
    assertThat(weekly.tryAcquire("k").allowed()).as("the same week").isFalse();
    clock.set(utc("2027-01-04T00:00:00Z"));
    assertThat(weekly.tryAcquire("k").allowed()).as("a new week").isTrue();
  }

  @Test
  void aCalendarWindowAndAnEpochWindowUnderOneIdDoNotShareACount() {
    assumeTrue(supports(Algorithm.FIXED_WINDOW), "the backend does not support fixed windows");
    String name = name(Algorithm.FIXED_WINDOW, "align");
    clock.set(utc("2026-12-01T10:00:00Z"));
    Subject epoch = subject(Policy.of(name, Limit.fixedWindow(5, Duration.ofDays(7))));
    assertThat(epoch.tryAcquire("k", 5).allowed()).isTrue();
    Subject calendar = subject(Policy.of(name, Limit.calendarWindow(5, CalendarUnit.WEEK)));
    assertThat(calendar.tryAcquire("k").remaining())
        .as("another alignment is another window: a fresh count")
        .isEqualTo(4);
  }

  // ---- Concurrency: permits in flight, released or ended by their lease

  @Test
  void aConcurrencyLimitHoldsPermitsUntilReleasedOrTheirLeaseEnds() {
    assumeTrue(supports(Algorithm.CONCURRENCY), "the backend does not support concurrency");
    Subject limiter =
        subject(
            Policy.of(
                name(Algorithm.CONCURRENCY, "flight"),
                Limit.concurrency(2, Duration.ofSeconds(30), Duration.ofMillis(50))));
    Decision first = limiter.tryAcquire("user123");
    Decision second = limiter.tryAcquire("user123", 7);
    assertThat(first.allowed()).isTrue();
    assertThat(first.permit()).as("an allowed request holds a permit").isNotNull();
    assertThat(first.remaining()).isEqualTo(1);
    assertThat(first.resetAfter()).as("every lease ends in 30 s").isEqualTo(Duration.ofSeconds(30));
    assertThat(second.allowed()).as("one permit whatever the cost").isTrue();
    assertThat(second.permit()).isNotNull().isNotEqualTo(first.permit());
    assertThat(second.permit()).hasSize(22);

    Decision full = limiter.tryAcquire("user123");
    assertThat(full.allowed()).isFalse();
    assertThat(full.permit()).isNull();
    assertThat(full.retryAfter()).as("a hint, not the lease").isEqualTo(Duration.ofMillis(50));
    assertThat(limiter.tryAcquire("other").allowed()).as("per client").isTrue();

    limiter.release("user123", first.permit());
    limiter.release("user123", first.permit());
    limiter.release("user123", "not-a-permit");
    clock.advance(Duration.ofSeconds(1));
    Decision again = limiter.tryAcquire("user123");
    assertThat(again.allowed()).as("a release makes room, once").isTrue();
    assertThat(limiter.tryAcquire("user123").allowed()).isFalse();
    assertThat(limiter.peek("user123").remaining()).isZero();

    clock.advance(Duration.ofSeconds(29).minusNanos(1_000));
    assertThat(limiter.tryAcquire("user123").allowed()).as("leases still running").isFalse();
    clock.advance(Duration.ofNanos(1_000));
    Decision expired = limiter.tryAcquire("user123");
    assertThat(expired.allowed()).as("the second permit's lease ended").isTrue();
    assertThat(limiter.peek("user123").remaining()).as("the third still runs").isZero();
    limiter.release("user123", expired.permit());
    assertThat(limiter.peek("user123").remaining()).isEqualTo(1);
  }

  @Test
  void aDenialsRetryIsTheFirstLeasesEndWhenSoonerThanTheHint() {
    assumeTrue(supports(Algorithm.CONCURRENCY), "the backend does not support concurrency");
    Subject limiter =
        subject(
            Policy.of(
                name(Algorithm.CONCURRENCY, "short"),
                Limit.concurrency(1, Duration.ofMillis(500))));
    assertThat(limiter.tryAcquire("k").allowed()).isTrue();
    assertThat(limiter.tryAcquire("k").retryAfter()).isEqualTo(Duration.ofMillis(100));
    clock.advance(Duration.ofMillis(450));
    assertThat(limiter.tryAcquire("k").retryAfter()).isEqualTo(Duration.ofMillis(50));
  }

  @Test
  void aConcurrencyLimitBesideARateLimitTakesAPermitOnlyWhenBothAllow() {
    assumeTrue(supports(Algorithm.CONCURRENCY), "the backend does not support concurrency");
    Subject limiter =
        subject(
            Policy.builder(name(Algorithm.CONCURRENCY, "both"))
                .limit("rate", Limit.tokenBucket(3, Rate.perSecond(1)))
                .limit("flight", Limit.concurrency(2, Duration.ofSeconds(10)))
                .build());
    Decision big = limiter.tryAcquire("k", 3);
    assertThat(big.allowed()).isTrue();
    assertThat(big.permit()).isNotNull();
    Decision noTokens = limiter.tryAcquire("k");
    assertThat(noTokens.allowed()).isFalse();
    assertThat(noTokens.limitId()).isEqualTo("rate");
    clock.advance(Duration.ofSeconds(3));
    assertThat(limiter.tryAcquire("k").allowed()).as("no permit was taken by the denial").isTrue();
    Decision full = limiter.tryAcquire("k");
    assertThat(full.allowed()).isFalse();
    assertThat(full.limitId()).isEqualTo("flight");
    assertThat(limiter.peek("k").remaining()).as("the bucket kept its token").isZero();
    limiter.release("k", big.permit());
    assertThat(limiter.tryAcquire("k").allowed()).isTrue();
  }

  @Test
  void aBatchGrantsPermitsOnlyWhenItIsCommitted() {
    assumeTrue(supports(Algorithm.CONCURRENCY), "the backend does not support concurrency");
    Policy flight =
        Policy.builder(name(Algorithm.CONCURRENCY, "batch-flight"))
            .group("batch-c")
            .limit(Limit.concurrency(1, Duration.ofSeconds(10)))
            .build();
    Policy rate =
        Policy.builder(name(Algorithm.CONCURRENCY, "batch-rate"))
            .group("batch-c")
            .limit(Limit.fixedWindow(1, Duration.ofSeconds(10)))
            .build();
    RateLimiter limiter = limiter(flight, rate);
    List<Decision> first =
        limiter.tryAcquireAll(List.of(new Acquire(flight, "k", 1), new Acquire(rate, "k", 1)));
    assertThat(first.get(0).permit()).isNotNull();
    assertThat(first.get(1).permit()).as("no concurrency limit, no permit").isNull();
    limiter.release("k", flight.name(), first.get(0).permit());
    List<Decision> refused =
        limiter.tryAcquireAll(List.of(new Acquire(flight, "k", 1), new Acquire(rate, "k", 1)));
    assertThat(refused.get(0).allowed()).as("would fit").isTrue();
    assertThat(refused.get(0).permit()).as("but the batch was not committed").isNull();
    assertThat(limiter.peek("k", flight.name()).remaining()).isEqualTo(1);
  }

  // ---- Refunds: what a request took and did not use goes back

  @ParameterizedTest
  @RateAlgorithms
  void aRefundGivesBackWhatARequestTook(Algorithm algorithm) {
    Subject limiter = subject(algorithm, "refund", limitOf(algorithm, 10, TEN_SECONDS));
    assertThat(limiter.tryAcquire("user123", 4).remaining()).isEqualTo(6);

    Decision after = limiter.refund("user123", 3);
    assertThat(after.remaining()).as("the refund answers as a peek").isEqualTo(9);
    assertThat(after.allowed()).isTrue();
    assertThat(limiter.peek("user123").remaining()).isEqualTo(9);
    assertThat(admitAll(limiter, "user123", 1)).isEqualTo(9);
  }

  @ParameterizedTest
  @RateAlgorithms
  void aRefundNeverGivesMoreThanWasTaken(Algorithm algorithm) {
    Subject limiter = subject(algorithm, "overrefund", limitOf(algorithm, 10, TEN_SECONDS));
    Decision fresh = limiter.peek("user123");
    assertThat(limiter.refund("user123", 5)).as("nothing taken: nothing changes").isEqualTo(fresh);
    assertThat(limiter.tryAcquire("user123", 2).allowed()).isTrue();
    assertThat(limiter.refund("user123", 10).remaining()).isEqualTo(10);
    assertThat(limiter.peek("user123")).isEqualTo(fresh);
    assertThat(admitAll(limiter, "user123", 1)).isEqualTo(10);
  }

  @ParameterizedTest
  @RateAlgorithms
  void aRefundOfADeniedKeyLetsTheNextRequestIn(Algorithm algorithm) {
    Subject limiter = subject(algorithm, "refundlate", limitOf(algorithm, 10, TEN_SECONDS));
    assertThat(admitAll(limiter, "user123", 1)).isEqualTo(10);
    assertThat(limiter.tryAcquire("user123").allowed()).isFalse();
    limiter.refund("user123", 1);
    assertThat(limiter.tryAcquire("user123").allowed()).isTrue();
    assertThat(limiter.tryAcquire("user123").allowed()).isFalse();
  }

  // ---- Waiting acquire: sleeps the retry time (on the manual clock, which moves instead)

  @ParameterizedTest
  @RateAlgorithms
  void aWaitingAcquireSleepsTheRetryTimeAndGetsIt(Algorithm algorithm) {
    Subject limiter = subject(algorithm, "wait", limitOf(algorithm, 10, TEN_SECONDS));
    assertThat(admitAll(limiter, "user123", 1)).isEqualTo(10);
    long start = clock.nowMicros();

    Decision waited = limiter.acquire("user123", retryAfterWhenDrained(algorithm));
    assertThat(waited.allowed()).isTrue();
    assertThat(clock.nowMicros() - start)
        .as("it slept the retry time, once")
        .isEqualTo(retryAfterWhenDrained(algorithm).toNanos() / 1_000);
  }

  @ParameterizedTest
  @RateAlgorithms
  void aWaitingAcquireAnswersAtOnceWhenTheWaitWouldBeTooLong(Algorithm algorithm) {
    Subject limiter = subject(algorithm, "short", limitOf(algorithm, 10, TEN_SECONDS));
    assertThat(admitAll(limiter, "user123", 1)).isEqualTo(10);
    long start = clock.nowMicros();

    Decision denied =
        limiter.acquire("user123", retryAfterWhenDrained(algorithm).minusNanos(1_000));
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.retryAfter()).isEqualTo(retryAfterWhenDrained(algorithm));
    assertThat(clock.nowMicros()).as("no wait in vain").isEqualTo(start);
    assertThat(limiter.acquire("user123", Duration.ZERO).allowed()).isFalse();
  }

  @ParameterizedTest
  @RateAlgorithms
  void anAsyncWaitingAcquireAgreesWithTheBlockingOne(Algorithm algorithm) {
    Subject limiter = subject(algorithm, "waitasync", limitOf(algorithm, 10, TEN_SECONDS));
    assertThat(admitAll(limiter, "user123", 1)).isEqualTo(10);
    long start = clock.nowMicros();
    Decision waited =
        limiter
            .acquireAsync("user123", retryAfterWhenDrained(algorithm))
            .toCompletableFuture()
            .join();
    assertThat(waited.allowed()).isTrue();
    assertThat(clock.nowMicros() - start)
        .isEqualTo(retryAfterWhenDrained(algorithm).toNanos() / 1_000);
    assertThatThrownBy(
            () -> limiter.acquireAsync("user123", Duration.ofHours(2)).toCompletableFuture().join())
        .hasCauseInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxWait must be between 0s and 1h: 2h");
  }

  @ParameterizedTest
  @RateAlgorithms
  void anInterruptedWaitReturnsTheDenialConsumesNothingAndKeepsTheFlag(Algorithm algorithm) {
    Subject limiter = subject(algorithm, "interrupt", limitOf(algorithm, 10, TEN_SECONDS));
    assertThat(admitAll(limiter, "user123", 1)).isEqualTo(10);
    long start = clock.nowMicros();
    Thread.currentThread().interrupt();
    try {
      Decision denied = limiter.acquire("user123", Duration.ofMinutes(5));
      assertThat(denied.allowed()).isFalse();
      assertThat(Thread.currentThread().isInterrupted()).as("the flag is restored").isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(clock.nowMicros()).isEqualTo(start);
    clock.advance(retryAfterWhenDrained(algorithm));
    assertThat(admitAll(limiter, "user123", 1)).isEqualTo(admittedAtRetry(algorithm));
  }

  // ---- Batches: several keys under several policies, decided all or nothing

  /** A policy of one limit in this test's group. */
  private Policy grouped(Algorithm algorithm, String what, Limit limit) {
    assumeTrue(supports(limit.algorithm()), () -> "the backend does not support " + algorithm);
    return Policy.builder(name(algorithm, what))
        .group(name(algorithm, "group"))
        .limit(limit)
        .build();
  }

  @ParameterizedTest
  @RateAlgorithms
  void aBatchIsConsumedOnlyWhenEveryRequestFits(Algorithm algorithm) {
    Policy wide = grouped(algorithm, "wide", limitOf(algorithm, 10, TEN_SECONDS));
    Policy narrow = grouped(algorithm, "narrow", limitOf(algorithm, 3, TEN_SECONDS));
    RateLimiter limiter = limiter(wide, narrow);
    List<Acquire> batch = List.of(new Acquire(wide, "k", 2), new Acquire(narrow, "k", 2));

    List<Decision> first = limiter.tryAcquireAll(batch);
    assertThat(first).extracting(Decision::allowed).containsExactly(true, true);
    assertThat(first).extracting(Decision::remaining).containsExactly(8L, 1L);
    assertThat(first).extracting(Decision::policy).containsExactly(wide.name(), narrow.name());

    List<Decision> second = limiter.tryAcquireAll(batch);
    assertThat(second)
        .as("the narrow limit has 1 left: nothing is consumed, the wide request is told it fits")
        .extracting(Decision::allowed)
        .containsExactly(true, false);
    assertThat(second.get(0).remaining()).as("as it stands, nothing taken").isEqualTo(8);
    assertThat(second.get(0).retryAfterMicros()).isZero();
    assertThat(second.get(1).remaining()).isEqualTo(1);
    assertThat(second.get(1).retryAfterMicros()).isPositive();
    assertThat(limiter.peek("k", wide.name()).remaining()).isEqualTo(8);
    assertThat(limiter.peek("k", narrow.name()).remaining()).isEqualTo(1);

    List<Decision> smaller =
        limiter.tryAcquireAll(List.of(new Acquire(wide, "k", 1), new Acquire(narrow, "k", 1)));
    assertThat(smaller).extracting(Decision::allowed).containsExactly(true, true);
    assertThat(smaller).extracting(Decision::remaining).containsExactly(7L, 0L);
  }

  @ParameterizedTest
  @RateAlgorithms
  void aLookOfCostZeroIsAllowedConsumesNothingAndBlocksNoBatch(Algorithm algorithm) {
    Policy counted = grouped(algorithm, "counted", limitOf(algorithm, 10, TEN_SECONDS));
    Policy watched = grouped(algorithm, "watched", limitOf(algorithm, 2, TEN_SECONDS));
    RateLimiter limiter = limiter(counted, watched);
    assertThat(limiter.tryAcquire("k", watched.name(), 2).allowed()).isTrue();

    List<Decision> decisions =
        limiter.tryAcquireAll(List.of(new Acquire(counted, "k", 3), new Acquire(watched, "k", 0)));
    assertThat(decisions).extracting(Decision::allowed).containsExactly(true, true);
    assertThat(decisions).extracting(Decision::remaining).containsExactly(7L, 0L);
    assertThat(decisions.get(1).retryAfterMicros()).isZero();
    assertThat(limiter.peek("k", counted.name()).remaining()).isEqualTo(7);

    List<Decision> alone = limiter.tryAcquireAll(List.of(new Acquire(counted, "fresh", 0)));
    assertThat(alone.get(0).allowed()).isTrue();
    assertThat(alone.get(0).remaining()).isEqualTo(10);
    assertThat(limiter.peek("fresh", counted.name()).remaining()).isEqualTo(10);
  }

  @ParameterizedTest
  @RateAlgorithms
  void anInvalidBatchIsRefusedWithItsReasonAndChangesNothing(Algorithm algorithm) {
    Policy a = grouped(algorithm, "a", limitOf(algorithm, 10, TEN_SECONDS));
    Policy b = grouped(algorithm, "b", limitOf(algorithm, 10, TEN_SECONDS));
    Policy loose = Policy.of(name(algorithm, "loose"), limitOf(algorithm, 10, TEN_SECONDS));
    RateLimiter limiter = limiter(a, b, loose);

    assertThatThrownBy(() -> backend().tryAcquireAll(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("requests must hold 1 to 64 requests: 0");
    assertThatThrownBy(
            () -> backend().tryAcquireAll(List.of(new Acquire(a, "k", 1), new Acquire(a, "k", 1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("requests must name each key at most once per policy");
    assertThatThrownBy(
            () ->
                backend()
                    .tryAcquireAll(List.of(new Acquire(a, "k", 1), new Acquire(loose, "k", 1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("requests must name policies of one group")
        .hasMessageContaining("is in no group");
    List<Acquire> tooMany = new ArrayList<>();
    for (int i = 0; i <= RateLimiter.MAX_BATCH; i++) {
      tooMany.add(new Acquire(i % 2 == 0 ? a : b, "k" + i, 1));
    }
    assertThatThrownBy(() -> limiter.tryAcquireAll(tooMany))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("requests must hold 1 to 64 requests: 65");
    assertThat(limiter.peek("k", a.name()).remaining()).isEqualTo(10);
    assertThat(limiter.peek("k", loose.name()).remaining()).isEqualTo(10);
    assertThat(limiter.tryAcquireAll(tooMany.subList(0, 64)))
        .hasSize(64)
        .allMatch(Decision::allowed);
  }

  @ParameterizedTest
  @RateAlgorithms
  void aGroupedPolicyKeepsItsStateApartFromAnUngroupedOneOfTheSameName(Algorithm algorithm) {
    Policy loose = Policy.of(name(algorithm, "same"), limitOf(algorithm, 10, TEN_SECONDS));
    Policy grouped = grouped(algorithm, "same", limitOf(algorithm, 10, TEN_SECONDS));
    Backend backend = backend();
    assertThat(backend.tryAcquire(loose, "k", 4).remaining()).isEqualTo(6);
    assertThat(backend.tryAcquire(grouped, "k", 1).remaining()).isEqualTo(9);
    assertThat(backend.peek(loose, "k").remaining()).isEqualTo(6);
  }

  /**
   * Batches over two grouped policies of two limits each (one of them the test's algorithm, the
   * other a token bucket), mixed with single requests and looks, on a random timeline: every answer
   * equals the {@link ReferenceLimiter}'s, field by field.
   */
  @ParameterizedTest
  @RateAlgorithms
  void batchesAgreeWithTheReferenceModelOnARandomTimeline(Algorithm algorithm) {
    Policy p1 =
        Policy.builder(name(algorithm, "batch1"))
            .group(name(algorithm, "group"))
            .limit(limitOf(algorithm, 6, Duration.ofSeconds(3)))
            .build();
    Policy p2 =
        Policy.builder(name(algorithm, "batch2"))
            .group(name(algorithm, "group"))
            .limit(limitOf(algorithm, 9, Duration.ofSeconds(5)))
            .limit("bucket", Limit.tokenBucket(4, Rate.perSecond(2)))
            .build();
    RateLimiter limiter = limiter(p1, p2);
    ReferenceLimiter reference = new ReferenceLimiter();
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    String[] keys = {"k1", "k2", "{k3}"};
    List<String> history = new ArrayList<>();
    history.add("seed " + seed);
    for (int i = 0; i < 400; i++) {
      int op = random.nextInt(100);
      if (op < 50) {
        List<Acquire> batch = new ArrayList<>();
        for (Policy policy : List.of(p1, p2)) {
          for (String key : keys) {
            if (random.nextInt(3) == 0) {
              long cost = random.nextInt(5) == 0 ? 0 : 1 + random.nextInt(3);
              batch.add(new Acquire(policy, key, cost));
            }
          }
        }
        if (batch.isEmpty()) {
          batch.add(new Acquire(p1, "k1", 1));
        }
        history.add(i + ": batch " + describe(batch) + " at " + clock.nowMicros());
        assertThat(limiter.tryAcquireAll(batch))
            .as("%s", history)
            .isEqualTo(reference.tryAcquireAll(batch, clock.nowMicros()));
      } else if (op < 65) {
        Policy policy = random.nextBoolean() ? p1 : p2;
        String key = keys[random.nextInt(keys.length)];
        history.add(i + ": acquire " + policy.name() + " " + key + " at " + clock.nowMicros());
        assertThat(backend().tryAcquire(policy, key, 1))
            .as("%s", history)
            .isEqualTo(reference.tryAcquire(policy, key, 1, clock.nowMicros()));
      } else if (op < 75) {
        Policy policy = random.nextBoolean() ? p1 : p2;
        String key = keys[random.nextInt(keys.length)];
        history.add(i + ": peek " + policy.name() + " " + key + " at " + clock.nowMicros());
        assertThat(backend().peek(policy, key))
            .as("%s", history)
            .isEqualTo(reference.peek(policy, key, clock.nowMicros()));
      } else {
        long step =
            random.nextInt(3) == 0 ? random.nextInt(3) * 1_000_000L : random.nextInt(600_000);
        clock.advanceMicros(step);
        history.add(i + ": advance " + step);
      }
      if (history.size() > 10) {
        history.remove(1);
      }
    }
  }

  private static String describe(List<Acquire> batch) {
    StringBuilder text = new StringBuilder("[");
    for (Acquire request : batch) {
      text.append(text.length() == 1 ? "" : ", ")
          .append(request.policy().name(), 0, request.policy().name().indexOf('.', 3))
          .append(' ')
          .append(request.key())
          .append(' ')
          .append(request.cost());
    }
    return text.append(']').toString();
  }

  @ParameterizedTest
  @RateAlgorithms
  void concurrentBatchesAndSingleRequestsOnSharedKeysConsumeAllOrNothing(Algorithm algorithm)
      throws Exception {
    Policy wide = grouped(algorithm, "cwide", limitOf(algorithm, 100, TEN_SECONDS));
    Policy narrow = grouped(algorithm, "cnarrow", limitOf(algorithm, 40, TEN_SECONDS));
    RateLimiter limiter = limiter(wide, narrow);
    List<Acquire> batch = List.of(new Acquire(wide, "hot", 1), new Acquire(narrow, "hot", 1));
    int threads = 4;
    int perThread = 60;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<int[]>> counts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        counts.add(
            pool.submit(
                () -> {
                  start.await();
                  int batches = 0;
                  int singles = 0;
                  for (int i = 0; i < perThread; i++) {
                    if ((i + thread) % 2 == 0) {
                      List<Decision> decided = limiter.tryAcquireAll(batch);
                      boolean all = decided.stream().allMatch(Decision::allowed);
                      batches += all ? 1 : 0;
                    } else {
                      singles += limiter.tryAcquire("hot", wide.name(), 1).allowed() ? 1 : 0;
                    }
                  }
                  return new int[] {batches, singles};
                }));
      }
      start.countDown();
      int batches = 0;
      int singles = 0;
      for (Future<int[]> f : counts) {
        int[] c = f.get(60, TimeUnit.SECONDS);
        batches += c[0];
        singles += c[1];
      }
      assertThat(batches).as("batches consumed").isEqualTo(40);
      assertThat(limiter.peek("hot", narrow.name()).remaining()).isZero();
      assertThat(limiter.peek("hot", wide.name()).remaining())
          .as("the wide key lost exactly what the consumed batches and singles took")
          .isEqualTo(100 - batches - singles);
    } finally {
      pool.shutdownNow();
    }
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * A policy name unique to this run: {@code <algorithm>.<what>.<run>}.
   *
   * @param algorithm the algorithm
   * @param what the test's short name
   * @return the name
   */
  protected final String name(Algorithm algorithm, String what) {
    return algorithm.id() + "." + what + "." + run;
  }

  /**
   * The manual clock of the current test.
   *
   * @return the clock
   */
  protected final ManualTimeSource clock() {
    return clock;
  }

  /**
   * The backend of the current test, created on first use.
   *
   * @return the backend
   */
  protected final Backend backend() {
    if (backend == null) {
      backend = createBackend(clock);
    }
    return backend;
  }

  private Subject subject(Algorithm algorithm, String what, Limit limit) {
    assumeTrue(supports(algorithm), () -> "the backend does not support " + algorithm);
    return subject(Policy.of(name(algorithm, what), limit));
  }

  private Subject subject(Policy policy) {
    return new Subject(limiter(policy), policy.name());
  }

  private RateLimiter limiter(Policy... policies) {
    for (Policy policy : policies) {
      for (Limit limit : policy.limits()) {
        assumeTrue(
            supports(limit.algorithm()), () -> "the backend does not support " + limit.algorithm());
      }
    }
    return RateLimiter.builder()
        .backend(backend())
        .timeSource(clock)
        .policies(PolicyRegistry.of(policies))
        .build();
  }

  /** Requests of {@code cost} until one is denied; returns how many were allowed. */
  private static int admitAll(Subject limiter, String key, long cost) {
    int admitted = 0;
    while (limiter.tryAcquire(key, cost).allowed()) {
      admitted++;
      if (admitted > 10_000) {
        throw new AssertionError("never denied");
      }
    }
    return admitted;
  }

  /** A limiter and the one policy a test uses, so that calls need not name it. */
  private static final class Subject {
    final RateLimiter limiter;
    final String policy;

    Subject(RateLimiter limiter, String policy) {
      this.limiter = limiter;
      this.policy = policy;
    }

    Decision tryAcquire(String key) {
      return limiter.tryAcquire(key, policy, 1);
    }

    Decision tryAcquire(String key, long cost) {
      return limiter.tryAcquire(key, policy, cost);
    }

    CompletionStage<Decision> tryAcquireAsync(String key, long cost) {
      return limiter.tryAcquireAsync(key, policy, cost);
    }

    Decision refund(String key, long cost) {
      return limiter.refund(key, policy, cost);
    }

    Decision acquire(String key, Duration maxWait) {
      return limiter.acquire(key, policy, 1, maxWait);
    }

    CompletionStage<Decision> acquireAsync(String key, Duration maxWait) {
      return limiter.acquireAsync(key, policy, 1, maxWait);
    }

    Decision peek(String key) {
      return limiter.peek(key, policy);
    }

    void release(String key, String permit) {
      limiter.release(key, policy, permit);
    }

    void reset(String key) {
      limiter.reset(key, policy);
    }
  }

  private static String printable(String key) {
    String shown =
        key.length() > 24 ? key.substring(0, 12) + "...(" + key.length() + " chars)" : key;
    StringBuilder out = new StringBuilder("'");
    shown
        .codePoints()
        .forEach(
            c ->
                out.append(
                    c < 0x20 ? String.format("\\u%04x", c) : new String(Character.toChars(c))));
    return out.append('\'').toString();
  }
}

package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Bad input gets a {@link ValidationException} (an {@link IllegalArgumentException}) that names the
 * parameter and whose message reads {@code <param> must <rule>: <actual>}, and changes nothing; a
 * missing argument gets a {@link NullPointerException} naming it. One assertion per rule, with the
 * exact message.
 */
class ValidationTest {

  private static final Rate ONE_PER_SECOND = Rate.perSecond(1);

  private static void rejects(ThrowingCallable call, String message) {
    assertThatThrownBy(call)
        .isExactlyInstanceOf(ValidationException.class)
        .hasMessage(message)
        .satisfies(
            e -> {
              ValidationException failure = (ValidationException) e;
              assertThat(message)
                  .as("the message is built from the parts an edge maps")
                  .isEqualTo(
                      failure.parameter()
                          + " must "
                          + failure.rule()
                          + (failure.actual() == null ? "" : ": " + failure.actual()));
            });
  }

  private static void rejectsNull(ThrowingCallable call, String message) {
    assertThatThrownBy(call).isExactlyInstanceOf(NullPointerException.class).hasMessage(message);
  }

  @Test
  void anEdgeRenamesTheParameterWithoutReadingTheMessage() {
    ValidationException failure =
        catchThrowableOfType(ValidationException.class, () -> Rate.parse("0/s"));
    assertThat(failure.parameter()).isEqualTo("rate tokens");
    assertThat(failure.concerns("rate")).isTrue();
    assertThat(failure.renamed("rate", "--refill").getMessage())
        .isEqualTo("--refill tokens must be between 1 and 1000000000: 0");
    assertThat(failure.renamed("capacity", "x")).isSameAs(failure);
  }

  @Test
  void limits() {
    rejects(
        () -> Limit.tokenBucket(0, ONE_PER_SECOND), "capacity must be between 1 and 1000000000: 0");
    rejects(
        () -> Limit.tokenBucket(1_000_000_001, ONE_PER_SECOND),
        "capacity must be between 1 and 1000000000: 1000000001");
    rejectsNull(() -> Limit.tokenBucket(10, null), "refill must not be null");
    rejects(
        () -> Limit.tokenBucket(1_000_000_000, Rate.of(1, Duration.ofDays(1))),
        "capacity x refill period must be at most 2^52 microseconds (the bucket would take"
            + " centuries to fill; raise the rate or lower the capacity): 1000000000 x"
            + " 86400000000us");
    rejects(
        () -> Limit.leakyBucket(-1, ONE_PER_SECOND),
        "capacity must be between 1 and 1000000000: -1");
    rejectsNull(() -> Limit.leakyBucket(10, null), "leak must not be null");
    rejects(
        () -> Limit.leakyBucket(100_000_000, Rate.of(7, Duration.ofDays(1))),
        "capacity x leak period must be at most 2^52 microseconds (the bucket would take centuries"
            + " to fill; raise the rate or lower the capacity): 100000000 x 86400000000us");
    rejects(
        () -> Limit.fixedWindow(0, Duration.ofSeconds(1)),
        "limit must be between 1 and 1000000000: 0");
    rejectsNull(() -> Limit.fixedWindow(1, null), "window must not be null");
    rejects(
        () -> Limit.fixedWindow(1, Duration.ofNanos(999_000)),
        "window must be between 1ms and 366d: 999us");
    rejects(
        () -> Limit.fixedWindow(1, Duration.ofDays(366).plusNanos(1_000)),
        "window must be between 1ms and 366d: 31622400000001us");
    rejects(
        () -> Limit.fixedWindow(1, Duration.ofSeconds(-1)),
        "window must be between 1ms and 366d: -1s");
    rejects(
        () -> Limit.fixedWindow(1, Duration.ofDays(365 * 400)),
        "window must be between 1ms and 366d: 146000d");
    rejects(
        () -> Limit.fixedWindow(1, Duration.ofSeconds(Long.MAX_VALUE)),
        "window must be between 1ms and 366d: " + Duration.ofSeconds(Long.MAX_VALUE));
    rejects(
        () -> Limit.fixedWindow(1, Duration.ofNanos(1_000_500)),
        "window must be a whole number of microseconds: PT0.0010005S");
    rejects(
        () -> Limit.slidingWindow(1_000_000_001, Duration.ofSeconds(1)),
        "limit must be between 1 and 1000000000: 1000000001");
    rejects(() -> Limit.slidingWindow(1, Duration.ZERO), "window must be between 1ms and 366d: 0s");
    rejects(
        () -> Limit.slidingLog(100_001, Duration.ofSeconds(1)),
        "limit must be between 1 and 100000: 100001");
    rejects(
        () -> Limit.slidingLog(0, Duration.ofSeconds(1)), "limit must be between 1 and 100000: 0");

    // The edges of every range are accepted.
    Limit.tokenBucket(1, Rate.of(1, Duration.ofDays(1)));
    Limit.tokenBucket(1_000_000_000, Rate.perSecond(10_000_000));
    Limit.tokenBucket(52_124, Rate.of(1, Duration.ofDays(1))); // 52124 x 86400000000 <= 2^52
    Limit.fixedWindow(1_000_000_000, Duration.ofMillis(1));
    Limit.fixedWindow(1_000_000_000, Duration.ofDays(366));
    Limit.slidingWindow(1, Duration.ofDays(366));
    Limit.slidingLog(100_000, Duration.ofDays(366));
    Limit.tokenBucket(142, Rate.of(1, Duration.ofDays(366))); // 142 x 31622400000000 <= 2^52
    rejects(
        () -> Limit.tokenBucket(52_125, Rate.of(1, Duration.ofDays(1))),
        "capacity x refill period must be at most 2^52 microseconds (the bucket would take"
            + " centuries to fill; raise the rate or lower the capacity): 52125 x 86400000000us");
  }

  @Test
  void rates() {
    rejects(
        () -> Rate.of(0, Duration.ofSeconds(1)), "rate tokens must be between 1 and 1000000000: 0");
    rejects(
        () -> Rate.of(1_000_000_001, Duration.ofDays(1)),
        "rate tokens must be between 1 and 1000000000: 1000000001");
    rejectsNull(() -> Rate.of(1, null), "rate period must not be null");
    rejects(() -> Rate.of(1, Duration.ZERO), "rate period must be between 1us and 366d: 0s");
    rejects(
        () -> Rate.of(1, Duration.ofDays(367)), "rate period must be between 1us and 366d: 367d");
    rejects(
        () -> Rate.of(1, Duration.ofNanos(1_500)),
        "rate period must be a whole number of microseconds: PT0.0000015S");
    rejects(
        () -> Rate.of(11, Duration.ofNanos(1_000)),
        "rate must be at most 10000000 per second: 11 per 1us");
    rejects(
        () -> Rate.perSecond(10_000_001),
        "rate must be at most 10000000 per second: 10000001 per 1s");
    rejects(
        () -> Rate.of(2, Duration.ofDays(366 * 2).plusNanos(1_000)),
        "rate period must be between 1us and 366d: 63244800000001us");

    // The edges of the range are accepted.
    assertThat(Rate.of(1, Duration.ofDays(1)).toString()).isEqualTo("1/d");
    assertThat(Rate.of(2, Duration.ofDays(2)).toString()).isEqualTo("2/2d");
    assertThat(Rate.of(30, Duration.ofDays(30)).toString()).isEqualTo("30/30d");
    assertThat(Rate.of(1, Duration.ofDays(366)).toString()).isEqualTo("1/366d");
    assertThat(Rate.of(1, Duration.ofDays(365)).toString()).isEqualTo("1/365d");
    assertThat(Rate.perSecond(10_000_000).toString()).isEqualTo("10000000/s");
    assertThat(Rate.of(10, Duration.ofNanos(1_000)).toString()).isEqualTo("10/us");
  }

  @Test
  void rateText() {
    String shape = "rate must be <tokens>/<period> such as 1/s, 100/m, 10000/d or 5/10s: ";
    for (String text :
        List.of("10", "/s", "a/s", "-1/s", "1.5/s", "99999999999/s", "", " /s", "1 0/s")) {
      rejects(() -> Rate.parse(text), shape + "'" + text + "'");
    }
    rejectsNull(() -> Rate.parse(null), "rate must not be null");
    rejects(
        () -> Rate.parse("1/x"),
        "rate period must be a whole number followed by one of us, ms, s, m, h, d (like 50ms or"
            + " 1m): 'x'");
    rejects(
        () -> Rate.parse("1/fortnight"),
        "rate period must be a whole number followed by one of us, ms, s, m, h, d (like 50ms or"
            + " 1m): 'fortnight'");
    rejects(
        () -> Rate.parse("5/"),
        "rate period must be a whole number followed by one of us, ms, s, m, h, d (like 50ms or"
            + " 1m): ''");
    rejects(() -> Rate.parse("1/0s"), "rate period must be between 1us and 366d: 0s");
    rejects(
        () -> Rate.parse("2000000000/s"),
        "rate tokens must be between 1 and 1000000000: 2000000000");

    assertThat(Rate.parse("1/s")).isEqualTo(Rate.perSecond(1));
    assertThat(Rate.parse("100/m")).isEqualTo(Rate.perMinute(100));
    assertThat(Rate.parse("10000/d")).isEqualTo(Rate.of(10_000, Duration.ofDays(1)));
    assertThat(Rate.parse("5/10s")).isEqualTo(Rate.of(5, Duration.ofSeconds(10)));
    assertThat(Rate.parse(" 20 / 500ms ")).isEqualTo(Rate.of(20, Duration.ofMillis(500)));
    for (String text :
        List.of("1/s", "100/m", "10000/d", "5/10s", "20/500ms", "3/h", "7/1500ms", "1/us")) {
      assertThat(Rate.parse(text)).hasToString(text);
    }
  }

  @Test
  void durationText() {
    String shape =
        "window must be a whole number followed by one of us, ms, s, m, h, d (like 50ms or 1m): ";
    for (String text :
        List.of("", "ms", "10", "1.5s", "10 years", "-5s", "5 sec", "1234567890123s", "s5")) {
      rejects(() -> Durations.parse("window", text), shape + "'" + text + "'");
    }
    rejectsNull(() -> Durations.parse("window", null), "window must not be null");
    rejects(
        () -> Durations.parse("window", "999999999999d"),
        "window must be at most 106751991d: '999999999999d'");
    rejects(
        () -> Durations.parse("window", "9999999999h"),
        "window must be at most 106751991d: '9999999999h'");

    assertThat(Durations.parse("window", "999999999999s"))
        .isEqualTo(Duration.ofSeconds(999_999_999_999L));
    assertThat(Durations.parse("window", "106751991d")).isEqualTo(Duration.ofDays(106_751_991));
    assertThat(Durations.parse("w", "500us")).isEqualTo(Duration.ofNanos(500_000));
    assertThat(Durations.parse("w", "50ms")).isEqualTo(Duration.ofMillis(50));
    assertThat(Durations.parse("w", " 2 S ")).isEqualTo(Duration.ofSeconds(2));
    assertThat(Durations.parse("w", "10m")).isEqualTo(Duration.ofMinutes(10));
    assertThat(Durations.parse("w", "1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Durations.parse("w", "30d")).isEqualTo(Duration.ofDays(30));

    assertThat(Durations.format(Duration.ofSeconds(1))).isEqualTo("1s");
    assertThat(Durations.format(Duration.ofMillis(1_500))).isEqualTo("1500ms");
    assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
    assertThat(Durations.format(Duration.ofNanos(1_000))).isEqualTo("1us");
    assertThat(Durations.format(Duration.ofHours(36))).isEqualTo("36h");
    assertThat(Durations.format(Duration.ofDays(2))).isEqualTo("2d");
    assertThat(Durations.format(Duration.ofMillis(-1_500))).isEqualTo("-1500ms");
    assertThat(Durations.format(Duration.ofNanos(1))).isEqualTo("PT0.000000001S");
    assertThat(Durations.format(Duration.ofDays(146_000))).isEqualTo("146000d");
  }

  @Test
  void algorithmNames() {
    rejects(
        () -> Algorithm.fromId("bogus"),
        "algorithm must be one of token-bucket, fixed-window, sliding-window, sliding-log,"
            + " leaky-bucket, concurrency: 'bogus'");
    rejectsNull(() -> Algorithm.fromId(null), "algorithm must not be null");
    assertThat(Algorithm.fromId(" Sliding-Log ")).isEqualTo(Algorithm.SLIDING_LOG);
    for (Algorithm algorithm : Algorithm.values()) {
      assertThat(Algorithm.fromId(algorithm.id())).isEqualTo(algorithm);
      assertThat(algorithm).hasToString(algorithm.id());
    }
  }

  @Test
  void policies() {
    Limit limit = Limit.tokenBucket(10, ONE_PER_SECOND);
    String rule =
        "policy name must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or"
            + " digit: ";
    for (String name :
        List.of("bad name", "", "-x", ".x", "a".repeat(65), "ünïcode", "a:b", "a/b", "{a}")) {
      rejects(() -> Policy.of(name, limit), rule + "'" + name + "'");
    }
    rejectsNull(() -> Policy.of(null, limit), "policy name must not be null");
    assertThat(Policy.of("a".repeat(64), limit).name()).hasSize(64);
    assertThat(Policy.of("A1_b.c-d", limit).name()).isEqualTo("A1_b.c-d");

    rejects(() -> Policy.of("p"), "limits must hold 1 to 16 limits: 0");
    rejects(
        () -> Policy.of("p", Collections.nCopies(17, limit)),
        "limits must hold 1 to 16 limits: 17");
    rejectsNull(() -> Policy.of("p", limit, null), "limit must not be null");
    rejectsNull(() -> Policy.of("p", (Limit[]) null), "limits must not be null");
    rejectsNull(() -> Policy.of("p", (List<Limit>) null), "limits must not be null");
    assertThat(Policy.of("p", Collections.nCopies(8, limit)).limits()).hasSize(8);
  }

  @Test
  void keys() {
    RateLimiter limiter = RateLimiter.create(Limit.tokenBucket(10, ONE_PER_SECOND));
    rejectsNull(() -> limiter.tryAcquire(null), "key must not be null");
    rejects(() -> limiter.tryAcquire(""), "key must not be empty");
    rejects(
        () -> limiter.tryAcquire("k".repeat(513)),
        "key must be at most 512 UTF-8 bytes: 513 bytes");
    rejects(
        () -> limiter.tryAcquire("é".repeat(256) + "a"),
        "key must be at most 512 UTF-8 bytes: 513 bytes");
    rejects(
        () -> limiter.tryAcquire("€".repeat(171)),
        "key must be at most 512 UTF-8 bytes: 513 bytes");
    rejects(
        () -> limiter.tryAcquire("🔑".repeat(128) + "a"),
        "key must be at most 512 UTF-8 bytes: 513 bytes");
    rejects(
        () -> limiter.tryAcquire("€".repeat(1_000)),
        "key must be at most 512 UTF-8 bytes: 3000 bytes");
    rejects(() -> limiter.peek(""), "key must not be empty");
    // A lone surrogate has no UTF-8 bytes: "a\uD800" would be stored as "a?".
    rejects(
        () -> limiter.tryAcquire("a\uD800"),
        "key must be valid Unicode: an unpaired surrogate at index 1");
    rejects(
        () -> limiter.tryAcquire("\uDC00b"),
        "key must be valid Unicode: an unpaired surrogate at index 0");
    assertThat(limiter.tryAcquire("\uD83D\uDE00").allowed()).as("a pair is fine").isTrue();
    rejectsNull(() -> limiter.reset(null), "key must not be null");
    assertThatThrownBy(() -> limiter.tryAcquireAsync("", 1).toCompletableFuture().join())
        .isInstanceOf(CompletionException.class)
        .hasCauseExactlyInstanceOf(ValidationException.class)
        .hasRootCauseMessage("key must not be empty");

    for (String key :
        List.of(
            "k".repeat(512),
            "é".repeat(256),
            "€".repeat(170) + "ab",
            "🔑".repeat(128),
            " ",
            "\n")) {
      assertThat(limiter.tryAcquire(key).allowed()).isTrue();
    }
  }

  @Test
  void costs() {
    RateLimiter limiter = RateLimiter.create(Limit.tokenBucket(10, ONE_PER_SECOND));
    rejects(() -> limiter.tryAcquire("k", 0), "cost must be at least 1: 0");
    rejects(() -> limiter.tryAcquire("k", -1), "cost must be at least 1: -1");
    rejects(
        () -> limiter.tryAcquire("k", Long.MIN_VALUE),
        "cost must be at least 1: " + Long.MIN_VALUE);
    rejects(
        () -> limiter.tryAcquire("k", 11),
        "cost must be at most the capacity 10 of policy 'default': 11");
    rejects(
        () -> limiter.tryAcquire("k", Long.MAX_VALUE),
        "cost must be at most the capacity 10 of policy 'default': " + Long.MAX_VALUE);
    assertThatThrownBy(() -> limiter.tryAcquireAsync("k", 11).toCompletableFuture().join())
        .hasCauseExactlyInstanceOf(ValidationException.class)
        .hasRootCauseMessage("cost must be at most the capacity 10 of policy 'default': 11");

    RateLimiter multi =
        RateLimiter.create(
            Limit.tokenBucket(10, ONE_PER_SECOND), Limit.fixedWindow(5, Duration.ofSeconds(1)));
    rejects(
        () -> multi.tryAcquire("k", 6),
        "cost must be at most the capacity 5 of policy 'default': 6");
  }

  @Test
  void builders() {
    rejects(
        () -> InMemoryBackend.builder().maxKeys(0), "maxKeys must be between 1 and 2147483648: 0");
    rejects(
        () -> InMemoryBackend.builder().maxKeys((1L << 31) + 1),
        "maxKeys must be between 1 and 2147483648: 2147483649");
    InMemoryBackend.builder().maxKeys(1).maxKeys(1L << 31).build();
    rejectsNull(() -> InMemoryBackend.builder().timeSource(null), "timeSource must not be null");

    rejectsNull(() -> RateLimiter.builder().backend(null), "backend must not be null");
    rejectsNull(() -> RateLimiter.builder().timeSource(null), "timeSource must not be null");
    rejectsNull(() -> RateLimiter.builder().listener(null), "listener must not be null");
    rejectsNull(() -> RateLimiter.builder().policies(null), "policies must not be null");
    rejects(() -> RateLimiter.create(), "limits must hold 1 to 16 limits: 0");
    rejects(
        () ->
            RateLimiter.builder()
                .policies(PolicyRegistry.of(Policy.of("a", Limit.tokenBucket(1, ONE_PER_SECOND))))
                .limits(Limit.tokenBucket(1, ONE_PER_SECOND))
                .build(),
        "policies must be given either as a registry or one by one, not both");
    rejectsNull(
        () -> RateLimiter.create(Limit.tokenBucket(1, ONE_PER_SECOND)).setPolicies(null),
        "policies must not be null");
  }

  /** A rejected request changes nothing and reaches neither the backend nor the listener. */
  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aRejectedRequestChangesNothing(Algorithm algorithm) {
    ManualTimeSource clock = new ManualTimeSource();
    AtomicInteger heard = new AtomicInteger();
    Limit[] limits =
        switch (algorithm) {
          case TOKEN_BUCKET -> new Limit[] {Limit.tokenBucket(10, ONE_PER_SECOND)};
          case LEAKY_BUCKET -> new Limit[] {Limit.leakyBucket(10, ONE_PER_SECOND)};
          case FIXED_WINDOW -> new Limit[] {Limit.fixedWindow(10, Duration.ofSeconds(10))};
          case SLIDING_WINDOW -> new Limit[] {Limit.slidingWindow(10, Duration.ofSeconds(10))};
          case SLIDING_LOG -> new Limit[] {Limit.slidingLog(10, Duration.ofSeconds(10))};
          // A concurrency limit bounds no cost: beside a window, the window's capacity does.
          case CONCURRENCY ->
              new Limit[] {
                Limit.concurrency(10, Duration.ofSeconds(10)),
                Limit.fixedWindow(10, Duration.ofSeconds(10))
              };
        };
    RateLimiter limiter =
        RateLimiter.builder()
            .limits(limits)
            .timeSource(clock)
            .listener(
                new DecisionListener() {
                  @Override
                  public void onDecision(Policy policy, String key, long cost, Decision decision) {
                    heard.incrementAndGet();
                  }

                  @Override
                  public void onError(Policy policy, String key, long cost, Throwable error) {
                    heard.incrementAndGet();
                  }
                })
            .build();
    limiter.tryAcquire("k", 3);
    Decision before = limiter.peek("k");
    InMemoryBackend backend = (InMemoryBackend) limiter.backend();
    long size = backend.size();

    List<Throwable> errors = new ArrayList<>();
    for (long cost : new long[] {0, -1, 11, Long.MAX_VALUE}) {
      try {
        limiter.tryAcquire("k", cost);
      } catch (IllegalArgumentException e) {
        errors.add(e);
      }
      limiter.tryAcquireAsync("k", cost).exceptionally(e -> null);
      try {
        limiter.tryAcquire("k", "no-such-policy", 1);
      } catch (IllegalArgumentException e) {
        errors.add(e);
      }
    }
    try {
      limiter.tryAcquire("x".repeat(513), 1);
    } catch (IllegalArgumentException e) {
      errors.add(e);
    }

    assertThat(errors).hasSize(9);
    assertThat(limiter.peek("k")).isEqualTo(before);
    assertThat(backend.size()).isEqualTo(size);
    assertThat(heard.get()).isEqualTo(1);
  }
}

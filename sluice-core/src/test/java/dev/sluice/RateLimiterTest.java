package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * The limiter around a backend: listeners hear every decision and every backend failure but cannot
 * change an answer, async calls agree with sync ones, builder defaults, and the rounding of a
 * decision's waits to milliseconds (always up, so that retrying then succeeds).
 */
class RateLimiterTest {

  private final ManualTimeSource clock = new ManualTimeSource();

  @Test
  void listenersHearEveryDecisionAndCannotChangeIt() {
    List<String> heard = new ArrayList<>();
    RateLimiter limiter =
        RateLimiter.builder()
            .limits(Limit.tokenBucket(1, Rate.perSecond(1)))
            .timeSource(clock)
            .listener(
                new DecisionListener() {
                  @Override
                  public void onDecision(Policy policy, String key, long cost, Decision decision) {
                    heard.add(policy.name() + " " + key + " " + cost + " " + decision.allowed());
                    throw new IllegalStateException("a broken listener");
                  }
                })
            .build();

    assertThat(limiter.tryAcquire("a").allowed()).isTrue();
    assertThat(limiter.tryAcquire("a").allowed()).isFalse();
    assertThat(limiter.tryAcquireAsync("b", 1).toCompletableFuture().join().allowed()).isTrue();
    limiter.peek("a");
    assertThat(heard).containsExactly("default a 1 true", "default a 1 false", "default b 1 true");
  }

  @Test
  void backendFailuresReachTheCallerAndTheListener() {
    List<Throwable> errors = new ArrayList<>();
    RuntimeException failure = new BackendException("store down", null);
    Backend broken =
        new Backend() {
          @Override
          public CompletionStage<Decision> tryAcquireAsync(Policy policy, String key, long cost) {
            return CompletableFuture.failedFuture(failure);
          }

          @Override
          public CompletionStage<List<Decision>> tryAcquireAllAsync(List<Acquire> requests) {
            return CompletableFuture.failedFuture(failure);
          }

          @Override
          public CompletionStage<Decision> peekAsync(Policy policy, String key) {
            return CompletableFuture.failedFuture(failure);
          }

          @Override
          public CompletionStage<Decision> refundAsync(Policy policy, String key, long cost) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public CompletionStage<Void> releaseAsync(Policy policy, String key, String permit) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public CompletionStage<Void> resetAsync(Policy policy, String key) {
            return CompletableFuture.completedFuture(null);
          }
        };
    RateLimiter limiter =
        RateLimiter.builder()
            .limits(Limit.tokenBucket(1, Rate.perSecond(1)))
            .backend(broken)
            .listener(
                new DecisionListener() {
                  @Override
                  public void onError(Policy policy, String key, long cost, Throwable error) {
                    errors.add(error);
                  }
                })
            .build();

    assertThatThrownBy(() -> limiter.tryAcquire("a")).isSameAs(failure);
    CompletionStage<Decision> async = limiter.tryAcquireAsync("a", 1);
    assertThatThrownBy(() -> async.toCompletableFuture().join())
        .isInstanceOf(CompletionException.class)
        .hasCause(failure);
    Policy policy = limiter.policies().get("default");
    assertThatThrownBy(() -> limiter.tryAcquireAll(List.of(new Acquire(policy, "a", 1))))
        .isSameAs(failure);
    assertThat(errors).containsExactly(failure, failure, failure);
    assertThat(limiter.backend()).isSameAs(broken);
  }

  @Test
  void asyncUsesTheBackendsAsyncPath() {
    Decision canned = new Decision("default", true, 1, 0, 0, 1);
    Backend async =
        new Backend() {
          @Override
          public Decision tryAcquire(Policy policy, String key, long cost) {
            throw new AssertionError("sync path used");
          }

          @Override
          public CompletionStage<Decision> tryAcquireAsync(Policy policy, String key, long cost) {
            return CompletableFuture.completedFuture(canned);
          }

          @Override
          public List<Decision> tryAcquireAll(List<Acquire> requests) {
            throw new AssertionError("sync path used");
          }

          @Override
          public CompletionStage<List<Decision>> tryAcquireAllAsync(List<Acquire> requests) {
            return CompletableFuture.completedFuture(List.of(canned));
          }

          @Override
          public CompletionStage<Decision> peekAsync(Policy policy, String key) {
            return CompletableFuture.completedFuture(canned);
          }

          @Override
          public CompletionStage<Decision> refundAsync(Policy policy, String key, long cost) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public CompletionStage<Void> releaseAsync(Policy policy, String key, String permit) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public CompletionStage<Void> resetAsync(Policy policy, String key) {
            return CompletableFuture.completedFuture(null);
          }
        };
    RateLimiter limiter =
        RateLimiter.builder()
            .limits(Limit.tokenBucket(1, Rate.perSecond(1)))
            .backend(async)
            .build();
    assertThat(limiter.tryAcquireAsync("a", 1).toCompletableFuture().join()).isSameAs(canned);
    Policy policy = limiter.policies().get("default");
    assertThat(
            limiter
                .tryAcquireAllAsync(List.of(new Acquire(policy, "a", 1)))
                .toCompletableFuture()
                .join())
        .containsExactly(canned);
  }

  @Test
  void theDefaultBackendIsInMemoryOnTheGivenClockAndCloseClosesIt() {
    boolean[] closed = new boolean[1];
    Backend backend =
        new Backend() {
          @Override
          public CompletionStage<Decision> tryAcquireAsync(Policy policy, String key, long cost) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public CompletionStage<List<Decision>> tryAcquireAllAsync(List<Acquire> requests) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public CompletionStage<Decision> peekAsync(Policy policy, String key) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public CompletionStage<Decision> refundAsync(Policy policy, String key, long cost) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public CompletionStage<Void> releaseAsync(Policy policy, String key, String permit) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public CompletionStage<Void> resetAsync(Policy policy, String key) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public void close() {
            closed[0] = true;
          }
        };
    RateLimiter.builder()
        .limits(Limit.tokenBucket(1, Rate.perSecond(1)))
        .backend(backend)
        .build()
        .close();
    assertThat(closed[0]).isTrue();

    RateLimiter limiter =
        RateLimiter.builder()
            .limits(Limit.tokenBucket(1, Rate.perSecond(1)))
            .timeSource(clock)
            .build();
    assertThat(limiter.backend()).isInstanceOf(InMemoryBackend.class);
    limiter.tryAcquire("a");
    assertThat(limiter.tryAcquire("a").allowed()).isFalse();
    clock.advance(Duration.ofSeconds(1));
    assertThat(limiter.tryAcquire("a").allowed()).isTrue();
    limiter.close();
  }

  @Test
  void waitsRoundUpToWholeMilliseconds() {
    assertThat(new Decision("p", false, 1, 0, 0, 0).retryAfterMillis()).isZero();
    assertThat(new Decision("p", false, 1, 0, 1, 1).retryAfterMillis()).isEqualTo(1);
    assertThat(new Decision("p", false, 1, 0, 1_000, 1_000).retryAfterMillis()).isEqualTo(1);
    assertThat(new Decision("p", false, 1, 0, 1_001, 1_001).retryAfterMillis()).isEqualTo(2);
    assertThat(new Decision("p", false, 1, 0, 1_001, 999_999).resetAfterMillis()).isEqualTo(1_000);
    assertThat(new Decision("p", false, 1, 0, 1_500, 2_500).retryAfter())
        .isEqualTo(Duration.ofNanos(1_500_000));
    assertThat(new Decision("p", false, 1, 0, 1_500, 2_500).resetAfter())
        .isEqualTo(Duration.ofNanos(2_500_000));
  }

  @Test
  void theManualClockMovesOnlyWhenTold() {
    ManualTimeSource manual = new ManualTimeSource(-5);
    assertThat(manual.nowMicros()).isEqualTo(-5);
    assertThat(manual.advance(Duration.ofMillis(1)).nowMicros()).isEqualTo(995);
    assertThat(manual.advance(Duration.ofMillis(-2)).nowMicros()).isEqualTo(-1_005);
    assertThat(manual.advanceMicros(5).nowMicros()).isEqualTo(-1_000);
    assertThat(manual.set(42).nowMicros()).isEqualTo(42);
    assertThat(new ManualTimeSource().nowMicros()).isZero();
  }

  @Test
  void theSystemClockIsMonotonicAndNearTheWallClock() {
    TimeSource system = TimeSource.system();
    long first = system.nowMicros();
    long second = system.nowMicros();
    assertThat(second).isGreaterThanOrEqualTo(first);
    assertThat(Math.abs(first - System.currentTimeMillis() * 1_000)).isLessThan(60_000_000L);
  }
}

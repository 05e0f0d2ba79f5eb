package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The failure policies, the circuit breaker and the deny cache, around a store that can be told to
 * hang or fail. Deadlines run on the real clock (they are what is tested); the breaker's back-off
 * and the deny cache's retry times on a manual one. The same behaviour against real, killed and
 * paused Redis processes is in sluice-redis's FaultIT.
 */
class ResilientBackendTest {

  private static final Policy SEED = Policy.of("default", Limit.tokenBucket(10, Rate.perSecond(1)));

  /** An in-memory store that counts its calls and can hang (never answer) or fail. */
  static class Store implements Backend {
    final InMemoryBackend memory;
    final AtomicInteger calls = new AtomicInteger();
    volatile String mode = "ok";

    Store(TimeSource clock) {
      this.memory = InMemoryBackend.builder().timeSource(clock).build();
    }

    @Override
    public CompletionStage<Decision> tryAcquireAsync(Policy policy, String key, long cost) {
      calls.incrementAndGet();
      switch (mode) {
        case "hang":
          return new CompletableFuture<>();
        case "fail":
          return CompletableFuture.failedFuture(new BackendException("connection refused", null));
        default:
          return CompletableFuture.completedFuture(memory.tryAcquire(policy, key, cost));
      }
    }

    @Override
    public CompletionStage<List<Decision>> tryAcquireAllAsync(List<Acquire> requests) {
      calls.incrementAndGet();
      switch (mode) {
        case "hang":
          return new CompletableFuture<>();
        case "fail":
          return CompletableFuture.failedFuture(new BackendException("connection refused", null));
        default:
          return CompletableFuture.completedFuture(memory.tryAcquireAll(requests));
      }
    }

    @Override
    public CompletionStage<Decision> peekAsync(Policy policy, String key) {
      return mode.equals("hang") ? new CompletableFuture<>() : memory.peekAsync(policy, key);
    }

    @Override
    public CompletionStage<Decision> refundAsync(Policy policy, String key, long cost) {
      return mode.equals("hang")
          ? new CompletableFuture<>()
          : memory.refundAsync(policy, key, cost);
    }

    @Override
    public CompletionStage<Void> releaseAsync(Policy policy, String key, String permit) {
      return mode.equals("hang")
          ? new CompletableFuture<>()
          : memory.releaseAsync(policy, key, permit);
    }

    @Override
    public CompletionStage<Void> resetAsync(Policy policy, String key) {
      return memory.resetAsync(policy, key);
    }
  }

  private final ManualTimeSource clock = new ManualTimeSource(1_000_000_000L);
  private final Store store = new Store(clock);

  private ResilientBackend.Builder resilient() {
    return ResilientBackend.builder(store).timeSource(clock).timeout(Duration.ofMillis(50));
  }

  @Test
  void aLateCallIsAnsweredWithinTheDeadlineAndAdmittedOnlyWhenFailingOpen() {
    store.mode = "hang";
    for (ResilientBackend.OnFailure onFailure : ResilientBackend.OnFailure.values()) {
      ResilientBackend backend = resilient().onFailure(onFailure).build();
      long start = System.nanoTime();
      Decision decision = backend.tryAcquire(SEED, "k", 1);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(took)
          .as("%s", onFailure)
          .isGreaterThanOrEqualTo(Duration.ofMillis(50))
          .isLessThan(Duration.ofSeconds(1));
      assertThat(decision.source()).isEqualTo(Decision.Source.FALLBACK_TIMEOUT);
      assertThat(decision.isFallback()).isTrue();
      assertThat(decision.allowed())
          .as("a late call may still be counted by the store: LOCAL must not admit it as well")
          .isEqualTo(onFailure == ResilientBackend.OnFailure.ALLOW);
    }
  }

  @Test
  void onceTheCircuitIsOpenTheLocalFallbackAnswersLateCallsToo() {
    store.mode = "hang";
    ResilientBackend backend =
        resilient()
            .circuitBreaker(2, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(1))
            .build();
    assertThat(backend.tryAcquire(SEED, "k", 1).allowed()).isFalse();
    clock.advance(Duration.ofMillis(100));
    assertThat(backend.tryAcquire(SEED, "k", 1).allowed()).isFalse();
    assertThat(backend.circuitState()).isEqualTo(ResilientBackend.CircuitState.OPEN);
    Decision local = backend.tryAcquire(SEED, "k", 1);
    assertThat(local.source()).isEqualTo(Decision.Source.FALLBACK_CIRCUIT_OPEN);
    assertThat(local.allowed()).isTrue();
  }

  @Test
  void aBurstOfFailuresStartedTogetherDoesNotOpenTheCircuit() {
    store.mode = "fail";
    ResilientBackend backend = resilient().onFailure(ResilientBackend.OnFailure.DENY).build();
    for (int i = 0; i < 100; i++) {
      backend.tryAcquire(SEED, "k", 1);
    }
    clock.advance(Duration.ofMillis(499));
    backend.tryAcquire(SEED, "k", 1);
    assertThat(backend.circuitState())
        .as("101 failures, all started within 499 ms: a cold start or a pause, not an outage")
        .isEqualTo(ResilientBackend.CircuitState.CLOSED);
    clock.advance(Duration.ofMillis(1));
    backend.tryAcquire(SEED, "k", 1);
    assertThat(backend.circuitState())
        .as("failures started 500 ms apart: the default open-after")
        .isEqualTo(ResilientBackend.CircuitState.OPEN);
  }

  @Test
  void aSuccessEvenALateOneEndsTheRunOfFailures() {
    ResilientBackend backend =
        resilient()
            .onFailure(ResilientBackend.OnFailure.DENY)
            .circuitBreaker(3, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(1))
            .build();
    store.mode = "fail";
    backend.tryAcquire(SEED, "k", 1);
    backend.tryAcquire(SEED, "k", 1);
    store.mode = "ok";
    backend.tryAcquire(SEED, "k", 1);
    store.mode = "fail";
    clock.advance(Duration.ofMillis(200));
    backend.tryAcquire(SEED, "k", 1);
    backend.tryAcquire(SEED, "k", 1);
    assertThat(backend.circuitState())
        .as("two failures since the success")
        .isEqualTo(ResilientBackend.CircuitState.CLOSED);

    CompletableFuture<Decision> late = new CompletableFuture<>();
    ResilientBackend slow =
        ResilientBackend.builder(
                new Store(clock) {
                  @Override
                  public CompletionStage<Decision> tryAcquireAsync(
                      Policy policy, String key, long cost) {
                    return late;
                  }
                })
            .timeSource(clock)
            .timeout(Duration.ofMillis(5))
            .circuitBreaker(2, Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1))
            .build();
    slow.tryAcquire(SEED, "k", 1);
    assertThat(slow.circuitState()).isEqualTo(ResilientBackend.CircuitState.CLOSED);
    late.complete(new Decision("default", true, 10, 9, 0, 1_000_000));
    slow.tryAcquire(SEED, "k", 1);
    assertThat(slow.circuitState())
        .as("the store answered the first call late: it is alive, the run starts again")
        .isEqualTo(ResilientBackend.CircuitState.CLOSED);
  }

  @Test
  void aFailingStoreIsAnsweredAtOnceAndTheCauseIsKept() {
    store.mode = "fail";
    Decision decision =
        resilient().onFailure(ResilientBackend.OnFailure.DENY).build().tryAcquire(SEED, "k", 1);
    assertThat(decision.source()).isEqualTo(Decision.Source.FALLBACK_ERROR);
    assertThat(decision.allowed()).isFalse();
    assertThat(decision.retryAfter()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void theLocalFallbackGivesEachInstanceItsShareOfTheLimit() {
    store.mode = "fail";
    int[] fleet = {4};
    ResilientBackend backend = resilient().instances(() -> fleet[0]).build();
    int allowed = 0;
    for (int i = 0; i < 10; i++) {
      allowed += backend.tryAcquire(SEED, "k", 1).allowed() ? 1 : 0;
    }
    assertThat(allowed).as("a quarter of capacity 10, rounded down").isEqualTo(2);
    fleet[0] = 1;
    assertThat(backend.tryAcquire(SEED, "k", 1).allowed())
        .as("alone now: the whole capacity, keeping the 2 taken")
        .isTrue();
  }

  @Test
  void theLocalFallbackEnforcesTheLimitsScaledByTheShare() {
    store.mode = "fail";
    ResilientBackend backend = resilient().localShare(0.5).instances(10).build();
    int allowed = 0;
    for (int i = 0; i < 10; i++) {
      allowed += backend.tryAcquire(SEED, "k", 1).allowed() ? 1 : 0;
    }
    assertThat(allowed).as("half of capacity 10: the explicit share wins").isEqualTo(5);
    clock.advance(Duration.ofSeconds(2));
    assertThat(backend.tryAcquire(SEED, "k", 1).allowed())
        .as("half the rate: one token per 2 s")
        .isTrue();
    assertThat(backend.tryAcquire(SEED, "k", 1).allowed()).isFalse();
    assertThat(FailurePolicy.scale(Limit.tokenBucket(10, Rate.perSecond(1)), 0.25))
        .isEqualTo(Limit.tokenBucket(2, Rate.of(1, Duration.ofSeconds(4))));
    assertThat(FailurePolicy.scale(Limit.fixedWindow(100, Duration.ofMinutes(1)), 0.1))
        .isEqualTo(Limit.fixedWindow(10, Duration.ofMinutes(1)));
  }

  @Test
  void perPolicyAnswersAndDeadlinesOverrideTheStoreWide() {
    Policy strict = Policy.of("strict", Limit.tokenBucket(10, Rate.perSecond(1)));
    store.mode = "hang";
    ResilientBackend backend =
        resilient()
            .onFailure(ResilientBackend.OnFailure.ALLOW)
            .onFailure("strict", ResilientBackend.OnFailure.DENY)
            .timeout("strict", Duration.ofMillis(5))
            .build();
    long start = System.nanoTime();
    assertThat(backend.tryAcquire(strict, "k", 1).allowed()).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(45));
    assertThat(backend.tryAcquire(SEED, "k", 1).allowed()).isTrue();
  }

  @Test
  void theBreakerOpensAfterFiveFailuresProbesAfterTheBackoffAndClosesOnSuccess() {
    ResilientBackend backend =
        resilient()
            .onFailure(ResilientBackend.OnFailure.DENY)
            .circuitBreaker(5, Duration.ZERO, Duration.ofMillis(500), Duration.ofSeconds(2))
            .build();
    store.mode = "fail";
    for (int i = 0; i < 5; i++) {
      assertThat(backend.tryAcquire(SEED, "k", 1).source())
          .isEqualTo(Decision.Source.FALLBACK_ERROR);
    }
    assertThat(backend.circuitState()).isEqualTo(ResilientBackend.CircuitState.OPEN);
    Decision open = backend.tryAcquire(SEED, "k", 1);
    assertThat(open.source()).isEqualTo(Decision.Source.FALLBACK_CIRCUIT_OPEN);
    assertThat(open.retryAfter())
        .as("deny until the probe at least")
        .isEqualTo(Duration.ofSeconds(1));
    assertThat(store.calls).as("no call while open").hasValue(5);

    clock.advance(Duration.ofMillis(500));
    assertThat(backend.tryAcquire(SEED, "k", 1).source())
        .as("the probe fails")
        .isEqualTo(Decision.Source.FALLBACK_ERROR);
    assertThat(store.calls).hasValue(6);
    clock.advance(Duration.ofMillis(500));
    assertThat(backend.tryAcquire(SEED, "k", 1).source())
        .as("back-off doubled to 1 s")
        .isEqualTo(Decision.Source.FALLBACK_CIRCUIT_OPEN);

    store.mode = "ok";
    clock.advance(Duration.ofMillis(500));
    assertThat(backend.tryAcquire(SEED, "k", 1).source())
        .as("the probe succeeds")
        .isEqualTo(Decision.Source.BACKEND);
    assertThat(backend.circuitState()).isEqualTo(ResilientBackend.CircuitState.CLOSED);
    assertThat(backend.tryAcquire(SEED, "k", 1).source()).isEqualTo(Decision.Source.BACKEND);
  }

  @Test
  void theBackoffStopsDoublingAtItsMaximum() {
    ResilientBackend backend =
        resilient()
            .circuitBreaker(1, Duration.ZERO, Duration.ofMillis(500), Duration.ofSeconds(1))
            .build();
    store.mode = "fail";
    backend.tryAcquire(SEED, "k", 1);
    for (int probe = 0; probe < 5; probe++) {
      clock.advance(Duration.ofSeconds(1));
      int before = store.calls.get();
      backend.tryAcquire(SEED, "k", 1);
      assertThat(store.calls.get()).as("a probe every second at most").isEqualTo(before + 1);
    }
  }

  @Test
  void aDenialIsRepeatedLocallyUntilItsRetryTimeForTheSameOrALargerCost() {
    ResilientBackend backend = resilient().build();
    for (int i = 0; i < 10; i++) {
      backend.tryAcquire(SEED, "flood", 1);
    }
    Decision denied = backend.tryAcquire(SEED, "flood", 1);
    assertThat(denied.source()).isEqualTo(Decision.Source.BACKEND);
    int calls = store.calls.get();
    for (int i = 0; i < 1_000; i++) {
      Decision local = backend.tryAcquire(SEED, "flood", 1 + i % 3);
      assertThat(local.allowed()).isFalse();
      assertThat(local.source()).isEqualTo(Decision.Source.DENY_CACHE);
    }
    assertThat(store.calls.get()).as("the flood cost the store nothing").isEqualTo(calls);
    assertThat(backend.savedCalls()).isEqualTo(1_000);

    clock.advance(Duration.ofMillis(400));
    Decision shrinking = backend.tryAcquire(SEED, "flood", 1);
    assertThat(shrinking.retryAfter()).isEqualTo(Duration.ofMillis(600));
    assertThat(shrinking.remaining()).isZero();

    clock.advance(Duration.ofMillis(600));
    Decision again = backend.tryAcquire(SEED, "flood", 1);
    assertThat(again.source())
        .as("at the retry time the store is asked")
        .isEqualTo(Decision.Source.BACKEND);
    assertThat(again.allowed()).isTrue();
  }

  @Test
  void aSmallerCostThanTheDeniedOneAsksTheStore() {
    ResilientBackend backend = resilient().build();
    backend.tryAcquire(SEED, "k", 8);
    assertThat(backend.tryAcquire(SEED, "k", 5).allowed()).isFalse();
    Decision smaller = backend.tryAcquire(SEED, "k", 2);
    assertThat(smaller.source()).isEqualTo(Decision.Source.BACKEND);
    assertThat(smaller.allowed()).isTrue();
  }

  @Test
  void aResetThroughThisInstanceClearsItsDenial() {
    ResilientBackend backend = resilient().build();
    backend.tryAcquire(SEED, "k", 10);
    assertThat(backend.tryAcquire(SEED, "k", 1).allowed()).isFalse();
    backend.reset(SEED, "k");
    assertThat(backend.tryAcquire(SEED, "k", 1).allowed()).isTrue();
  }

  @Test
  void peekAndResetRaiseWhenTheStoreMissesTheDeadline() {
    store.mode = "hang";
    ResilientBackend backend = resilient().build();
    assertThatThrownBy(() -> backend.peek(SEED, "k"))
        .isInstanceOf(BackendException.class)
        .hasMessage("the store did not answer within 50ms");
  }

  @Test
  void invalidSettingsNameTheirParameter() {
    assertThatThrownBy(() -> ResilientBackend.builder(store).localShare(0))
        .hasMessage("localShare must be more than 0 and at most 1: 0.0");
    assertThatThrownBy(() -> ResilientBackend.builder(store).timeout(Duration.ofMinutes(2)))
        .hasMessage("timeout must be between 1ms and 1m: 2m");
    assertThatThrownBy(
            () ->
                ResilientBackend.builder(store)
                    .circuitBreaker(0, Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1)))
        .hasMessage("circuit failures must be between 1 and 1000: 0");
    assertThatThrownBy(
            () ->
                ResilientBackend.builder(store)
                    .circuitBreaker(3, Duration.ZERO, Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessage("circuit max-backoff must be between 2s and 10m: 1s");
    assertThatThrownBy(
            () ->
                ResilientBackend.builder(store)
                    .circuitBreaker(
                        3, Duration.ofMinutes(2), Duration.ofSeconds(2), Duration.ofSeconds(2)))
        .hasMessage("circuit open-after must be between 0s and 1m: 2m");
    assertThatThrownBy(() -> ResilientBackend.builder(store).instances(0))
        .hasMessage("instances must be between 1 and 10000: 0");
    assertThatThrownBy(() -> ResilientBackend.builder(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("backend must not be null");
  }

  private static final Policy WIDE =
      Policy.builder("wide").group("g").limit(Limit.tokenBucket(10, Rate.perSecond(1))).build();
  private static final Policy NARROW =
      Policy.builder("narrow").group("g").limit(Limit.tokenBucket(4, Rate.perSecond(1))).build();

  @Test
  void aFailedBatchIsDecidedLocallyAllOrNothingAtTheLocalShare() {
    store.mode = "fail";
    ResilientBackend backend =
        resilient().onFailure(ResilientBackend.OnFailure.LOCAL).instances(2).build();
    List<Acquire> batch = List.of(new Acquire(WIDE, "k", 2), new Acquire(NARROW, "k", 2));

    List<Decision> first = backend.tryAcquireAll(batch);
    assertThat(first).extracting(Decision::allowed).containsExactly(true, true);
    assertThat(first).extracting(Decision::remaining).containsExactly(3L, 0L);
    assertThat(first).extracting(Decision::source).containsOnly(Decision.Source.FALLBACK_ERROR);

    List<Decision> second = backend.tryAcquireAll(batch);
    assertThat(second)
        .as("half of 4 is spent: the narrow request is denied, and the wide one consumes nothing")
        .extracting(Decision::allowed)
        .containsExactly(true, false);
    assertThat(second.get(0).remaining()).isEqualTo(3);
    assertThat(backend.tryAcquire(WIDE, "k", 3).remaining())
        .as("the local wide bucket of 5 still has its 3")
        .isZero();
  }

  @Test
  void aBatchWithARequestUnderDenyConsumesNothingLocally() {
    store.mode = "fail";
    ResilientBackend backend =
        resilient()
            .onFailure(ResilientBackend.OnFailure.LOCAL)
            .onFailure("narrow", ResilientBackend.OnFailure.DENY)
            .build();
    List<Decision> decisions =
        backend.tryAcquireAll(List.of(new Acquire(WIDE, "k", 4), new Acquire(NARROW, "k", 1)));
    assertThat(decisions).extracting(Decision::allowed).containsExactly(true, false);
    assertThat(decisions.get(0).remaining()).as("told its state, nothing taken").isEqualTo(10);
    assertThat(backend.tryAcquire(WIDE, "k", 10).allowed()).isTrue();

    List<Decision> look =
        backend.tryAcquireAll(List.of(new Acquire(WIDE, "j", 1), new Acquire(NARROW, "j", 0)));
    assertThat(look)
        .as("a look under DENY is still allowed and blocks nothing")
        .extracting(Decision::allowed)
        .containsExactly(true, true);
  }

  @Test
  void aLateBatchIsDeniedWithinTwoDeadlinesUnlessItFailsOpen() {
    store.mode = "hang";
    for (ResilientBackend.OnFailure onFailure : ResilientBackend.OnFailure.values()) {
      ResilientBackend backend = resilient().onFailure(onFailure).build();
      long start = System.nanoTime();
      List<Decision> decisions =
          backend.tryAcquireAll(List.of(new Acquire(WIDE, "k", 1), new Acquire(NARROW, "k", 0)));
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(took).as("%s", onFailure).isLessThan(Duration.ofSeconds(1));
      assertThat(decisions)
          .extracting(Decision::source)
          .containsOnly(Decision.Source.FALLBACK_TIMEOUT);
      assertThat(decisions.get(0).allowed())
          .as("%s: the batch may still be carried out", onFailure)
          .isEqualTo(onFailure == ResilientBackend.OnFailure.ALLOW);
      assertThat(decisions.get(1).allowed()).as("a look").isTrue();
    }
  }

  @Test
  void aBatchHasTheShortestDeadlineOfItsPolicies() {
    store.mode = "hang";
    ResilientBackend backend =
        resilient()
            .timeout(Duration.ofSeconds(5))
            .timeout("narrow", Duration.ofMillis(20))
            .onFailure(ResilientBackend.OnFailure.DENY)
            .build();
    long start = System.nanoTime();
    backend.tryAcquireAll(List.of(new Acquire(WIDE, "k", 1), new Acquire(NARROW, "k", 1)));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void aBatchsDenialsFeedTheDenyCache() {
    ResilientBackend backend = resilient().build();
    assertThat(backend.tryAcquire(NARROW, "k", 4).allowed()).isTrue();
    List<Decision> decisions =
        backend.tryAcquireAll(List.of(new Acquire(WIDE, "k", 1), new Acquire(NARROW, "k", 1)));
    assertThat(decisions).extracting(Decision::allowed).containsExactly(true, false);
    int calls = store.calls.get();
    assertThat(backend.tryAcquire(NARROW, "k", 1).source()).isEqualTo(Decision.Source.DENY_CACHE);
    assertThat(store.calls.get()).isEqualTo(calls);
  }
}

package dev.sluice;

import dev.sluice.ResilientBackend.CircuitState;
import dev.sluice.internal.Checks;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The one flow of a {@link ResilientBackend} decision: the deny cache, then the circuit breaker,
 * then the store's call within its deadline, and the failure policy's answer when the store cannot
 * give one (see the backend's class Javadoc for the rules). Thread-safe.
 */
final class GuardedDecisions {
  private final Backend backend;
  private final TimeSource time;
  private final Deadline deadline;
  private final CircuitBreaker breaker;
  private final FailurePolicy failurePolicy;
  private final @Nullable DenyCache denyCache;

  GuardedDecisions(
      Backend backend,
      TimeSource time,
      Deadline deadline,
      CircuitBreaker breaker,
      FailurePolicy failurePolicy,
      @Nullable DenyCache denyCache) {
    this.backend = backend;
    this.time = time;
    this.deadline = deadline;
    this.breaker = breaker;
    this.failurePolicy = failurePolicy;
    this.denyCache = denyCache;
  }

  /** Decides one request: the deny cache, then the guarded call to the store. */
  CompletionStage<Decision> tryAcquire(Policy policy, String key, long cost) {
    long now = time.nowMicros();
    if (denyCache != null) {
      Decision cached = denyCache.check(policy, key, cost, now);
      if (cached != null) {
        return CompletableFuture.completedFuture(cached);
      }
    }
    return guarded(
        now,
        deadline.of(policy),
        new Guarded<>() {
          @Override
          public CompletionStage<Decision> call() {
            return backend.tryAcquireAsync(policy, key, cost);
          }

          @Override
          public Decision stored(Decision decision) {
            return GuardedDecisions.this.stored(policy, key, cost, decision, now);
          }

          @Override
          public Decision answer(Decision.Source source) {
            return failurePolicy.answer(policy, key, cost, source);
          }

          @Override
          public Decision failed(Throwable error) {
            return failurePolicy.failed(policy, key, cost, error, now);
          }

          @Override
          public Decision late() {
            return failurePolicy.late(policy, key, cost, now);
          }
        });
  }

  /**
   * Decides a batch with the shortest deadline of its policies; the failure policy answers it as a
   * whole, and the deny cache learns from its denials but does not answer it.
   */
  CompletionStage<List<Decision>> tryAcquireAll(List<Acquire> requests) {
    try {
      Checks.batch(requests);
    } catch (IllegalArgumentException | NullPointerException e) {
      return CompletableFuture.failedFuture(e);
    }
    long now = time.nowMicros();
    Duration shortest = deadline.of(requests.get(0).policy());
    for (Acquire request : requests) {
      Duration own = deadline.of(request.policy());
      shortest = own.compareTo(shortest) < 0 ? own : shortest;
    }
    return guarded(
        now,
        shortest,
        new Guarded<>() {
          @Override
          public CompletionStage<List<Decision>> call() {
            return backend.tryAcquireAllAsync(requests);
          }

          @Override
          public List<Decision> stored(List<Decision> decisions) {
            for (int i = 0; i < decisions.size(); i++) {
              Acquire request = requests.get(i);
              GuardedDecisions.this.stored(
                  request.policy(), request.key(), request.cost(), decisions.get(i), now);
            }
            return decisions;
          }

          @Override
          public List<Decision> answer(Decision.Source source) {
            return failurePolicy.answerAll(requests, source);
          }

          @Override
          public List<Decision> failed(Throwable error) {
            return failurePolicy.failedAll(requests, error, now);
          }

          @Override
          public List<Decision> late() {
            return failurePolicy.lateAll(requests, now);
          }
        });
  }

  /** What {@link #guarded} needs of a call: the store's call, and the answers in its place. */
  private interface Guarded<T> {
    /** Starts the store's call. */
    CompletionStage<T> call();

    /** The store's answer, recorded. */
    T stored(T answer);

    /** The failure policy's answer while the circuit is open. */
    T answer(Decision.Source source);

    /** The failure policy's answer to a failure (or a probe's timeout), counted by the breaker. */
    T failed(Throwable error);

    /** The answer to a call late twice while the circuit is closed. */
    T late();
  }

  /**
   * The one flow of a decision through the breaker, the deadline and the failure policy: an open
   * circuit is answered at once; a failure (or a probe's timeout) by the failure policy; a call
   * late while the circuit is closed gets a second deadline for the store's own answer.
   */
  private <T> CompletionStage<T> guarded(long now, Duration limit, Guarded<T> guarded) {
    if (!breaker.tryPass(now)) {
      return CompletableFuture.completedFuture(
          guarded.answer(Decision.Source.FALLBACK_CIRCUIT_OPEN));
    }
    // A probe of an open circuit tests a store already judged away: its failure policy answers.
    boolean probe = breaker.state() != CircuitState.CLOSED;
    CompletableFuture<T> call =
        Deadline.started(guarded::call)
            .whenComplete(
                (answer, error) -> {
                  if (error == null) {
                    // A success, however late, proves the store alive: it ends a run of failures.
                    breaker.success();
                  }
                });
    long nanos = limit.toNanos();
    return call.copy()
        .orTimeout(nanos, TimeUnit.NANOSECONDS)
        .thenApply(guarded::stored)
        .exceptionallyCompose(
            error -> {
              if (!Deadline.isTimeout(error) || probe) {
                return CompletableFuture.completedFuture(guarded.failed(error));
              }
              // Late while the circuit is closed: the store is probably alive and slow (a cold
              // start, a loaded machine). Its own answer is exact, so it gets one more deadline.
              return call.copy()
                  .orTimeout(nanos, TimeUnit.NANOSECONDS)
                  .handle(
                      (late, again) ->
                          again == null
                              ? guarded.stored(late)
                              : Deadline.isTimeout(again) ? guarded.late() : guarded.failed(again));
            });
  }

  /** The store's answer, remembered by the deny cache if it is a denial. */
  private Decision stored(Policy policy, String key, long cost, Decision decision, long started) {
    if (denyCache != null) {
      denyCache.record(policy, key, cost, decision, started);
    }
    return decision;
  }
}

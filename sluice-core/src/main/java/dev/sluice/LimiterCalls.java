package dev.sluice;

import dev.sluice.internal.Checks;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The calls behind each {@link RateLimiter} method: resolves the request's policy, checks the input
 * (synchronously a thrown exception, asynchronously a failed stage), calls the backend and tells
 * the listener. The limiter documents each call; this class runs it. Thread-safe.
 */
final class LimiterCalls {
  private final Backend backend;
  private final Notifier notifier;
  private final WaitingAcquire waiting;
  private volatile PolicyRegistry policies;

  LimiterCalls(
      Backend backend, PolicyRegistry policies, DecisionListener listener, TimeSource time) {
    this.backend = backend;
    this.policies = policies;
    this.notifier = new Notifier(listener);
    this.waiting = new WaitingAcquire(time);
  }

  PolicyRegistry policies() {
    return policies;
  }

  void setPolicies(PolicyRegistry policies) {
    this.policies = Checks.notNull("policies", policies);
  }

  Decision tryAcquire(String key, @Nullable String policy, long cost) {
    Policy resolved = resolve(key, policy, cost);
    return notifier.decide(resolved, key, cost, () -> backend.tryAcquire(resolved, key, cost));
  }

  CompletionStage<Decision> tryAcquireAsync(String key, @Nullable String policy, long cost) {
    return checked(
        () -> resolve(key, policy, cost),
        resolved ->
            notifier.decideAsync(
                resolved, key, cost, backend.tryAcquireAsync(resolved, key, cost)));
  }

  Decision acquire(String key, @Nullable String policy, long cost, Duration maxWait) {
    long budget = Checks.micros("maxWait", maxWait, Duration.ZERO, RateLimiter.MAX_WAIT);
    return waiting.await(() -> tryAcquire(key, policy, cost), budget);
  }

  CompletionStage<Decision> acquireAsync(
      String key, @Nullable String policy, long cost, Duration maxWait) {
    return checked(
        () -> Checks.micros("maxWait", maxWait, Duration.ZERO, RateLimiter.MAX_WAIT),
        budget -> waiting.awaitAsync(() -> tryAcquireAsync(key, policy, cost), budget));
  }

  Decision refund(String key, @Nullable String policy, long cost) {
    return backend.refund(resolve(key, policy, cost), key, cost);
  }

  CompletionStage<Decision> refundAsync(String key, @Nullable String policy, long cost) {
    return checked(
        () -> resolve(key, policy, cost), resolved -> backend.refundAsync(resolved, key, cost));
  }

  void release(String key, @Nullable String policy, String permit) {
    Checks.notNull("permit", permit);
    backend.release(resolve(key, policy), key, permit);
  }

  CompletionStage<Void> releaseAsync(String key, @Nullable String policy, String permit) {
    return checked(
        () -> {
          Checks.notNull("permit", permit);
          return resolve(key, policy);
        },
        resolved -> backend.releaseAsync(resolved, key, permit));
  }

  List<Decision> tryAcquireAll(List<Acquire> requests) {
    Checks.batch(requests);
    return notifier.decideAll(requests, () -> backend.tryAcquireAll(requests));
  }

  CompletionStage<List<Decision>> tryAcquireAllAsync(List<Acquire> requests) {
    return checked(
        () -> Checks.batch(requests),
        batch -> notifier.decideAllAsync(requests, backend.tryAcquireAllAsync(requests)));
  }

  Decision peek(String key, @Nullable String policy) {
    return backend.peek(resolve(key, policy), key);
  }

  CompletionStage<Decision> peekAsync(String key, @Nullable String policy) {
    return checked(() -> resolve(key, policy), resolved -> backend.peekAsync(resolved, key));
  }

  void reset(String key, @Nullable String policy) {
    backend.reset(resolve(key, policy), key);
  }

  private Policy resolve(String key, @Nullable String policy) {
    return policies.resolve(Checks.key(key), policy);
  }

  private Policy resolve(String key, @Nullable String policy, long cost) {
    Policy resolved = resolve(key, policy);
    resolved.checkCost(cost);
    return resolved;
  }

  /**
   * The stage of {@code call} on what {@code check} returns, or a stage failed with the exception
   * of an invalid input.
   */
  private static <T, R> CompletionStage<R> checked(
      Supplier<T> check, Function<T, CompletionStage<R>> call) {
    T checked;
    try {
      checked = check.get();
    } catch (IllegalArgumentException | NullPointerException e) {
      return CompletableFuture.failedFuture(e);
    }
    return call.apply(checked);
  }
}

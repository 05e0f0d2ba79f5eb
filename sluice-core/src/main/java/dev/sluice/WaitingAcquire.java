package dev.sluice;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The loop behind {@link RateLimiter#acquire} and {@link RateLimiter#acquireAsync}: tries, and
 * after each denial sleeps its retry time on the limiter's clock (at least a millisecond), until a
 * try is allowed or the next one would come after the budget. Thread-safe (it holds only the
 * clock).
 */
final class WaitingAcquire {

  /** The shortest pause between two tries of a waiting acquire (when a denial names no wait). */
  private static final long MIN_PAUSE_MICROS = 1_000;

  private final TimeSource time;

  WaitingAcquire(TimeSource time) {
    this.time = time;
  }

  /**
   * Tries until allowed or out of {@code budget} microseconds, sleeping on this thread; an
   * interrupt ends the wait with the last denial and the interrupt flag set.
   */
  Decision await(Supplier<Decision> attempt, long budget) {
    long start = time.nowMicros();
    while (true) {
      Decision decision = attempt.get();
      long pause = pause(decision, start, budget);
      if (pause < 0) {
        return decision;
      }
      try {
        time.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return decision;
      }
    }
  }

  /** {@link #await} without holding a thread: the tries in between are scheduled on the clock. */
  CompletionStage<Decision> awaitAsync(Supplier<CompletionStage<Decision>> attempt, long budget) {
    return tryUntil(attempt, time.nowMicros(), budget);
  }

  private CompletionStage<Decision> tryUntil(
      Supplier<CompletionStage<Decision>> attempt, long start, long budget) {
    return attempt
        .get()
        .thenCompose(
            decision -> {
              long pause = pause(decision, start, budget);
              return pause < 0
                  ? CompletableFuture.completedFuture(decision)
                  : time.after(pause).thenCompose(ignored -> tryUntil(attempt, start, budget));
            });
  }

  /**
   * How long a waiting acquire pauses before its next try, or -1 to answer {@code decision} now: it
   * is allowed, or the next try would come after the budget.
   */
  private long pause(Decision decision, long start, long budget) {
    if (decision.allowed()) {
      return -1;
    }
    long pause = Math.max(MIN_PAUSE_MICROS, decision.retryAfterMicros());
    long waited = Math.max(0, time.nowMicros() - start);
    return waited + pause > budget ? -1 : pause;
  }
}

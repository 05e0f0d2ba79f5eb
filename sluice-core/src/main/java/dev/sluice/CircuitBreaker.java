package dev.sluice;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Stops calling a failing store for a while, then lets one probe through.
 *
 * <p>Closed: every call goes to the store. It opens once {@code threshold} calls in a row have
 * failed and the first and the last of them <i>started</i> at least {@code openAfter} apart: a
 * store that stops answering keeps failing the calls started after it stopped, while a burst of
 * late calls (a cold start, a garbage collection or a scheduling pause of this process) fails only
 * calls started at about the same time, and the next successful call ends the run. Open: no call
 * goes to the store until the back-off has passed; then one caller gets to probe (half-open) while
 * the others keep getting the fallback. A successful probe closes the breaker; a failed one opens
 * it again with twice the back-off, up to {@code maxBackoff}. Lock-free: one immutable state
 * swapped by compare-and-set.
 */
final class CircuitBreaker {

  /**
   * The breaker's state.
   *
   * @param failures failed calls in a row
   * @param firstStart when the first of them started (microseconds)
   */
  private record State(
      ResilientBackend.CircuitState position,
      int failures,
      long firstStart,
      long openUntil,
      long backoff) {}

  private final int threshold;
  private final long openAfter;
  private final long baseBackoff;
  private final long maxBackoff;
  private final AtomicReference<State> state;

  CircuitBreaker(
      int threshold, long openAfterMicros, long baseBackoffMicros, long maxBackoffMicros) {
    this.threshold = threshold;
    this.openAfter = openAfterMicros;
    this.baseBackoff = baseBackoffMicros;
    this.maxBackoff = maxBackoffMicros;
    this.state = new AtomicReference<>(closed());
  }

  private State current() {
    return Objects.requireNonNull(state.get());
  }

  private State closed() {
    return new State(ResilientBackend.CircuitState.CLOSED, 0, 0, 0, baseBackoff);
  }

  /** Whether a call may go to the store now; true for at most one prober when the back-off ends. */
  boolean tryPass(long now) {
    while (true) {
      State current = current();
      if (current.position == ResilientBackend.CircuitState.CLOSED) {
        return true;
      }
      if (current.position == ResilientBackend.CircuitState.HALF_OPEN || now < current.openUntil) {
        return false;
      }
      if (state.compareAndSet(
          current,
          new State(
              ResilientBackend.CircuitState.HALF_OPEN,
              current.failures,
              current.firstStart,
              current.openUntil,
              current.backoff))) {
        return true;
      }
    }
  }

  /** Microseconds until the breaker lets a probe through; 0 unless open. */
  long untilProbe(long now) {
    State current = current();
    return current.position == ResilientBackend.CircuitState.OPEN
        ? Math.max(0, current.openUntil - now)
        : 0;
  }

  void success() {
    State current = current();
    if (current.position != ResilientBackend.CircuitState.CLOSED || current.failures != 0) {
      state.set(closed());
    }
  }

  /**
   * Records a failed call.
   *
   * @param started when the call started
   * @param now when it failed
   */
  void failure(long started, long now) {
    while (true) {
      State current = current();
      State next;
      if (current.position == ResilientBackend.CircuitState.HALF_OPEN) {
        long backoff = Math.min(maxBackoff, current.backoff * 2);
        next =
            new State(
                ResilientBackend.CircuitState.OPEN,
                current.failures + 1,
                current.firstStart,
                now + backoff,
                backoff);
      } else if (current.position == ResilientBackend.CircuitState.OPEN) {
        return;
      } else {
        int failures = current.failures + 1;
        long first = current.failures == 0 ? started : Math.min(current.firstStart, started);
        boolean open = failures >= threshold && started - first >= openAfter;
        next =
            open
                ? new State(
                    ResilientBackend.CircuitState.OPEN,
                    failures,
                    first,
                    now + current.backoff,
                    current.backoff)
                : new State(
                    ResilientBackend.CircuitState.CLOSED, failures, first, 0, current.backoff);
      }
      if (state.compareAndSet(current, next)) {
        return;
      }
    }
  }

  ResilientBackend.CircuitState state() {
    return current().position;
  }
}

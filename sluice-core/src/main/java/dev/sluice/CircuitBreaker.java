package dev.sluice;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Stops calling a failing store for a while, then lets one probe through.
 *
 * <p>Closed: every call goes to the store; {@code failures} failures in a row open it. Open: no
 * call goes to the store until the back-off has passed; then one caller gets to probe (half-open)
 * while the others keep getting the fallback. A successful probe closes the breaker; a failed one
 * opens it again with twice the back-off, up to {@code maxBackoff}. Lock-free: one immutable state
 * swapped by compare-and-set.
 */
final class CircuitBreaker {

  private record State(
      ResilientBackend.CircuitState position, int failures, long openUntil, long backoff) {}

  private final int threshold;
  private final long baseBackoff;
  private final long maxBackoff;
  private final AtomicReference<State> state;

  CircuitBreaker(int threshold, long baseBackoffMicros, long maxBackoffMicros) {
    this.threshold = threshold;
    this.baseBackoff = baseBackoffMicros;
    this.maxBackoff = maxBackoffMicros;
    this.state =
        new AtomicReference<>(
            new State(ResilientBackend.CircuitState.CLOSED, 0, 0, baseBackoffMicros));
  }

  /** Whether a call may go to the store now; true for at most one prober when the back-off ends. */
  boolean tryPass(long now) {
    while (true) {
      State current = state.get();
      switch (current.position) {
        case CLOSED:
          return true;
        case HALF_OPEN:
          return false;
        default:
          if (now < current.openUntil) {
            return false;
          }
          if (state.compareAndSet(
              current,
              new State(
                  ResilientBackend.CircuitState.HALF_OPEN,
                  current.failures,
                  current.openUntil,
                  current.backoff))) {
            return true;
          }
      }
    }
  }

  /** Microseconds until the breaker lets a probe through; 0 unless open. */
  long untilProbe(long now) {
    State current = state.get();
    return current.position == ResilientBackend.CircuitState.OPEN
        ? Math.max(0, current.openUntil - now)
        : 0;
  }

  void success() {
    State current = state.get();
    if (current.position != ResilientBackend.CircuitState.CLOSED || current.failures != 0) {
      state.set(new State(ResilientBackend.CircuitState.CLOSED, 0, 0, baseBackoff));
    }
  }

  void failure(long now) {
    while (true) {
      State current = state.get();
      State next;
      if (current.position == ResilientBackend.CircuitState.HALF_OPEN) {
        long backoff = Math.min(maxBackoff, current.backoff * 2);
        next =
            new State(
                ResilientBackend.CircuitState.OPEN, current.failures + 1, now + backoff, backoff);
      } else if (current.position == ResilientBackend.CircuitState.OPEN) {
        return;
      } else if (current.failures + 1 >= threshold) {
        next =
            new State(
                ResilientBackend.CircuitState.OPEN,
                current.failures + 1,
                now + current.backoff,
                current.backoff);
      } else {
        next =
            new State(
                ResilientBackend.CircuitState.CLOSED, current.failures + 1, 0, current.backoff);
      }
      if (state.compareAndSet(current, next)) {
        return;
      }
    }
  }

  ResilientBackend.CircuitState state() {
    return state.get().position;
  }
}

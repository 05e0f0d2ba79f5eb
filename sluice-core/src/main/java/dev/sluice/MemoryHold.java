package dev.sluice;

import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * A batch's claim on a key of the {@link InMemoryBackend} while it decides ({@link
 * InMemoryBackend#tryAcquireAll}): the state it replaced, put back or replaced when the batch ends.
 * Decisions on the key wait for it, peeks read through it, sweeps leave it alone. Batches claim
 * their keys in one global order, so two never wait for each other in a cycle.
 */
final class MemoryHold {
  final @Nullable MemorySnapshot before;

  MemoryHold(@Nullable MemorySnapshot before) {
    this.before = before;
  }

  /** Waits a moment for a claim to end: spins briefly, then parks for a few microseconds. */
  static int await(int spins) {
    if (spins < 64) {
      Thread.onSpinWait();
    } else {
      LockSupport.parkNanos(10_000);
    }
    return spins + 1;
  }
}

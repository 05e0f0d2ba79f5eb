package dev.sluice;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * One key of the {@link InMemoryBackend}: its {@link MemorySnapshot}, {@code null} if fresh, {@link
 * #REMOVED}, or a {@link MemoryHold} by a batch. The state is only ever replaced whole, by a
 * compare-and-set.
 */
final class MemoryEntry {

  /** The state of an entry that a sweep or a reset took out of its table: look the key up again. */
  static final Object REMOVED = new Object();

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(MemoryEntry.class, "state", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @SuppressWarnings("unused") // written through STATE
  volatile @Nullable Object state;

  /** Replaces the state if it is still {@code expected}; whether it was. */
  boolean compareAndSet(@Nullable Object expected, @Nullable Object next) {
    return STATE.compareAndSet(this, expected, next);
  }

  /** Replaces the state unconditionally (a batch ending its claim). */
  void set(@Nullable Object next) {
    STATE.setVolatile(this, next);
  }
}

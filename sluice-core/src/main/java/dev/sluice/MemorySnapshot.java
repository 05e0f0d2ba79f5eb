package dev.sluice;

import dev.sluice.internal.algorithm.Model;
import dev.sluice.internal.algorithm.State;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The states of one key of the {@link InMemoryBackend}, each in its slot (a limit's id, see {@link
 * Policy#slots()}): the slots of the policy version that last wrote it, in that version's order,
 * then any slots of other versions it did not have (a limit removed, or another version
 * mid-rollout), kept so that every version finds its limits' usage by id. The models convert what
 * they read.
 *
 * <p>A key of one slot, the common case, holds its state without an array: one object fewer per
 * decision and per idle key.
 */
final class MemorySnapshot {
  final String[] slots;

  /** The state of a snapshot of one slot (or {@code null}); unused when {@link #states} is set. */
  private final @Nullable State only;

  /** The states of a snapshot of several slots, in slot order; {@code null} for one slot. */
  private final State @Nullable [] states;

  private MemorySnapshot(String[] slots, State[] states) {
    this.slots = slots;
    this.only = states.length == 1 ? states[0] : null;
    this.states = states.length == 1 ? null : states;
  }

  private MemorySnapshot(String[] slots, State only) {
    this.slots = slots;
    this.only = only;
    this.states = null;
  }

  private @Nullable State at(int slot) {
    return states == null ? only : states[slot];
  }

  /** The state of limit {@code index} of {@code policy}, or {@code null} if it has none. */
  @Nullable State state(Policy policy, int index) {
    String[] wanted = policy.slots();
    if (slots == wanted) {
      return at(index);
    }
    for (int i = 0; i < slots.length; i++) {
      if (slots[i].equals(wanted[index])) {
        return at(i);
      }
    }
    return null;
  }

  /** The snapshot after {@code policy}, of one limit, stored {@code next}. */
  static MemorySnapshot written(@Nullable MemorySnapshot before, Policy policy, State next) {
    String[] mine = policy.slots();
    return before == null || before.slots == mine
        ? new MemorySnapshot(mine, next)
        : written(before, policy, new State[] {next});
  }

  /** The snapshot after {@code policy} stored {@code next}, one state per limit. */
  static MemorySnapshot written(@Nullable MemorySnapshot before, Policy policy, State[] next) {
    String[] mine = policy.slots();
    if (before == null || before.slots == mine) {
      return new MemorySnapshot(mine, next);
    }
    List<String> slots = new ArrayList<>(Arrays.asList(mine));
    List<State> states = new ArrayList<>(Arrays.asList(next));
    for (int i = 0; i < before.slots.length; i++) {
      if (!slots.contains(before.slots[i])) {
        slots.add(before.slots[i]);
        states.add(before.at(i));
      }
    }
    return slots.size() == mine.length
        ? new MemorySnapshot(mine, next)
        : new MemorySnapshot(slots.toArray(String[]::new), states.toArray(State[]::new));
  }

  /** When every limit of {@code reader} would find this key fresh. */
  long freshAt(Policy reader) {
    Model[] models = reader.modelArray();
    long fresh = Long.MIN_VALUE;
    for (int i = 0; i < models.length; i++) {
      State state = state(reader, i);
      if (state != null) {
        fresh = Math.max(fresh, models[i].freshAt(state));
      }
    }
    return fresh;
  }
}

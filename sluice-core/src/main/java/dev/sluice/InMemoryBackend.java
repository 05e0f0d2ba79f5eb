package dev.sluice;

import dev.sluice.algorithm.Model;
import dev.sluice.algorithm.Outcome;
import dev.sluice.algorithm.State;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Buckets in this JVM's heap: the fastest backend, for a single instance or as a fallback.
 *
 * <p>Thread-safe without a global lock: each key holds an immutable state that a decision replaces
 * with a compare-and-set, so concurrent decisions on one key are atomic and decisions on different
 * keys never wait for each other. A denial writes nothing.
 *
 * <p>Memory stays bounded. A key whose bucket would be full again (or whose window has passed) is
 * indistinguishable from a new one and is dropped by the next sweep; sweeps run on the thread that
 * inserts a key, once the inserts since the last sweep reach the number of keys (amortised constant
 * work per insert), or when {@link #cleanUp()} is called. When more than {@code maxKeys} keys are
 * live, a sweep also evicts the keys closest to being fresh again (the ones whose loss changes the
 * least) until 90% of {@code maxKeys} remain. The bound is soft: keys inserted while a sweep runs
 * are counted in the next one.
 */
public final class InMemoryBackend implements Backend {

  /** The default maximum number of keys, across all policies. */
  public static final long DEFAULT_MAX_KEYS = 1_000_000;

  private static final Object REMOVED = new Object();
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(Entry.class, "state", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final TimeSource time;
  private final long maxKeys;
  private final Map<Policy, Store> stores = new ConcurrentHashMap<>();
  private final AtomicLong size = new AtomicLong();
  private final AtomicLong insertsSinceSweep = new AtomicLong();
  private final AtomicBoolean sweeping = new AtomicBoolean();

  private InMemoryBackend(TimeSource time, long maxKeys) {
    this.time = time;
    this.maxKeys = maxKeys;
  }

  /**
   * An in-memory backend on the system clock with at most {@value #DEFAULT_MAX_KEYS} keys.
   *
   * @return the backend
   */
  public static InMemoryBackend create() {
    return builder().build();
  }

  /**
   * A builder for the time source and the key bound.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Decision tryAcquire(Policy policy, String key, long cost) {
    Store store = store(policy);
    Model[] models = store.models;
    long now = time.nowMicros();
    Entry entry = store.entry(key);
    if (models.length == 1) {
      Model model = models[0];
      while (true) {
        Object state = entry.state;
        if (state == REMOVED) {
          entry = store.replaceRemoved(key, entry);
          continue;
        }
        Outcome outcome = model.step((State) state, now, cost);
        if (!outcome.allowed() || STATE.compareAndSet(entry, state, outcome.state())) {
          return policy.decide(outcome);
        }
      }
    }
    Outcome[] outcomes = new Outcome[models.length];
    while (true) {
      Object state = entry.state;
      if (state == REMOVED) {
        entry = store.replaceRemoved(key, entry);
        continue;
      }
      State[] states = (State[]) state;
      boolean allowed = true;
      for (int i = 0; i < models.length; i++) {
        outcomes[i] = models[i].step(states == null ? null : states[i], now, cost);
        allowed &= outcomes[i].allowed();
      }
      if (!allowed) {
        // Nothing is consumed: a limit that would have allowed reports its reset as it stands,
        // not as if it had taken the cost.
        for (int i = 0; i < models.length; i++) {
          if (outcomes[i].allowed()) {
            outcomes[i] = models[i].step(states == null ? null : states[i], now, 0);
          }
        }
        return policy.decide(outcomes);
      }
      State[] next = new State[models.length];
      for (int i = 0; i < models.length; i++) {
        next[i] = outcomes[i].state();
      }
      if (STATE.compareAndSet(entry, state, next)) {
        return policy.decide(outcomes);
      }
    }
  }

  @Override
  public Decision peek(Policy policy, String key) {
    Store store = stores.get(policy);
    Entry entry = store == null ? null : store.map.get(key);
    Object state = entry == null || entry.state == REMOVED ? null : entry.state;
    long now = time.nowMicros();
    Model[] models = policy.modelArray();
    Outcome[] outcomes = new Outcome[models.length];
    for (int i = 0; i < models.length; i++) {
      outcomes[i] = models[i].peek(stateOf(state, i, models.length), now);
    }
    return policy.decide(outcomes);
  }

  @Override
  public void reset(Policy policy, String key) {
    Store store = stores.get(policy);
    Entry entry = store == null ? null : store.map.get(key);
    if (entry != null) {
      store.remove(key, entry, entry.state, true);
    }
  }

  /**
   * Drops every key that is fresh again and, if more than {@code maxKeys} are live, evicts the keys
   * closest to fresh. Safe to call from any thread at any time (a scheduler, for instance); returns
   * at once if a sweep is already running.
   */
  public void cleanUp() {
    if (!sweeping.compareAndSet(false, true)) {
      return;
    }
    try {
      insertsSinceSweep.set(0);
      long now = time.nowMicros();
      long[] freshAt =
          new long[(int) Math.min(Integer.MAX_VALUE - 8, Math.max(16, size.get() + 1024))];
      int n = 0;
      for (Store store : stores.values()) {
        for (Map.Entry<String, Entry> e : store.map.entrySet()) {
          Object state = e.getValue().state;
          if (state == null) {
            continue; // just inserted, its first decision in flight (maybe on this very thread)
          }
          long fresh = store.freshAt(state);
          if (fresh <= now) {
            store.remove(e.getKey(), e.getValue(), state, false);
          } else if (n < freshAt.length) {
            freshAt[n++] = fresh;
          }
        }
      }
      long target = maxKeys - maxKeys / 10;
      long excess = size.get() - target;
      if (size.get() > maxKeys && excess > 0 && n > 0) {
        Arrays.sort(freshAt, 0, n);
        long threshold = freshAt[(int) Math.min(n - 1, excess - 1)];
        // First the keys fresh before the threshold, then (until the target) those fresh at it.
        for (int pass = 0; pass < 2; pass++) {
          long bound = pass == 0 ? threshold - 1 : threshold;
          for (Store store : stores.values()) {
            for (Map.Entry<String, Entry> e : store.map.entrySet()) {
              if (size.get() <= target) {
                return;
              }
              Object state = e.getValue().state;
              if (state != null && store.freshAt(state) <= bound) {
                store.remove(e.getKey(), e.getValue(), state, false);
              }
            }
          }
        }
      }
    } finally {
      sweeping.set(false);
    }
  }

  /**
   * The number of keys held, across all policies (including keys that are fresh again but not yet
   * swept).
   *
   * @return the number of keys
   */
  public long size() {
    return size.get();
  }

  private Store store(Policy policy) {
    Store store = stores.get(policy);
    return store != null ? store : stores.computeIfAbsent(policy, Store::new);
  }

  private void inserted() {
    long keys = size.incrementAndGet();
    long inserts = insertsSinceSweep.incrementAndGet();
    if (keys > maxKeys || inserts >= Math.max(1024, keys)) {
      cleanUp();
    }
  }

  private static State stateOf(Object state, int index, int count) {
    if (state == null) {
      return null;
    }
    return count == 1 ? (State) state : ((State[]) state)[index];
  }

  /** The keys of one policy. */
  private final class Store {
    final ConcurrentHashMap<String, Entry> map = new ConcurrentHashMap<>();
    final Model[] models;

    Store(Policy policy) {
      this.models = policy.modelArray();
    }

    Entry entry(String key) {
      Entry entry = map.get(key);
      if (entry != null) {
        return entry;
      }
      Entry created = new Entry();
      entry = map.putIfAbsent(key, created);
      if (entry != null) {
        return entry;
      }
      inserted();
      return created;
    }

    Entry replaceRemoved(String key, Entry removed) {
      map.remove(key, removed);
      return entry(key);
    }

    /** Removes a key if its state is still {@code expected}; a concurrent decision wins. */
    void remove(String key, Entry entry, Object expected, boolean force) {
      while (expected != REMOVED) {
        if (STATE.compareAndSet(entry, expected, REMOVED)) {
          map.remove(key, entry);
          size.decrementAndGet();
          return;
        }
        if (!force) {
          return;
        }
        expected = entry.state;
      }
    }

    /** When the state becomes the same as a fresh key's; removed entries count as fresh. */
    long freshAt(Object state) {
      if (state == null || state == REMOVED) {
        return Long.MIN_VALUE;
      }
      if (models.length == 1) {
        return models[0].freshAt((State) state);
      }
      long fresh = Long.MIN_VALUE;
      State[] states = (State[]) state;
      for (int i = 0; i < models.length; i++) {
        fresh = Math.max(fresh, models[i].freshAt(states[i]));
      }
      return fresh;
    }
  }

  /** One key: its state (a {@link State}, a {@code State[]} per limit, {@code null} if fresh). */
  private static final class Entry {
    @SuppressWarnings("unused") // written through STATE
    volatile Object state;
  }

  /** Builds an {@link InMemoryBackend}. Not thread-safe. */
  public static final class Builder {
    private TimeSource time = TimeSource.system();
    private long maxKeys = DEFAULT_MAX_KEYS;

    private Builder() {}

    /**
     * The clock; {@link TimeSource#system()} by default.
     *
     * @param time the clock
     * @return this builder
     */
    public Builder timeSource(TimeSource time) {
      this.time = Checks.notNull("timeSource", time);
      return this;
    }

    /**
     * The most keys held before the closest-to-fresh are evicted; 1,000,000 by default.
     *
     * @param maxKeys from 1 to 2^31
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder maxKeys(long maxKeys) {
      this.maxKeys = Checks.range("maxKeys", maxKeys, 1, 1L << 31);
      return this;
    }

    /**
     * Builds the backend.
     *
     * @return the backend
     */
    public InMemoryBackend build() {
      return new InMemoryBackend(time, maxKeys);
    }
  }
}

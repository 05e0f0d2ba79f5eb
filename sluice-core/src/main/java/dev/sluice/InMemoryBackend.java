package dev.sluice;

import dev.sluice.internal.Checks;
import dev.sluice.internal.algorithm.Decide;
import dev.sluice.internal.algorithm.Model;
import dev.sluice.internal.algorithm.Outcome;
import dev.sluice.internal.algorithm.Permits;
import dev.sluice.internal.algorithm.State;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

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
  private final Map<String, Store> stores = new ConcurrentHashMap<>();
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
    Model[] models = policy.modelArray();
    long now = time.nowMicros();
    Entry entry = store.entry(key);
    int spins = 0;
    String permit = policy.holdsPermits() ? Permits.next() : null;
    if (models.length == 1) {
      Model model = models[0];
      while (true) {
        Object current = entry.state;
        if (current == REMOVED) {
          entry = store.replaceRemoved(key, entry);
          continue;
        }
        if (current instanceof Held) {
          spins = Held.await(spins);
          continue;
        }
        Snapshot snapshot = (Snapshot) current;
        Outcome outcome =
            model.step(snapshot == null ? null : snapshot.state(policy, 0), now, cost, permit);
        if (!outcome.allowed()
            || STATE.compareAndSet(
                entry,
                current,
                Snapshot.written(snapshot, policy, new State[] {outcome.state()}))) {
          return Decide.decision(policy, outcome, permit);
        }
      }
    }
    State[] states = new State[models.length];
    while (true) {
      Object current = entry.state;
      if (current == REMOVED) {
        entry = store.replaceRemoved(key, entry);
        continue;
      }
      if (current instanceof Held) {
        spins = Held.await(spins);
        continue;
      }
      Snapshot snapshot = (Snapshot) current;
      for (int i = 0; i < models.length; i++) {
        states[i] = snapshot == null ? null : snapshot.state(policy, i);
      }
      Outcome[] outcomes = Decide.all(models, states, now, cost, permit);
      if (!Decide.allowed(outcomes)) {
        return Decide.decision(policy, outcomes);
      }
      State[] next = new State[models.length];
      for (int i = 0; i < models.length; i++) {
        next[i] = outcomes[i].state();
      }
      if (STATE.compareAndSet(entry, current, Snapshot.written(snapshot, policy, next))) {
        return Decide.decision(policy, outcomes, permit);
      }
    }
  }

  @Override
  public CompletionStage<Decision> tryAcquireAsync(Policy policy, String key, long cost) {
    return Backend.completed(() -> tryAcquire(policy, key, cost));
  }

  @Override
  public CompletionStage<Decision> peekAsync(Policy policy, String key) {
    return Backend.completed(() -> peek(policy, key));
  }

  @Override
  public CompletionStage<Void> resetAsync(Policy policy, String key) {
    return Backend.completed(
        () -> {
          reset(policy, key);
          return null;
        });
  }

  @Override
  public CompletionStage<Decision> refundAsync(Policy policy, String key, long cost) {
    return Backend.completed(() -> refund(policy, key, cost));
  }

  @Override
  public Decision refund(Policy policy, String key, long cost) {
    Store store = store(policy);
    Model[] models = policy.modelArray();
    Entry entry = store.map.get(key);
    int spins = 0;
    while (true) {
      long now = time.nowMicros();
      Object current = entry == null ? REMOVED : entry.state;
      if (current == REMOVED) {
        return peek(policy, key); // a fresh key: nothing to give back
      }
      if (current instanceof Held) {
        spins = Held.await(spins);
        continue;
      }
      Snapshot snapshot = (Snapshot) current;
      State[] next = new State[models.length];
      boolean changed = false;
      for (int i = 0; i < models.length; i++) {
        State before = snapshot == null ? null : snapshot.state(policy, i);
        State refunded = models[i].refund(before, now, cost);
        changed |= refunded != null;
        next[i] = refunded != null ? refunded : before;
      }
      Snapshot after = changed ? Snapshot.written(snapshot, policy, next) : snapshot;
      if (!changed || STATE.compareAndSet(entry, current, after)) {
        Outcome[] outcomes = new Outcome[models.length];
        for (int i = 0; i < models.length; i++) {
          outcomes[i] = models[i].peek(next[i], now);
        }
        return Decide.decision(policy, outcomes);
      }
    }
  }

  @Override
  public CompletionStage<Void> releaseAsync(Policy policy, String key, String permit) {
    return Backend.completed(
        () -> {
          release(policy, key, permit);
          return null;
        });
  }

  @Override
  public void release(Policy policy, String key, String permit) {
    Store store = stores.get(policy.stateName());
    Entry entry = store == null ? null : store.map.get(key);
    Model[] models = policy.modelArray();
    int spins = 0;
    while (entry != null) {
      long now = time.nowMicros();
      Object current = entry.state;
      if (current == REMOVED || current == null) {
        return;
      }
      if (current instanceof Held) {
        spins = Held.await(spins);
        continue;
      }
      Snapshot snapshot = (Snapshot) current;
      State[] next = new State[models.length];
      boolean changed = false;
      for (int i = 0; i < models.length; i++) {
        State before = snapshot.state(policy, i);
        State released = models[i].release(before, now, permit);
        changed |= released != null;
        next[i] = released != null ? released : before;
      }
      if (!changed
          || STATE.compareAndSet(entry, current, Snapshot.written(snapshot, policy, next))) {
        return;
      }
    }
  }

  @Override
  public CompletionStage<List<Decision>> tryAcquireAllAsync(List<Acquire> requests) {
    return Backend.completed(() -> tryAcquireAll(requests));
  }

  /**
   * {@inheritDoc}
   *
   * <p>The batch claims its keys one by one (in one global order), decides them together and
   * releases them with their new states; a decision on one of those keys meanwhile waits for it.
   */
  @Override
  public List<Decision> tryAcquireAll(List<Acquire> requests) {
    return decideAll(Checks.batch(requests), true);
  }

  /**
   * Decides a valid batch; unless {@code commit}, consumes nothing and answers as a batch that was
   * not consumed: each request as it alone would be answered, with the state as it stands.
   */
  List<Decision> decideAll(List<Acquire> requests, boolean commit) {
    int n = requests.size();
    if (commit && n == 1 && requests.get(0).cost() > 0) {
      Acquire only = requests.get(0);
      return List.of(tryAcquire(only.policy(), only.key(), only.cost()));
    }
    Integer[] order = claimOrder(requests);
    Entry[] entries = new Entry[n];
    Held[] holds = new Held[n];
    try {
      for (int r : order) {
        Acquire request = requests.get(r);
        Store store = store(request.policy());
        Entry entry = store.entry(request.key());
        int spins = 0;
        while (holds[r] == null) {
          Object current = entry.state;
          if (current == REMOVED) {
            entry = store.replaceRemoved(request.key(), entry);
          } else if (current instanceof Held) {
            spins = Held.await(spins);
          } else {
            Held held = new Held((Snapshot) current);
            if (STATE.compareAndSet(entry, current, held)) {
              entries[r] = entry;
              holds[r] = held;
            }
          }
        }
      }
      long now = time.nowMicros();
      Model[][] models = new Model[n][];
      State[][] states = new State[n][];
      long[] costs = new long[n];
      for (int r = 0; r < n; r++) {
        Policy policy = requests.get(r).policy();
        models[r] = policy.modelArray();
        states[r] = new State[models[r].length];
        Snapshot before = holds[r].before;
        for (int i = 0; i < models[r].length; i++) {
          states[r][i] = before == null ? null : before.state(policy, i);
        }
        costs[r] = requests.get(r).cost();
      }
      String[] permits = Decide.permits(requests);
      Outcome[][] outcomes = Decide.batch(models, states, now, costs, commit, permits);
      boolean committed = commit && Decide.allowed(outcomes);
      for (int r = 0; r < n; r++) {
        Object after = holds[r].before;
        if (committed && costs[r] > 0) {
          State[] next = new State[outcomes[r].length];
          for (int i = 0; i < next.length; i++) {
            next[i] = outcomes[r][i].state();
          }
          after = Snapshot.written(holds[r].before, requests.get(r).policy(), next);
        }
        STATE.setVolatile(entries[r], after);
        entries[r] = null;
      }
      return Decide.decisions(requests, outcomes, committed ? permits : null);
    } finally {
      for (int r = 0; r < n; r++) {
        if (entries[r] != null) {
          STATE.setVolatile(entries[r], holds[r].before);
        }
      }
    }
  }

  /**
   * The order in which a batch claims its keys, the same for every batch: by the policy's state
   * name, then the key.
   */
  private static Integer[] claimOrder(List<Acquire> requests) {
    Integer[] order = new Integer[requests.size()];
    for (int r = 0; r < order.length; r++) {
      order[r] = r;
    }
    Arrays.sort(
        order,
        Comparator.comparing((Integer r) -> requests.get(r).policy().stateName())
            .thenComparing(r -> requests.get(r).key()));
    return order;
  }

  @Override
  public Decision peek(Policy policy, String key) {
    Store store = stores.get(policy.stateName());
    Entry entry = store == null ? null : store.map.get(key);
    Object current = entry == null ? null : entry.state;
    if (current instanceof Held held) {
      current = held.before;
    }
    Snapshot snapshot = current instanceof Snapshot s ? s : null;
    long now = time.nowMicros();
    Model[] models = policy.modelArray();
    Outcome[] outcomes = new Outcome[models.length];
    for (int i = 0; i < models.length; i++) {
      outcomes[i] = models[i].peek(snapshot == null ? null : snapshot.state(policy, i), now);
    }
    return Decide.decision(policy, outcomes);
  }

  @Override
  public void reset(Policy policy, String key) {
    Store store = stores.get(policy.stateName());
    Entry entry = store == null ? null : store.map.get(key);
    if (store != null && entry != null) {
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
    Store store = stores.get(policy.stateName());
    if (store == null) {
      store = stores.computeIfAbsent(policy.stateName(), name -> new Store());
    }
    if (!policy.equals(store.latest)) {
      store.latest = policy;
    }
    return store;
  }

  private void inserted() {
    long keys = size.incrementAndGet();
    long inserts = insertsSinceSweep.incrementAndGet();
    if (keys > maxKeys || inserts >= Math.max(1024, keys)) {
      cleanUp();
    }
  }

  /** The keys of one policy name, whatever the versions of the policy that wrote them. */
  private final class Store {
    final ConcurrentHashMap<String, Entry> map = new ConcurrentHashMap<>();

    /** The version of the policy last decided with; written only when it changes. */
    volatile @Nullable Policy latest;

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
    void remove(String key, Entry entry, @Nullable Object expected, boolean force) {
      int spins = 0;
      while (expected != REMOVED) {
        if (!(expected instanceof Held) && STATE.compareAndSet(entry, expected, REMOVED)) {
          map.remove(key, entry);
          size.decrementAndGet();
          return;
        }
        if (!force) {
          return;
        }
        if (expected instanceof Held) {
          spins = Held.await(spins);
        }
        expected = entry.state;
      }
    }

    /**
     * When the state becomes the same as a fresh key's for the newest version of the policy seen (a
     * changed limit may take longer to forget usage than the one that wrote it); removed entries
     * count as fresh.
     */
    long freshAt(Object state) {
      if (state instanceof Held) {
        return Long.MAX_VALUE;
      }
      Policy reader = latest;
      return state instanceof Snapshot snapshot && reader != null
          ? snapshot.freshAt(reader)
          : Long.MIN_VALUE;
    }
  }

  /**
   * The states of one key, each in its slot (a limit's id, see {@link Policy#slots()}): the slots
   * of the policy version that last wrote it, in that version's order, then any slots of other
   * versions it did not have (a limit removed, or another version mid-rollout), kept so that every
   * version finds its limits' usage by id. The models convert what they read.
   */
  private static final class Snapshot {
    final String[] slots;
    final State[] states;

    Snapshot(String[] slots, State[] states) {
      this.slots = slots;
      this.states = states;
    }

    /** The state of limit {@code index} of {@code policy}, or {@code null} if it has none. */
    @Nullable State state(Policy policy, int index) {
      String[] wanted = policy.slots();
      if (slots == wanted) {
        return states[index];
      }
      for (int i = 0; i < slots.length; i++) {
        if (slots[i].equals(wanted[index])) {
          return states[i];
        }
      }
      return null;
    }

    /** The snapshot after {@code policy} stored {@code next}, one state per limit. */
    static Snapshot written(@Nullable Snapshot before, Policy policy, State[] next) {
      String[] mine = policy.slots();
      if (before == null || before.slots == mine) {
        return new Snapshot(mine, next);
      }
      List<String> slots = new ArrayList<>(Arrays.asList(mine));
      List<State> states = new ArrayList<>(Arrays.asList(next));
      for (int i = 0; i < before.slots.length; i++) {
        if (!slots.contains(before.slots[i])) {
          slots.add(before.slots[i]);
          states.add(before.states[i]);
        }
      }
      return slots.size() == mine.length
          ? new Snapshot(mine, next)
          : new Snapshot(slots.toArray(String[]::new), states.toArray(State[]::new));
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

  /**
   * A batch's claim on a key while it decides ({@link #tryAcquireAll}): the state it replaced, put
   * back or replaced when the batch ends. Decisions on the key wait for it, peeks read through it,
   * sweeps leave it alone. Batches claim their keys in one global order, so two never wait for each
   * other in a cycle.
   */
  private static final class Held {
    final @Nullable Snapshot before;

    Held(@Nullable Snapshot before) {
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

  /**
   * One key: its {@link Snapshot}, {@code null} if fresh, {@code REMOVED}, or {@link Held} by a
   * batch.
   */
  private static final class Entry {
    @SuppressWarnings("unused") // written through STATE
    volatile @Nullable Object state;
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

package dev.sluice;

import dev.sluice.internal.Checks;
import dev.sluice.internal.algorithm.Decide;
import dev.sluice.internal.algorithm.Model;
import dev.sluice.internal.algorithm.Outcome;
import dev.sluice.internal.algorithm.Permits;
import dev.sluice.internal.algorithm.State;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletionStage;

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

  private final TimeSource time;
  private final MemoryKeys keys;

  private InMemoryBackend(TimeSource time, long maxKeys) {
    this.time = time;
    this.keys = new MemoryKeys(time, maxKeys);
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
    MemoryKeys.Store store = keys.store(policy);
    Model[] models = policy.modelArray();
    long now = time.nowMicros();
    MemoryEntry entry = store.entry(key);
    int spins = 0;
    String permit = policy.holdsPermits() ? Permits.next() : null;
    if (models.length == 1) {
      Model model = models[0];
      while (true) {
        Object current = entry.state;
        if (current == MemoryEntry.REMOVED) {
          entry = store.replaceRemoved(key, entry);
          continue;
        }
        if (current instanceof MemoryHold) {
          spins = MemoryHold.await(spins);
          continue;
        }
        MemorySnapshot snapshot = (MemorySnapshot) current;
        Outcome outcome =
            model.step(snapshot == null ? null : snapshot.state(policy, 0), now, cost, permit);
        if (!outcome.allowed()
            || entry.compareAndSet(
                current, MemorySnapshot.written(snapshot, policy, outcome.state()))) {
          return Decide.decision(policy, outcome, permit);
        }
      }
    }
    State[] states = new State[models.length];
    while (true) {
      Object current = entry.state;
      if (current == MemoryEntry.REMOVED) {
        entry = store.replaceRemoved(key, entry);
        continue;
      }
      if (current instanceof MemoryHold) {
        spins = MemoryHold.await(spins);
        continue;
      }
      MemorySnapshot snapshot = (MemorySnapshot) current;
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
      if (entry.compareAndSet(current, MemorySnapshot.written(snapshot, policy, next))) {
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
    MemoryKeys.Store store = keys.store(policy);
    Model[] models = policy.modelArray();
    MemoryEntry entry = store.map.get(key);
    int spins = 0;
    while (true) {
      long now = time.nowMicros();
      Object current = entry == null ? MemoryEntry.REMOVED : entry.state;
      if (entry == null || current == MemoryEntry.REMOVED) {
        return peek(policy, key); // a fresh key: nothing to give back
      }
      if (current instanceof MemoryHold) {
        spins = MemoryHold.await(spins);
        continue;
      }
      MemorySnapshot snapshot = (MemorySnapshot) current;
      State[] next = new State[models.length];
      boolean changed = false;
      for (int i = 0; i < models.length; i++) {
        State before = snapshot == null ? null : snapshot.state(policy, i);
        State refunded = models[i].refund(before, now, cost);
        changed |= refunded != null;
        next[i] = refunded != null ? refunded : before;
      }
      MemorySnapshot after = changed ? MemorySnapshot.written(snapshot, policy, next) : snapshot;
      if (!changed || entry.compareAndSet(current, after)) {
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
    MemoryKeys.Store store = keys.existing(policy);
    MemoryEntry entry = store == null ? null : store.map.get(key);
    Model[] models = policy.modelArray();
    int spins = 0;
    while (entry != null) {
      long now = time.nowMicros();
      Object current = entry.state;
      if (current == MemoryEntry.REMOVED || current == null) {
        return;
      }
      if (current instanceof MemoryHold) {
        spins = MemoryHold.await(spins);
        continue;
      }
      MemorySnapshot snapshot = (MemorySnapshot) current;
      State[] next = new State[models.length];
      boolean changed = false;
      for (int i = 0; i < models.length; i++) {
        State before = snapshot.state(policy, i);
        State released = models[i].release(before, now, permit);
        changed |= released != null;
        next[i] = released != null ? released : before;
      }
      if (!changed
          || entry.compareAndSet(current, MemorySnapshot.written(snapshot, policy, next))) {
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
    MemoryEntry[] entries = new MemoryEntry[n];
    MemoryHold[] holds = new MemoryHold[n];
    try {
      for (int r : order) {
        Acquire request = requests.get(r);
        MemoryKeys.Store store = keys.store(request.policy());
        MemoryEntry entry = store.entry(request.key());
        int spins = 0;
        while (holds[r] == null) {
          Object current = entry.state;
          if (current == MemoryEntry.REMOVED) {
            entry = store.replaceRemoved(request.key(), entry);
          } else if (current instanceof MemoryHold) {
            spins = MemoryHold.await(spins);
          } else {
            MemoryHold held = new MemoryHold((MemorySnapshot) current);
            if (entry.compareAndSet(current, held)) {
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
        MemorySnapshot before = holds[r].before;
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
          after = MemorySnapshot.written(holds[r].before, requests.get(r).policy(), next);
        }
        entries[r].set(after);
        entries[r] = null;
      }
      return Decide.decisions(requests, outcomes, committed ? permits : null);
    } finally {
      for (int r = 0; r < n; r++) {
        if (entries[r] != null) {
          entries[r].set(holds[r].before);
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
    MemoryKeys.Store store = keys.existing(policy);
    MemoryEntry entry = store == null ? null : store.map.get(key);
    Object current = entry == null ? null : entry.state;
    if (current instanceof MemoryHold held) {
      current = held.before;
    }
    MemorySnapshot snapshot = current instanceof MemorySnapshot s ? s : null;
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
    MemoryKeys.Store store = keys.existing(policy);
    MemoryEntry entry = store == null ? null : store.map.get(key);
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
    keys.cleanUp();
  }

  /**
   * The number of keys held, across all policies (including keys that are fresh again but not yet
   * swept).
   *
   * @return the number of keys
   */
  public long size() {
    return keys.size();
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

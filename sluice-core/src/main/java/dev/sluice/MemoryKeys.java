package dev.sluice;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The keys of an {@link InMemoryBackend}, one table per policy name, and their bound: counts the
 * keys, sweeps the ones that are fresh again and evicts the closest to fresh beyond {@code maxKeys}
 * (see the backend's class Javadoc for the policy). Thread-safe.
 */
final class MemoryKeys {
  private final TimeSource time;
  private final long maxKeys;
  private final Map<String, Store> stores = new ConcurrentHashMap<>();
  private final AtomicLong size = new AtomicLong();
  private final AtomicLong insertsSinceSweep = new AtomicLong();
  private final AtomicBoolean sweeping = new AtomicBoolean();

  MemoryKeys(TimeSource time, long maxKeys) {
    this.time = time;
    this.maxKeys = maxKeys;
  }

  /** The table of {@code policy}'s name, created if absent; remembers the newest version seen. */
  Store store(Policy policy) {
    Store store = stores.get(policy.stateName());
    if (store == null) {
      store = stores.computeIfAbsent(policy.stateName(), name -> new Store());
    }
    if (!policy.equals(store.latest)) {
      store.latest = policy;
    }
    return store;
  }

  /** The table of {@code policy}'s name, or {@code null} if no key of it was ever decided. */
  @Nullable Store existing(Policy policy) {
    return stores.get(policy.stateName());
  }

  /** The number of keys held, including keys that are fresh again but not yet swept. */
  long size() {
    return size.get();
  }

  /** See {@link InMemoryBackend#cleanUp()}. */
  void cleanUp() {
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
        for (Map.Entry<String, MemoryEntry> e : store.map.entrySet()) {
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
            for (Map.Entry<String, MemoryEntry> e : store.map.entrySet()) {
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

  private void inserted() {
    long keys = size.incrementAndGet();
    long inserts = insertsSinceSweep.incrementAndGet();
    if (keys > maxKeys || inserts >= Math.max(1024, keys)) {
      cleanUp();
    }
  }

  /** The keys of one policy name, whatever the versions of the policy that wrote them. */
  final class Store {
    final ConcurrentHashMap<String, MemoryEntry> map = new ConcurrentHashMap<>();

    /** The version of the policy last decided with; written only when it changes. */
    volatile @Nullable Policy latest;

    MemoryEntry entry(String key) {
      MemoryEntry entry = map.get(key);
      if (entry != null) {
        return entry;
      }
      MemoryEntry created = new MemoryEntry();
      entry = map.putIfAbsent(key, created);
      if (entry != null) {
        return entry;
      }
      inserted();
      return created;
    }

    MemoryEntry replaceRemoved(String key, MemoryEntry removed) {
      map.remove(key, removed);
      return entry(key);
    }

    /** Removes a key if its state is still {@code expected}; a concurrent decision wins. */
    void remove(String key, MemoryEntry entry, @Nullable Object expected, boolean force) {
      int spins = 0;
      while (expected != MemoryEntry.REMOVED) {
        if (!(expected instanceof MemoryHold)
            && entry.compareAndSet(expected, MemoryEntry.REMOVED)) {
          map.remove(key, entry);
          size.decrementAndGet();
          return;
        }
        if (!force) {
          return;
        }
        if (expected instanceof MemoryHold) {
          spins = MemoryHold.await(spins);
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
      if (state instanceof MemoryHold) {
        return Long.MAX_VALUE;
      }
      Policy reader = latest;
      return state instanceof MemorySnapshot snapshot && reader != null
          ? snapshot.freshAt(reader)
          : Long.MIN_VALUE;
    }
  }
}

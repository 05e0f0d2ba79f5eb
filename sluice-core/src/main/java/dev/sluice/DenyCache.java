package dev.sluice;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * This instance's memory of the store's recent denials: a key denied a cost {@code c} with retry
 * time {@code t} is denied again locally, without asking the store, for any cost of at least {@code
 * c} until {@code t}.
 *
 * <p>Exact as long as only time changes the key: every algorithm's availability only grows with
 * time when nothing is admitted, and admissions by other instances only shrink it, so the store
 * would deny those requests too. Two things make it stale: a reset of the key (through this
 * instance it clears the entry; through another instance, this one keeps denying for at most the
 * remaining retry time) and a configuration change of the policy (entries are keyed by policy, so a
 * changed policy starts without them). Bounded: past {@code maxEntries} expired entries are swept,
 * and if none are, new denials are simply not remembered.
 */
final class DenyCache {

  private record Entry(long cost, long until, long resetAt, String limitId, long limit) {}

  private final int maxEntries;
  private final Map<Policy, Map<String, Entry>> entries = new ConcurrentHashMap<>();
  private final AtomicLong size = new AtomicLong();
  private final LongAdder saved = new LongAdder();

  DenyCache(int maxEntries) {
    this.maxEntries = maxEntries;
  }

  /** The local denial for this request, or {@code null} if the store must be asked. */
  @Nullable Decision check(Policy policy, String key, long cost, long now) {
    Map<String, Entry> keys = entries.get(policy);
    if (keys == null) {
      return null;
    }
    Entry entry = keys.get(key);
    if (entry == null) {
      return null;
    }
    if (now >= entry.until) {
      if (keys.remove(key, entry)) {
        size.decrementAndGet();
      }
      return null;
    }
    if (cost < entry.cost) {
      return null;
    }
    saved.increment();
    return new Decision(
        policy.name(),
        entry.limitId,
        false,
        entry.limit,
        0,
        entry.until - now,
        Math.max(entry.until - now, entry.resetAt - now),
        Decision.Source.DENY_CACHE);
  }

  /** Remembers a denial by the store. */
  void record(Policy policy, String key, long cost, Decision decision, long now) {
    if (decision.allowed()
        || decision.source() != Decision.Source.BACKEND
        || decision.retryAfterMicros() <= 0) {
      return;
    }
    if (size.get() >= maxEntries && sweep(now) == 0) {
      return;
    }
    Entry entry =
        new Entry(
            cost,
            now + decision.retryAfterMicros(),
            now + decision.resetAfterMicros(),
            decision.limitId(),
            decision.limit());
    if (entries.computeIfAbsent(policy, p -> new ConcurrentHashMap<>()).put(key, entry) == null) {
      size.incrementAndGet();
    }
  }

  void forget(Policy policy, String key) {
    Map<String, Entry> keys = entries.get(policy);
    if (keys != null && keys.remove(key) != null) {
      size.decrementAndGet();
    }
  }

  /** The store calls saved so far. */
  long saved() {
    return saved.sum();
  }

  private int sweep(long now) {
    int[] removed = {0};
    for (Map<String, Entry> keys : entries.values()) {
      keys.values()
          .removeIf(
              entry -> {
                boolean expired = now >= entry.until;
                if (expired) {
                  size.decrementAndGet();
                  removed[0]++;
                }
                return expired;
              });
    }
    return removed[0];
  }
}

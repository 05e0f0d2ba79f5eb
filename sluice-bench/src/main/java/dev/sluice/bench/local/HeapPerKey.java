package dev.sluice.bench.local;

import dev.sluice.bench.Csv;
import dev.sluice.bench.Progress;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import org.openjdk.jol.info.GraphLayout;

/**
 * Retained heap per idle key at 1,000,000 keys: Sluice's in-memory backend against Bucket4j's local
 * buckets in a {@code ConcurrentHashMap} (how an application keys them).
 *
 * <p>Each key gets one request under a bucket of 10 refilled at 1/min, so its state is not full and
 * no implementation may drop it. Two measurements, both reported:
 *
 * <ul>
 *   <li>JOL: {@code GraphLayout.parseInstance(limiter)} minus the key strings (which every
 *       implementation holds alike), divided by the keys: the exact shallow sizes of every object
 *       reachable from the limiter;
 *   <li>GC delta: used heap after {@code System.gc()} with the limiter populated, minus the same
 *       before it was created, divided by the keys (includes anything the JVM allocated meanwhile).
 * </ul>
 *
 * <p>Run: {@code java -Xmx6g -Djdk.attach.allowAttachSelf=true -Djol.magicFieldOffset=true -cp
 * sluice-bench/target/sluice-bench.jar dev.sluice.bench.local.HeapPerKey heap.csv}.
 */
public final class HeapPerKey {

  private HeapPerKey() {}

  /**
   * Measures every implementation and appends a row per implementation.
   *
   * @param args the CSV file, then optionally the number of keys
   */
  public static void main(String[] args) {
    Path out = Path.of(args[0]);
    int keys = args.length > 1 ? Integer.parseInt(args[1]) : KeySequences.KEYS;
    String[] table = new String[keys];
    for (int i = 0; i < keys; i++) {
      table[i] = "user:" + i;
    }
    GraphLayout keyLayout = GraphLayout.parseInstance((Object) table);
    for (String impl : new String[] {"sluice", "bucket4j"}) {
      Progress.line("1/3 in-process", "heap per key: " + impl + ", " + keys + " keys");
      long before = usedAfterGc();
      LocalLimiter limiter = LocalLimiters.create(impl, "idle", 2L * keys);
      for (String key : table) {
        limiter.tryAcquire(key);
      }
      long after = usedAfterGc();
      GraphLayout layout = GraphLayout.parseInstance(limiter.root()).subtract(keyLayout);
      double jol = (double) layout.totalSize() / keys;
      double gc = (double) (after - before) / keys;
      Csv.append(
          out,
          Csv.row(
              "impl",
              impl,
              "keys",
              keys,
              "jol_bytes_per_key",
              jol,
              "gc_bytes_per_key",
              gc,
              "objects_per_key",
              (double) layout.totalCount() / keys));
      Progress.line(
          "1/3 in-process",
          String.format("  %s: %.1f B/key (JOL), %.1f B/key (GC delta)", impl, jol, gc));
      if (limiter.tryAcquire(table[0]) && limiter.hashCode() == 42) {
        System.out.println(); // keeps the limiter reachable until here
      }
    }
  }

  private static long usedAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}

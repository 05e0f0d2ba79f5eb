package dev.sluice.bench.local;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Throughput of one {@code tryAcquire} in process: Sluice's in-memory backend (through the public
 * {@code RateLimiter}, so key validation and policy resolution are included) against Bucket4j's
 * lock-free local bucket, Guava's {@code RateLimiter} and Resilience4j's {@code AtomicRateLimiter},
 * the peers keeping one limiter per key in a {@code ConcurrentHashMap}.
 *
 * <p>Parameters: {@code impl} (the peers are the baseline, as {@code @Param}s of one class), {@code
 * keys} ({@code hot}: one key; {@code uniform} and {@code zipf}: 1,000,000 keys, see {@link
 * KeySequences}) and {@code limit} ({@code allow} or {@code deny}, see {@link LocalLimiters});
 * {@link #oneThread} and {@link #twoThreads} run the same call on 1 and 2 threads. Every key is
 * touched once before measuring, so maps are warm; Sluice may still drop keys whose bucket is full
 * again (its bounded memory), which the peers never do.
 *
 * <p>Run everything, as {@code sluice-bench/run.sh} does (it also writes the CSV it reports from):
 *
 * <pre>
 * ./mvnw -q -pl sluice-bench -am package -DskipTests
 * java -jar sluice-bench/target/sluice-bench.jar jmh InProcessBenchmark -rf csv -rff jmh.csv
 * </pre>
 *
 * <p>or one cell: {@code ... jmh InProcessBenchmark.oneThread -p impl=sluice -p keys=hot -p
 * limit=allow}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
@State(Scope.Benchmark)
public class InProcessBenchmark {

  @Param({"sluice", "bucket4j", "guava", "resilience4j"})
  public String impl;

  @Param({"hot", "uniform", "zipf"})
  public String keys;

  @Param({"allow", "deny"})
  public String limit;

  LocalLimiter limiter;
  String[] table;
  int[] draws;

  /** Builds the limiter and the draws, and touches every key once. */
  @Setup(Level.Trial)
  public void setUp() {
    limiter = LocalLimiters.create(impl, limit, 2_000_000);
    table = KeySequences.keys(keys);
    draws = KeySequences.draws(keys, 42);
    for (String key : table) {
      limiter.tryAcquire(key);
    }
  }

  /** Each thread walks the shared draws from its own random offset. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;

    /** Picks the offset. */
    @Setup(Level.Trial)
    public void setUp() {
      next = ThreadLocalRandom.current().nextInt(KeySequences.DRAWS);
    }

    int next() {
      next = (next + 1) & (KeySequences.DRAWS - 1);
      return next;
    }
  }

  /**
   * One caller.
   *
   * @param cursor the thread's position in the draws
   * @return the decision, so it is not optimised away
   */
  @Benchmark
  @Threads(1)
  public boolean oneThread(Cursor cursor) {
    return limiter.tryAcquire(table[draws[cursor.next()]]);
  }

  /**
   * Two callers on the same limiter (this machine has two cores).
   *
   * @param cursor the thread's position in the draws
   * @return the decision, so it is not optimised away
   */
  @Benchmark
  @Threads(2)
  public boolean twoThreads(Cursor cursor) {
    return limiter.tryAcquire(table[draws[cursor.next()]]);
  }
}

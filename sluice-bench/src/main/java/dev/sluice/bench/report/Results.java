package dev.sluice.bench.report;

import dev.sluice.bench.Csv;
import dev.sluice.bench.load.Contenders;
import dev.sluice.bench.load.EvalshaCeiling;
import dev.sluice.bench.local.InProcess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The CSV files of one run, read once, and the look-ups the sections make in them.
 *
 * <p>Design: every number of the report comes from here; a missing file reads as no rows (a part
 * that was not run), a missing or blank cell as {@code NaN} ({@link #d}), and a point that was not
 * measured as {@code null}, so that each section can say "no data" instead of failing.
 */
final class Results {

  /** The Redis implementations in table order: the contenders, then the redis-benchmark ceiling. */
  static final List<String> REDIS_ORDER = redisOrder();

  private final Path directory;
  private final List<Map<String, String>> jmh;
  private final List<Map<String, String>> heap;
  private final List<Map<String, String>> redis;
  private final List<Map<String, String>> accuracy;
  private final List<Map<String, String>> http;
  private final List<Map<String, String>> profile;
  private final List<Map<String, String>> httpProfile;
  private final List<Map<String, String>> jmhProfile;
  private final List<Map<String, String>> scriptCost;
  private final List<Map<String, String>> rls;
  private final Map<String, String> machine = new LinkedHashMap<>();

  private Results(Path directory) {
    this.directory = directory;
    this.jmh = Csv.read(directory.resolve("jmh.csv"));
    this.heap = Csv.read(directory.resolve("heap.csv"));
    this.redis = Csv.read(directory.resolve("redis.csv"));
    this.accuracy = Csv.read(directory.resolve("accuracy.csv"));
    this.http = Csv.read(directory.resolve("http.csv"));
    this.profile = Csv.read(directory.resolve("profile.csv"));
    this.httpProfile = Csv.read(directory.resolve("http-profile.csv"));
    this.jmhProfile = Csv.read(directory.resolve(InProcess.PROFILE_CSV));
    this.scriptCost = Csv.read(directory.resolve("script-cost.csv"));
    this.rls = Csv.read(directory.resolve("rls.csv"));
    for (Map<String, String> row : Csv.read(directory.resolve("machine.csv"))) {
      machine.put(row.get("key"), row.get("value"));
    }
  }

  /** Reads every CSV file of a run's directory. */
  static Results read(Path directory) {
    return new Results(directory);
  }

  private static List<String> redisOrder() {
    List<String> order = new ArrayList<>(Contenders.NAMES);
    order.add(EvalshaCeiling.NAME);
    return List.copyOf(order);
  }

  Path directory() {
    return directory;
  }

  /** A value of machine.csv (the machine, the command, the times of the parts), or a default. */
  String machine(String key, String absent) {
    return machine.getOrDefault(key, absent);
  }

  List<Map<String, String>> jmh() {
    return jmh;
  }

  List<Map<String, String>> heap() {
    return heap;
  }

  List<Map<String, String>> accuracy() {
    return accuracy;
  }

  List<Map<String, String>> http() {
    return http;
  }

  List<Map<String, String>> rls() {
    return rls;
  }

  List<Map<String, String>> profile() {
    return profile;
  }

  /**
   * The median over its rounds of one step's Redis server time per call (Sluice's script or a
   * stand-in, see {@code ScriptCost}), or NaN if it was not measured.
   */
  double scriptCost(String step) {
    double[] values =
        scriptCost.stream()
            .filter(r -> r.get("step").equals(step))
            .mapToDouble(r -> d(r, "server_us_per_call"))
            .toArray();
    return median(values);
  }

  /** The median of some values, or NaN if there are none. */
  static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  /** The JFR profile of the hot-key cell, Sluice's and Bucket4j's (Part 1), by top frame. */
  List<Map<String, String>> jmhProfile() {
    return jmhProfile;
  }

  /** The JFR profile of each Sluice server under wrk (Part 3), by top frame. */
  List<Map<String, String>> httpProfile() {
    return httpProfile;
  }

  /** The caller counts measured against Redis, in ascending order. */
  SortedSet<Integer> callers() {
    TreeSet<Integer> callers = new TreeSet<>();
    redis.forEach(r -> callers.add(Integer.parseInt(r.get("callers"))));
    return callers;
  }

  /** The row of redis.csv for one implementation, key set and caller count, or null. */
  Map<String, String> redisRow(String name, String keys, int callers) {
    return redis.stream()
        .filter(
            r ->
                r.get("contender").equals(name)
                    && r.get("keys").equals(keys)
                    && Integer.parseInt(r.get("callers")) == callers)
        .findFirst()
        .orElse(null);
  }

  /** Decisions per second against Redis, or NaN if the point was not measured. */
  double tput(String name, String keys, int callers) {
    Map<String, String> row = redisRow(name, keys, callers);
    return row == null ? Double.NaN : d(row, "throughput");
  }

  /**
   * Requests per second of one HTTP target, or NaN if it was not measured or could not run.
   *
   * @param target a name of {@code HttpBench.TARGETS}
   */
  double httpRps(String target) {
    return http.stream()
        .filter(r -> r.get("target").equals(target) && r.get("note").isEmpty())
        .mapToDouble(r -> d(r, "rps"))
        .findFirst()
        .orElse(Double.NaN);
  }

  /** The primary JMH rows of one implementation: keys, limit, threads and score. */
  List<Map<String, String>> jmhRows(String impl) {
    List<Map<String, String>> rows = new ArrayList<>();
    for (Map<String, String> r : jmh) {
      if (impl.equals(r.get("Param: impl")) && !r.get("Benchmark").contains(":")) {
        Map<String, String> row = new LinkedHashMap<>();
        row.put("keys", r.get("Param: keys"));
        row.put("limit", r.get("Param: limit"));
        row.put("threads", r.get("Threads"));
        row.put("score", r.get("Score"));
        rows.add(row);
      }
    }
    return rows;
  }

  /** A JMH row's primary score (operations per second), or null. */
  Double jmhScore(String impl, String keys, String limit, String threads) {
    return jmhMetric(impl, keys, limit, threads, null);
  }

  /**
   * A JMH row's score: the primary one ({@code metric} null) or a profiler's, such as
   * gc.alloc.rate.norm.
   */
  Double jmhMetric(String impl, String keys, String limit, String threads, String metric) {
    for (Map<String, String> r : jmh) {
      String benchmark = r.get("Benchmark");
      boolean wanted = metric == null ? !benchmark.contains(":") : benchmark.endsWith(metric);
      if (wanted
          && impl.equals(r.get("Param: impl"))
          && keys.equals(r.get("Param: keys"))
          && limit.equals(r.get("Param: limit"))
          && threads.equals(r.get("Threads"))) {
        return Double.parseDouble(r.get("Score"));
      }
    }
    return null;
  }

  /** Retained bytes per idle key (JOL) of one implementation, or null. */
  Double heapPerKey(String impl) {
    return heap.stream()
        .filter(r -> r.get("impl").equals(impl))
        .map(r -> d(r, "jol_bytes_per_key"))
        .findFirst()
        .orElse(null);
  }

  /** A cell as a number: NaN when the column is absent or blank. */
  static double d(Map<String, String> row, String column) {
    String value = row.get(column);
    return value == null || value.isBlank() ? Double.NaN : Double.parseDouble(value);
  }
}

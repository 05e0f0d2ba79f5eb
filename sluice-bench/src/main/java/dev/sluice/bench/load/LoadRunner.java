package dev.sluice.bench.load;

import dev.sluice.bench.Csv;
import dev.sluice.bench.Progress;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.HdrHistogram.Histogram;

/**
 * Runs every point of one contender in this JVM (the orchestrator starts one JVM per contender, so
 * that no library's threads or JIT state leak into the next): throughput and latency for each key
 * set and number of callers, then accuracy on the hot key. Appends to {@code redis.csv} and {@code
 * accuracy.csv} in the output directory.
 *
 * <p>Arguments are {@code name=value}: {@code contender}, {@code uri}, {@code out}, {@code callers}
 * (comma-separated), {@code keysets} ({@code hot}, {@code 100k}), {@code warmup}, {@code measure},
 * {@code calibrate} (the MONITOR pass) in milliseconds, {@code accCallers}, {@code accWarmup},
 * {@code accMeasure}, {@code point} and {@code total} (progress numbering), and optionally {@code
 * profile=CALLERS:KEYSET} to record that load once more, unmeasured, with JFR into {@code
 * out/profile-<contender>.jfr}.
 */
public final class LoadRunner {

  /** Keys of the many-keys set. */
  public static final int MANY_KEYS = 100_000;

  static final String PART = "2/3 redis";

  private LoadRunner() {}

  /**
   * Runs the points.
   *
   * @param args {@code name=value} arguments, see the class comment
   */
  public static void main(String[] args) {
    Map<String, String> a = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      a.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    String name = a.get("contender");
    String uri = a.get("uri");
    Path out = Path.of(a.get("out"));
    int point = Integer.parseInt(a.getOrDefault("point", "1"));
    int total = Integer.parseInt(a.getOrDefault("total", "1"));
    long warmup = Long.parseLong(a.getOrDefault("warmup", "3000"));
    long measure = Long.parseLong(a.getOrDefault("measure", "10000"));
    long calibrate = Long.parseLong(a.getOrDefault("calibrate", "500"));
    String profile = a.getOrDefault("profile", "");
    String[] keyTable = new String[MANY_KEYS];
    for (int i = 0; i < MANY_KEYS; i++) {
      keyTable[i] = "k" + i;
    }
    RedisClient adminClient = RedisClient.create(uri);
    try (StatefulRedisConnection<String, String> admin = adminClient.connect()) {
      RedisCommands<String, String> redis = admin.sync();
      for (String keyset : list(a.getOrDefault("keysets", "hot,100k"))) {
        boolean hot = keyset.equals("hot");
        List<String> keys = hot ? List.of("hot") : Arrays.asList(keyTable);
        ClosedLoop.Keys draw =
            hot
                ? measuring -> "hot"
                : measuring -> keyTable[ThreadLocalRandom.current().nextInt(MANY_KEYS)];
        for (String c : list(a.getOrDefault("callers", "1,16,64,256"))) {
          int callers = Integer.parseInt(c);
          Progress.point(
              PART, point++, total, name + ", " + label(keyset) + ", " + callers + " callers");
          redis.flushall();
          try (Contender contender = Contenders.open(name, uri, LimitSpec.OPEN, keys)) {
            RedisStats[] stats = new RedisStats[2];
            ClosedLoop.Hooks hooks =
                new ClosedLoop.Hooks() {
                  @Override
                  public void beforeMeasure() {
                    stats[0] = snapshot(redis);
                  }

                  @Override
                  public void afterMeasure() {
                    stats[1] = snapshot(redis);
                  }
                };
            ClosedLoop.Result result =
                ClosedLoop.run(contender, callers, draw, warmup, measure, hooks);
            MonitorSample sample;
            try (MonitorSample.Recorder monitor =
                new MonitorSample.Recorder(host(uri), port(uri))) {
              ClosedLoop.run(contender, callers, draw, 0, calibrate, new ClosedLoop.Hooks() {});
              sample = monitor.stop();
            }
            if (profile.equals(callers + ":" + keyset)) {
              // A separate pass, so the profiler's overhead stays out of the numbers above.
              Progress.line(
                  PART,
                  "    profiling the same load with JFR for "
                      + Math.min(measure, 10_000) / 1000
                      + " s");
              jdk.jfr.Recording recording = startProfile();
              ClosedLoop.run(
                  contender,
                  callers,
                  draw,
                  0,
                  Math.min(measure, 10_000),
                  new ClosedLoop.Hooks() {});
              stopProfile(recording, out.resolve("profile-" + name + ".jfr"));
            }
            double[] perDecision =
                result.decisions() == 0
                    ? new double[] {Double.NaN, Double.NaN, Double.NaN}
                    : RedisStats.perDecision(stats[0], stats[1], sample, result.decisions());
            Histogram h = result.latency();
            Csv.append(
                out.resolve("redis.csv"),
                Csv.row(
                    "contender",
                    name,
                    "keys",
                    keyset,
                    "callers",
                    callers,
                    "seconds",
                    result.nanos() / 1e9,
                    "decisions",
                    result.decisions(),
                    "allowed",
                    result.allowed(),
                    "errors",
                    result.errors(),
                    "throughput",
                    result.throughput(),
                    "p50_us",
                    h.getValueAtPercentile(50) / 1e3,
                    "p99_us",
                    h.getValueAtPercentile(99) / 1e3,
                    "p999_us",
                    h.getValueAtPercentile(99.9) / 1e3,
                    "max_us",
                    h.getMaxValue() / 1e3,
                    "commands_per_decision",
                    perDecision[0],
                    "server_us_per_decision",
                    perDecision[1],
                    "redis_cpu_us_per_decision",
                    perDecision[2],
                    "client_cpu_us_per_decision",
                    result.decisions() == 0
                        ? Double.NaN
                        : result.clientCpuNanos() / 1e3 / result.decisions(),
                    "first_error",
                    result.firstError().replaceAll("[,\\r\\n]", ";")));
            Progress.line(
                PART,
                String.format(
                    "    %,.0f decisions/s, p50 %s, p99 %s, p99.9 %s, %.2f commands, %.1f us"
                        + " server%s",
                    result.throughput(),
                    micros(h.getValueAtPercentile(50)),
                    micros(h.getValueAtPercentile(99)),
                    micros(h.getValueAtPercentile(99.9)),
                    perDecision[0],
                    perDecision[1],
                    result.errors() > 0
                        ? ", " + result.errors() + " errors: " + result.firstError()
                        : ""));
          }
        }
      }
      if (Contenders.LIMITERS.contains(name)) {
        for (String c : list(a.getOrDefault("accCallers", "64"))) {
          int callers = Integer.parseInt(c);
          Progress.point(
              PART,
              point++,
              total,
              name + ", accuracy, hot key at 100 + 100/s, " + callers + " callers");
          redis.flushall();
          try (Contender contender =
              Contenders.open(name, uri, LimitSpec.ACCURACY, List.of("warm", "acc"))) {
            ClosedLoop.Result result =
                ClosedLoop.run(
                    contender,
                    callers,
                    measuring -> measuring ? "acc" : "warm",
                    Long.parseLong(a.getOrDefault("accWarmup", "2000")),
                    Long.parseLong(a.getOrDefault("accMeasure", "10000")),
                    new ClosedLoop.Hooks() {});
            double seconds = result.nanos() / 1e9;
            double bound = LimitSpec.ACCURACY.capacity() + LimitSpec.ACCURACY.perSecond() * seconds;
            double ratio = 100 * result.allowed() / bound;
            Csv.append(
                out.resolve("accuracy.csv"),
                Csv.row(
                    "contender",
                    name,
                    "callers",
                    callers,
                    "seconds",
                    seconds,
                    "decisions",
                    result.decisions(),
                    "admitted",
                    result.allowed(),
                    "bound",
                    bound,
                    "ratio_pct",
                    ratio,
                    "errors",
                    result.errors()));
            Progress.line(
                PART,
                String.format(
                    "    admitted %,d of a bound of %,.0f: %.2f%%%s",
                    result.allowed(),
                    bound,
                    ratio,
                    result.errors() > 0
                        ? ", " + result.errors() + " errors: " + result.firstError()
                        : ""));
          }
        }
      }
    } finally {
      adminClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  static RedisStats snapshot(RedisCommands<String, String> redis) {
    return RedisStats.parse(redis.info("commandstats"), redis.info("cpu"));
  }

  static String label(String keyset) {
    return keyset.equals("hot") ? "hot key" : "100,000 keys";
  }

  static String micros(long nanos) {
    return nanos >= 1_000_000
        ? String.format("%.1f ms", nanos / 1e6)
        : String.format("%.0f us", nanos / 1e3);
  }

  static List<String> list(String csv) {
    List<String> items = new ArrayList<>();
    for (String item : csv.split(",")) {
      if (!item.isBlank()) {
        items.add(item.trim());
      }
    }
    return items;
  }

  static String host(String uri) {
    String rest = uri.substring(uri.indexOf("://") + 3);
    return rest.substring(0, rest.lastIndexOf(':'));
  }

  static int port(String uri) {
    String rest = uri.substring(uri.lastIndexOf(':') + 1);
    int slash = rest.indexOf('/');
    return Integer.parseInt(slash < 0 ? rest : rest.substring(0, slash));
  }

  private static jdk.jfr.Recording startProfile() {
    try {
      jdk.jfr.Recording recording =
          new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
      recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(1));
      recording.start();
      return recording;
    } catch (java.io.IOException | java.text.ParseException e) {
      throw new IllegalStateException("cannot start JFR", e);
    }
  }

  private static void stopProfile(jdk.jfr.Recording recording, Path file) {
    try {
      recording.stop();
      recording.dump(file);
      recording.close();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}

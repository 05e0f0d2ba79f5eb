package dev.sluice.bench;

import dev.sluice.bench.http.HttpBench;
import dev.sluice.bench.http.RlsBench;
import dev.sluice.bench.load.Contenders;
import dev.sluice.bench.load.EvalshaCeiling;
import dev.sluice.bench.load.ProfileSummary;
import dev.sluice.bench.load.ScriptCost;
import dev.sluice.bench.local.InProcess;
import dev.sluice.bench.report.Report;
import dev.sluice.testkit.RedisBinary;
import dev.sluice.testkit.RedisNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The one command behind {@code sluice-bench/run.sh}: runs the four parts, then writes the report.
 *
 * <pre>
 * java -jar sluice-bench.jar [--short] [--parts 1,2,3,4] everything (or some parts), then the report
 * java -jar sluice-bench.jar report [--short]             the report again from the saved results
 * java -jar sluice-bench.jar jmh [JMH options]            JMH itself, e.g. one benchmark by name
 * </pre>
 *
 * <p>Full mode writes {@code sluice-bench/results/*.csv}, {@code BENCHMARKS.md} and {@code
 * docs/bench/*.png}; {@code --short} (a quick look with shorter and fewer points) writes the same
 * under {@code sluice-bench/target/short/} and leaves the committed report alone. The working
 * directory must be the repository root.
 */
public final class Bench {

  private final Path root;
  private final boolean quick;
  private final Path results;
  private final Map<String, String> machine = new LinkedHashMap<>();

  private Bench(Path root, boolean quick) {
    this.root = root;
    this.quick = quick;
    this.results =
        quick
            ? root.resolve("sluice-bench/target/short/results")
            : root.resolve("sluice-bench/results");
  }

  /**
   * Entry point.
   *
   * @param args see the class comment
   * @throws Exception if JMH fails
   */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("jmh")) {
      org.openjdk.jmh.Main.main(java.util.Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    List<String> list = List.of(args);
    boolean quick = list.contains("--short");
    Path root = Path.of("").toAbsolutePath();
    if (!Files.exists(root.resolve("sluice-bench/pom.xml"))) {
      throw new IllegalStateException(
          "run from the repository root (where sluice-bench/ is): " + root);
    }
    Bench bench = new Bench(root, quick);
    if (list.contains("report")) {
      bench.report();
      return;
    }
    String parts = "1,2,3,4";
    int at = list.indexOf("--parts");
    if (at >= 0 && at + 1 < list.size()) {
      parts = list.get(at + 1);
    }
    bench.run(parts);
  }

  private void run(String parts) throws IOException {
    Files.createDirectories(results);
    for (String part : parts.split(",")) {
      for (String file : filesOf(part)) {
        Files.deleteIfExists(results.resolve(file));
      }
    }
    Progress.line(
        "bench",
        (quick ? "short" : "full")
            + " run, parts "
            + parts
            + "; results in "
            + root.relativize(results));
    describeMachine();
    if (parts.contains("1")) {
      timed("part1", this::inProcess);
    }
    if (parts.contains("2") || parts.contains("3")) {
      Progress.line("bench", "starting redis-server (" + RedisBinary.get() + ")");
      try (RedisNode redis = RedisNode.start()) {
        redis.command("CONFIG", "SET", "save", "");
        Progress.line("bench", "redis-server listens on " + redis.uri());
        if (parts.contains("2")) {
          timed("part2", () -> redisLoad(redis.uri()));
        }
        if (parts.contains("3")) {
          timed(
              "part3",
              () -> HttpBench.run(root, redis.uri(), results, quick ? 2 : 10, quick ? 5 : 15, 64));
        }
      }
    }
    if (parts.contains("4")) {
      timed("part4", () -> RlsBench.run(root, results, quick ? 1 : 3, quick ? 5 : 15, 64));
    }
    // Part 4 alone records its own date, commit and load average in rls.csv: the machine's record
    // stays that of the run of the other parts.
    if (!parts.trim().equals("4")) {
      saveMachine(parts);
    }
    report();
    Progress.line("bench", "done in " + minutes(Progress.elapsed()));
  }

  private static List<String> filesOf(String part) {
    return switch (part.trim()) {
      case "1" -> List.of("jmh.csv", "heap.csv", "jmh.log", InProcess.PROFILE_CSV);
      case "2" -> List.of("redis.csv", "accuracy.csv", "profile.csv", "script-cost.csv");
      case "3" -> List.of("http.csv", "http-profile.csv");
      case "4" -> List.of("rls.csv");
      default -> throw new IllegalArgumentException("parts must be among 1,2,3,4: " + part);
    };
  }

  private void inProcess() {
    machine.put("part1_iterations", InProcess.run(results, quick));
    child(
        "dev.sluice.bench.local.HeapPerKey",
        List.of(
            "-Xms6g", "-Xmx6g", "-Djdk.attach.allowAttachSelf=true", "-Djol.magicFieldOffset=true"),
        List.of(results.resolve("heap.csv").toString(), quick ? "200000" : "1000000"));
  }

  private void redisLoad(String uri) {
    List<String> callers = quick ? List.of("1", "64") : List.of("1", "16", "64", "256");
    List<String> accCallers = quick ? List.of("64") : List.of("16", "64", "256");
    List<String> keysets = List.of("hot", "100k");
    long warmup = quick ? 1_000 : 3_000;
    long measure = quick ? 2_000 : 10_000;
    int total =
        (Contenders.NAMES.size() + 1) * keysets.size() * callers.size()
            + Contenders.LIMITERS.size() * accCallers.size()
            + 1;
    int point = 1;
    List<String> template = EvalshaCeiling.captureTemplate(uri);
    Progress.point(
        "2/3 redis",
        point++,
        total,
        "where Redis's time per Lua decision goes: Sluice's EVALSHA against stand-in scripts,"
            + " redis-benchmark, hot key, 64 connections");
    try {
      ScriptCost.run(uri, template, 64, quick ? 50_000 : 300_000, quick ? 1 : 3, results);
    } catch (RuntimeException e) {
      Progress.line("2/3 redis", "    redis-benchmark failed: " + e.getMessage());
    }
    // Side by side: at each point every contender runs back to back, so a burst of noise from
    // other work on the machine hits one point of all of them rather than all points of one.
    for (String keyset : keysets) {
      for (String c : callers) {
        for (String name : Contenders.NAMES) {
          List<String> args =
              new ArrayList<>(
                  List.of(
                      "contender=" + name,
                      "uri=" + uri,
                      "out=" + results,
                      "keysets=" + keyset,
                      "callers=" + c,
                      "accCallers=",
                      "warmup=" + warmup,
                      "measure=" + measure,
                      "calibrate=" + (quick ? 300 : 500),
                      "point=" + point++,
                      "total=" + total));
          if (name.equals("sluice-lua") && keyset.equals("hot") && c.equals("64")) {
            args.add("profile=64:hot");
          }
          child("dev.sluice.bench.load.LoadRunner", List.of("-Xms1g", "-Xmx2g"), args);
        }
        Progress.point(
            "2/3 redis",
            point++,
            total,
            EvalshaCeiling.NAME
                + ", "
                + (keyset.equals("hot") ? "hot key" : "100,000 keys")
                + ", "
                + c
                + " connections");
        try {
          EvalshaCeiling.run(uri, template, keyset, Integer.parseInt(c), measure, results);
        } catch (RuntimeException e) {
          Progress.line("2/3 redis", "    redis-benchmark failed: " + e.getMessage());
        }
      }
    }
    for (String c : accCallers) {
      for (String name : Contenders.LIMITERS) {
        child(
            "dev.sluice.bench.load.LoadRunner",
            List.of("-Xms1g", "-Xmx2g"),
            List.of(
                "contender=" + name,
                "uri=" + uri,
                "out=" + results,
                "keysets=",
                "callers=",
                "accCallers=" + c,
                "accWarmup=" + (quick ? 1_000 : 2_000),
                "accMeasure=" + (quick ? 3_000 : 10_000),
                "point=" + point++,
                "total=" + total));
      }
    }
    Path jfr = results.resolve("profile-sluice-lua.jfr");
    if (Files.exists(jfr)) {
      ProfileSummary.summarise(jfr, "sluice-lua", results.resolve("profile.csv"));
      try {
        Files.delete(jfr);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Runs a class of this jar in a new JVM, its output passed through. */
  private void child(String main, List<String> jvm, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvm);
    command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), main));
    command.addAll(args);
    try {
      int exit = new ProcessBuilder(command).inheritIO().start().waitFor();
      if (exit != 0) {
        Progress.line(
            "bench",
            "    " + main + " exited " + exit + " (its points are missing from the results)");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private void timed(String name, Runnable part) {
    long started = System.nanoTime();
    part.run();
    machine.put(name + "_seconds", Long.toString((System.nanoTime() - started) / 1_000_000_000L));
  }

  private void describeMachine() {
    machine.put(
        "date",
        ZonedDateTime.now(ZoneOffset.UTC)
            .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)
            .substring(0, 19));
    machine.put("mode", quick ? "short" : "full");
    machine.put("command", quick ? "sluice-bench/run.sh --short" : "sluice-bench/run.sh");
    machine.put("cpu", cpuModel());
    machine.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
    machine.put("memory", memory());
    machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    machine.put(
        "java",
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    machine.put("redis", RedisBinary.get().version() + " (" + RedisBinary.get().source() + ")");
    machine.put(
        "wrk",
        Processes.quietly("not installed", "wrk", "--version")
            .lines()
            .findFirst()
            .orElse("")
            .replace("Copyright (C) 2012 Will Glozer", "")
            .trim());
    machine.put(
        "nginx", Processes.quietly("not installed", "nginx", "-v").replace("nginx version: ", ""));
    machine.put("commit", Processes.commit(root));
    machine.put("load_at_start", Processes.awaitQuiet("bench"));
  }

  private void saveMachine(String parts) {
    machine.put("parts", parts.replace(',', ' '));
    machine.put("load_at_end", Processes.load());
    machine.put("total_seconds", Long.toString(Progress.elapsed().toSeconds()));
    Path file = results.resolve("machine.csv");
    Map<String, String> previous = new LinkedHashMap<>();
    for (Map<String, String> row : Csv.read(file)) {
      previous.put(row.get("key"), row.get("value"));
    }
    previous.putAll(machine);
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    previous.forEach((k, v) -> Csv.append(file, Csv.row("key", k, "value", v.replace(",", ";"))));
  }

  private void report() {
    Path markdown =
        quick
            ? root.resolve("sluice-bench/target/short/BENCHMARKS.md")
            : root.resolve("BENCHMARKS.md");
    Path charts =
        quick ? root.resolve("sluice-bench/target/short/docs/bench") : root.resolve("docs/bench");
    Report.write(results, markdown, charts);
    Progress.line(
        "bench",
        "wrote " + root.relativize(markdown) + " and the charts in " + root.relativize(charts));
  }

  private static String cpuModel() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      return lines
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst()
          .orElse(System.getProperty("os.arch"));
    } catch (IOException | UncheckedIOException e) {
      return System.getProperty("os.arch");
    }
  }

  private static String memory() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/meminfo"))) {
      return lines
          .filter(l -> l.startsWith("MemTotal"))
          .map(
              l -> {
                long kb = Long.parseLong(l.replaceAll("\\D", ""));
                return String.format("%.0f GiB", kb / 1024.0 / 1024.0);
              })
          .findFirst()
          .orElse("unknown");
    } catch (IOException | UncheckedIOException e) {
      return "unknown";
    }
  }

  private static String minutes(Duration d) {
    return d.toMinutes() + " min " + d.toSecondsPart() + " s";
  }
}

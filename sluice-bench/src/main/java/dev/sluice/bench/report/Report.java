package dev.sluice.bench.report;

import dev.sluice.bench.Csv;
import dev.sluice.bench.http.HttpBench;
import dev.sluice.bench.load.Contenders;
import dev.sluice.bench.load.EvalshaCeiling;
import dev.sluice.bench.local.LocalLimiters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Writes BENCHMARKS.md and its charts from the CSV files of one run. Every number in the report is
 * read from those files or computed from them here; the prose around them is fixed text, and each
 * verdict (met, missed by how much) is computed.
 */
public final class Report {

  private static final List<String> REDIS_ORDER = new ArrayList<>(Contenders.NAMES);

  static {
    REDIS_ORDER.add(EvalshaCeiling.NAME);
  }

  private final Path results;
  private final Path markdown;
  private final Path charts;
  private final StringBuilder md = new StringBuilder();
  private final List<Map<String, String>> jmh;
  private final List<Map<String, String>> heap;
  private final List<Map<String, String>> redis;
  private final List<Map<String, String>> accuracy;
  private final List<Map<String, String>> http;
  private final List<Map<String, String>> profile;
  private final Map<String, String> machine = new LinkedHashMap<>();
  private final List<String> losses = new ArrayList<>();

  private Report(Path results, Path markdown, Path charts) {
    this.results = results;
    this.markdown = markdown;
    this.charts = charts;
    this.jmh = Csv.read(results.resolve("jmh.csv"));
    this.heap = Csv.read(results.resolve("heap.csv"));
    this.redis = Csv.read(results.resolve("redis.csv"));
    this.accuracy = Csv.read(results.resolve("accuracy.csv"));
    this.http = Csv.read(results.resolve("http.csv"));
    this.profile = Csv.read(results.resolve("profile.csv"));
    for (Map<String, String> row : Csv.read(results.resolve("machine.csv"))) {
      machine.put(row.get("key"), row.get("value"));
    }
  }

  /**
   * Writes the report.
   *
   * @param results the directory of the run's CSV files
   * @param markdown the Markdown file to write
   * @param charts the directory of the PNG charts
   */
  public static void write(Path results, Path markdown, Path charts) {
    new Report(results, markdown, charts).write();
  }

  private void write() {
    h(1, "Benchmarks");
    p(
        "Sluice against its peers and against the ceilings of this machine: in process (JMH),"
            + " against a real Redis (closed-loop load, latency, Redis cost, accuracy) and over"
            + " HTTP (wrk). **Generated** by `"
            + machine.getOrDefault("command", "sluice-bench/run.sh")
            + "` from the CSV files in `"
            + rel(results)
            + "`; every number, ratio and verdict below comes from that run. Do not edit by hand: "
            + "run the command again.");
    machineSection();
    goalsSection();
    inProcessSection();
    redisSection();
    httpSection();
    lossesSection();
    try {
      Files.createDirectories(markdown.toAbsolutePath().getParent());
      Files.writeString(markdown, md.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- sections

  private void machineSection() {
    h(2, "The machine and the commands");
    table(
        List.of("what", "value"),
        List.of(
            List.of("date", machine.getOrDefault("date", "?")),
            List.of(
                "mode",
                machine.getOrDefault("mode", "?")
                    + " (`"
                    + machine.getOrDefault("command", "?")
                    + "`)"),
            List.of(
                "CPU",
                machine.getOrDefault("cpu", "?")
                    + ", "
                    + machine.getOrDefault("cores", "?")
                    + " cores"),
            List.of("memory", machine.getOrDefault("memory", "?")),
            List.of("OS", machine.getOrDefault("os", "?")),
            List.of("Java", machine.getOrDefault("java", "?")),
            List.of("Redis", machine.getOrDefault("redis", "?")),
            List.of(
                "wrk / nginx",
                machine.getOrDefault("wrk", "?") + " / " + machine.getOrDefault("nginx", "?")),
            List.of("commit", machine.getOrDefault("commit", "?")),
            List.of(
                "load average at start / end",
                machine.getOrDefault("load_at_start", "?")
                    + " / "
                    + machine.getOrDefault("load_at_end", "?")),
            List.of(
                "time per part (s)",
                "in-process "
                    + machine.getOrDefault("part1_seconds", "-")
                    + ", Redis "
                    + machine.getOrDefault("part2_seconds", "-")
                    + ", HTTP "
                    + machine.getOrDefault("part3_seconds", "-")
                    + "; whole run "
                    + machine.getOrDefault("total_seconds", "-"))));
    p(
        "Client, Redis, wrk and servers all share these cores, and the machine is shared with other"
            + " work, so absolute numbers are noisy: compare within a table (each point runs every"
            + " implementation back to back) and read the ratios.");
    p(
        "Regenerate everything (builds, installs `wrk` and `nginx` from Debian when missing, starts"
            + " and stops its own `redis-server` on a free loopback port, prints progress):");
    code(
        "sluice-bench/run.sh            # full: every table and chart of this file\n"
            + "sluice-bench/run.sh --short    # a quick look: fewer, shorter points; writes"
            + " sluice-bench/target/short/\n"
            + "sluice-bench/run.sh --parts 2  # only some parts (1 in-process, 2 Redis, 3 HTTP);"
            + " the report keeps the others\n"
            + "java -jar sluice-bench/target/sluice-bench.jar report                 # this file"
            + " again from the CSVs\n"
            + "java -jar sluice-bench/target/sluice-bench.jar jmh InProcessBenchmark.oneThread -p"
            + " impl=sluice -p keys=hot");
  }

  private void goalsSection() {
    h(2, "Goals at a glance");
    List<List<String>> rows = new ArrayList<>();
    for (String keys : List.of("hot", "100k")) {
      double lua = tput("sluice-lua", keys, 64);
      double ping = tput("lettuce-ping", keys, 64);
      rows.add(
          List.of(
              "Lua mode >= 0.85x the Lettuce PING ceiling, 64 callers, " + keysLabel(keys),
              num(lua) + " vs " + num(ping) + " decisions/s = " + ratio(lua / ping),
              verdict(lua / ping, 0.85)));
    }
    double luaHot = tput("sluice-lua", "hot", 64);
    double b4jHot = tput("bucket4j", "hot", 64);
    rows.add(
        List.of(
            "Lua mode >= 40x Bucket4j, hot key, 64 callers",
            num(luaHot) + " vs " + num(b4jHot) + " = " + ratio(luaHot / b4jHot),
            verdict(luaHot / b4jHot, 40)));
    double luaMany = tput("sluice-lua", "100k", 64);
    double b4jMany = tput("bucket4j", "100k", 64);
    rows.add(
        List.of(
            "Lua mode >= 1.7x Bucket4j, 100,000 keys, 64 callers",
            num(luaMany) + " vs " + num(b4jMany) + " = " + ratio(luaMany / b4jMany),
            verdict(luaMany / b4jMany, 1.7)));
    for (Map<String, String> row : accuracy) {
      if (row.get("contender").equals("sluice-lua")) {
        double pct = d(row, "ratio_pct");
        String verdict =
            pct > 100.0001
                ? "**missed**: over-admitted by " + pct(pct - 100)
                : pct >= 99 ? "met" : "**missed** by " + pct(99 - pct) + " points";
        rows.add(
            List.of(
                "Lua mode exact: no over-admission and >= 99% of capacity + rate x elapsed, "
                    + row.get("callers")
                    + " callers",
                row.get("admitted")
                    + " admitted of a bound of "
                    + num(d(row, "bound"))
                    + " = "
                    + pct(pct),
                verdict));
      }
    }
    for (String keys : List.of("hot", "100k")) {
      Map<String, String> row = redisRow("sluice-lua", keys, 64);
      double us = row == null ? Double.NaN : d(row, "server_us_per_decision");
      rows.add(
          List.of(
              "Redis server time per decision <= 5 us (Lua, 64 callers, " + keysLabel(keys) + ")",
              us(us) + " (INFO commandstats)",
              Double.isNaN(us) ? "no data" : us <= 5 ? "met" : "**missed** by " + ratio(us / 5)));
    }
    double hybridHot = tput("sluice-hybrid", "hot", 64);
    double batchingHot = tput("bucket4j-batching", "hot", 64);
    rows.add(
        List.of(
            "Hybrid mode >= 10x Bucket4j batching on the hot key, 64 callers",
            num(hybridHot) + " vs " + num(batchingHot) + " = " + ratio(hybridHot / batchingHot),
            verdict(hybridHot / batchingHot, 10)));
    for (Map<String, String> row : accuracy) {
      if (row.get("contender").equals("sluice-hybrid")) {
        double pct = d(row, "ratio_pct");
        rows.add(
            List.of(
                "Hybrid mode error <= 1% (capacity + rate x elapsed), "
                    + row.get("callers")
                    + " callers",
                row.get("admitted")
                    + " admitted of a bound of "
                    + num(d(row, "bound"))
                    + " = "
                    + pct(pct),
                Math.abs(pct - 100) <= 1
                    ? "met"
                    : "**missed** by " + pct(Math.abs(pct - 100) - 1) + " points"));
      }
    }
    int met = 0;
    int cases = 0;
    for (Map<String, String> s : jmhRows("sluice")) {
      Double b = jmhScore("bucket4j", s.get("keys"), s.get("limit"), s.get("threads"));
      if (b != null) {
        cases++;
        if (d(s, "score") >= b) {
          met++;
        }
      }
    }
    rows.add(
        List.of(
            "In process: at least Bucket4j's local bucket on 1 and 2 threads",
            met + " of " + cases + " cases (key sets x limits x threads)",
            cases == 0
                ? "no data"
                : met == cases ? "met" : "**missed** in " + (cases - met) + " cases (see Part 1)"));
    Double sluiceHeap = heapPerKey("sluice");
    Double b4jHeap = heapPerKey("bucket4j");
    rows.add(
        List.of(
            "In process: less memory per key than Bucket4j",
            bytes(sluiceHeap) + " vs " + bytes(b4jHeap) + " per idle key (JOL)",
            sluiceHeap == null || b4jHeap == null
                ? "no data"
                : sluiceHeap < b4jHeap
                    ? "met (" + ratio(sluiceHeap / b4jHeap) + ")"
                    : "**missed** (" + ratio(sluiceHeap / b4jHeap) + ")"));
    table(List.of("goal", "measured", "verdict"), rows);
    limitsOfLua();
  }

  /** Computed from the cost columns: why Lua mode sits where it does against the ceilings. */
  private void limitsOfLua() {
    List<String> notes = new ArrayList<>();
    for (String keys : List.of("hot", "100k")) {
      Map<String, String> lua = redisRow("sluice-lua", keys, 64);
      Map<String, String> ping = redisRow("lettuce-ping", keys, 64);
      Map<String, String> evalsha = redisRow(EvalshaCeiling.NAME, keys, 64);
      if (lua == null || ping == null) {
        continue;
      }
      double luaClient = d(lua, "client_cpu_us_per_decision");
      double luaRedis = d(lua, "redis_cpu_us_per_decision");
      double pingClient = d(ping, "client_cpu_us_per_decision");
      double pingRedis = d(ping, "redis_cpu_us_per_decision");
      double luaCores = (luaClient + luaRedis) * d(lua, "throughput") / 1e6;
      double pingCores = (pingClient + pingRedis) * d(ping, "throughput") / 1e6;
      String note =
          String.format(
              "%s, 64 callers: client and Redis share %s cores, and both loads keep them busy (Lua"
                  + " %.2f cores, PING %.2f), so the machine is CPU-bound and throughput follows"
                  + " CPU per decision. Lua costs %s of client CPU and %s of Redis CPU per decision"
                  + " (server time in commandstats: %s), PING %s and %s: the CPU ratio (PING / Lua)"
                  + " is %s, the measured throughput ratio %s.",
              capital(keysLabel(keys)),
              machine.getOrDefault("cores", "?"),
              luaCores,
              pingCores,
              us(luaClient),
              us(luaRedis),
              us(d(lua, "server_us_per_decision")),
              us(pingClient),
              us(pingRedis),
              ratio((pingClient + pingRedis) / (luaClient + luaRedis)),
              ratio(d(lua, "throughput") / d(ping, "throughput")));
      if (evalsha != null) {
        note +=
            String.format(
                " Even redis-benchmark, a C client sending Sluice's own EVALSHA, reaches only %s"
                    + " decisions/s here (%s of PING), with Redis at %s of CPU per decision: the"
                    + " script's cost in Redis alone caps Lua mode below the PING ceiling on this"
                    + " machine.",
                num(d(evalsha, "throughput")),
                ratio(d(evalsha, "throughput") / d(ping, "throughput")),
                us(d(evalsha, "redis_cpu_us_per_decision")));
      }
      notes.add(note);
    }
    List<Map<String, String>> areas =
        profile.stream()
            .filter(r -> r.get("contender").equals("sluice-lua") && r.get("kind").equals("area"))
            .toList();
    if (!areas.isEmpty()) {
      StringBuilder top =
          new StringBuilder("Client side (JFR, hot key, 64 callers; Java code only): ");
      for (int i = 0; i < Math.min(4, areas.size()); i++) {
        top.append(i == 0 ? "" : ", ")
            .append(areas.get(i).get("name"))
            .append(' ')
            .append(pct(d(areas.get(i), "share_pct")));
      }
      top.append(
          " of samples; Sluice's own code is a small share: the client's cost is the asynchronous"
              + " Redis client and its futures, one per decision, which PING pays too, plus"
              + " Sluice's deadline and argument encoding.");
      notes.add(top.toString());
    }
    Double sluiceAlloc = jmhMetric("sluice", "hot", "allow", "1", "gc.alloc.rate.norm");
    Double b4jAlloc = jmhMetric("bucket4j", "hot", "allow", "1", "gc.alloc.rate.norm");
    if (sluiceAlloc != null && b4jAlloc != null) {
      notes.add(
          String.format(
              "In process, hot key: a Sluice decision allocates %.0f bytes (a state, an outcome and"
                  + " a `Decision` record, after key validation and policy resolution), Bucket4j's"
                  + " %.0f: on one key the call path and its allocation are the cost; on 1,000,000"
                  + " keys memory access dominates every implementation.",
              sluiceAlloc, b4jAlloc));
    }
    if (!notes.isEmpty()) {
      h(3, "What limits the missed goals (computed from this run)");
      bullets(notes);
    }
  }

  private static String capital(String text) {
    return Character.toUpperCase(text.charAt(0)) + text.substring(1);
  }

  private void inProcessSection() {
    h(2, "Part 1: in process (JMH)");
    p(
        "`tryAcquire` through Sluice's public `RateLimiter` on the in-memory backend, against"
            + " Bucket4j's lock-free local bucket, Guava's `RateLimiter` and Resilience4j's"
            + " `RateLimiter` (the peers kept one per key in a `ConcurrentHashMap`). Key sets: one"
            + " hot key; 1,000,000 keys drawn uniformly; 1,000,000 keys drawn Zipf (s = 0.99)."
            + " Limits: `allow` (Sluice and Bucket4j: capacity 10^9, refill 10^7/s; Guava and"
            + " Resilience4j, which have no separate burst: 10^9/s) and `deny` (capacity 1, refill"
            + " 1/s). JMH throughput, 1 fork; operations per second, millions; B/op: bytes"
            + " allocated per call (JMH's GC profiler). Class: "
            + "`dev.sluice.bench.local.InProcessBenchmark`.");
    if (jmh.isEmpty()) {
      p("_No in-process results in this run._");
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    Map<String, Map<String, Double>> chart = new LinkedHashMap<>();
    for (String threads : List.of("1", "2")) {
      for (String keys : List.of("hot", "uniform", "zipf")) {
        for (String limit : List.of("allow", "deny")) {
          List<String> row = new ArrayList<>(List.of(keys, limit, threads));
          Double sluice = jmhScore("sluice", keys, limit, threads);
          if (sluice == null) {
            continue;
          }
          double best = 0;
          String bestName = "";
          for (String impl : LocalLimiters.NAMES) {
            Double score = jmhScore(impl, keys, limit, threads);
            row.add(score == null ? "-" : String.format("%.1f", score / 1e6));
            if (score != null) {
              chart
                  .computeIfAbsent(impl, k -> new LinkedHashMap<>())
                  .put(keys + "/" + limit + "/" + threads + "t", score / 1e6);
              if (!impl.equals("sluice") && score > best) {
                best = score;
                bestName = impl;
              }
            }
          }
          Double b4j = jmhScore("bucket4j", keys, limit, threads);
          row.add(b4j == null ? "-" : ratio(sluice / b4j));
          for (String impl : List.of("sluice", "bucket4j")) {
            Double alloc = jmhMetric(impl, keys, limit, threads, "gc.alloc.rate.norm");
            row.add(alloc == null ? "-" : String.format("%.0f", alloc));
          }
          rows.add(row);
          if (best > sluice) {
            losses.add(
                "In process, "
                    + keys
                    + " keys, "
                    + limit
                    + ", "
                    + threads
                    + " thread(s): Sluice "
                    + String.format("%.1f", sluice / 1e6)
                    + " M ops/s against "
                    + bestName
                    + "'s "
                    + String.format("%.1f", best / 1e6)
                    + " M ("
                    + ratio(sluice / best)
                    + ").");
          }
        }
      }
    }
    List<String> header = new ArrayList<>(List.of("keys", "limit", "threads"));
    LocalLimiters.NAMES.forEach(n -> header.add(n + " (M ops/s)"));
    header.add("Sluice / Bucket4j");
    header.add("Sluice B/op");
    header.add("Bucket4j B/op");
    table(header, rows);
    Charts.bars(
        charts.resolve("inprocess-throughput.png"),
        "In process: tryAcquire, millions of operations/s",
        "M ops/s",
        chart,
        true);
    p(image("inprocess-throughput.png", "In-process throughput"));
    h(3, "Retained heap per idle key, 1,000,000 keys");
    if (heap.isEmpty()) {
      p("_Not measured in this run._");
    } else {
      List<List<String>> heapRows = new ArrayList<>();
      for (Map<String, String> row : heap) {
        heapRows.add(
            List.of(
                row.get("impl"),
                num(d(row, "keys")),
                bytes(d(row, "jol_bytes_per_key")),
                bytes(d(row, "gc_bytes_per_key")),
                String.format("%.1f", d(row, "objects_per_key"))));
      }
      table(
          List.of(
              "implementation",
              "keys",
              "bytes per key (JOL)",
              "bytes per key (GC'd heap delta)",
              "objects per key"),
          heapRows);
      p(
          "Each key took one request under a bucket of 10 refilled at 1/min, so no implementation"
              + " may drop it. JOL: `GraphLayout.parseInstance(limiter)` minus the key strings"
              + " (held alike by all), divided by the keys. GC delta: used heap after `System.gc()`"
              + " with the keys in, minus before. Bucket4j's figure includes the"
              + " `ConcurrentHashMap` that keys its buckets; Sluice's includes its own map. Class:"
              + " `dev.sluice.bench.local.HeapPerKey`.");
    }
  }

  private void redisSection() {
    h(2, "Part 2: against a real Redis (closed-loop load)");
    p(
        "Each caller is a thread that sends its next request when the last one is answered; each"
            + " point is a warm-up then a measured phase (durations in the machine table: "
            + machine.getOrDefault("mode", "?")
            + " mode), in a fresh JVM per point, on a flushed Redis. Limit for throughput: capacity"
            + " 10^9, refill 10^7/s (every decision allows and writes; Redisson: 10^7 permits per 1"
            + " s). Keys: one hot key, or 100,000 keys drawn uniformly. Implementations:");
    bullets(
        List.of(
            "`sluice-lua`, `sluice-transaction`: Sluice's `RedisBackend` in `LUA` and `TRANSACTION`"
                + " mode through `RateLimiter` (deadline raised to 10 s; otherwise defaults: one"
                + " shared connection for Lua, a pool of 64 for transactions). `sluice-hybrid`: the"
                + " hybrid mode (`HybridBackend` over Lua mode, default batches of at most 5% of"
                + " the capacity: decided locally from leased tokens).",
            "`bucket4j`, `bucket4j-batching`: Bucket4j 8 `LettuceBasedProxyManager`"
                + " (compare-and-swap), one shared connection, plain and with"
                + " `Optimizations.batching()`.",
            "`redisson`: Redisson `RRateLimiter.tryAcquire()` (its default pool).",
            "`seed`: the seed's read-then-write (HGETALL, compute, HSET, EXPIRE; three round trips,"
                + " not atomic).",
            "`lettuce-ping`: ceiling: one Lettuce PING per decision on one shared connection,"
                + " Sluice's setup.",
            "`redis-benchmark-evalsha`: ceiling: `redis-benchmark` sending Sluice's own EVALSHA"
                + " (captured from Sluice with MONITOR), no pipelining; its latency has no p99.9"
                + " and its client CPU is not measured."));
    for (String keys : List.of("hot", "100k")) {
      throughputTable(keys);
    }
    latencyTable();
    costTable();
    accuracySection();
    profileSection();
  }

  private void throughputTable(String keys) {
    h(3, "Decisions per second, " + keysLabel(keys));
    TreeSet<Integer> callers = callers();
    if (callers.isEmpty()) {
      p("_No Redis results in this run._");
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    Map<String, List<double[]>> series = new LinkedHashMap<>();
    for (String name : REDIS_ORDER) {
      List<String> row = new ArrayList<>(List.of(name));
      boolean any = false;
      for (int c : callers) {
        double t = tput(name, keys, c);
        row.add(num(t));
        if (!Double.isNaN(t)) {
          any = true;
          series.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] {c, t});
        }
      }
      double lua = tput("sluice-lua", keys, 64);
      double t64 = tput(name, keys, 64);
      row.add(name.equals("sluice-lua") ? "1.00x" : ratio(lua / t64));
      Map<String, String> r64 = redisRow(name, keys, 64);
      row.add(r64 == null ? "-" : r64.get("errors"));
      if (any) {
        rows.add(row);
      }
      if (!name.equals("sluice-lua")
          && !name.equals("sluice-transaction")
          && !name.equals("lettuce-ping")
          && !name.equals(EvalshaCeiling.NAME)) {
        for (int c : callers) {
          double peer = tput(name, keys, c);
          double sluice = tput("sluice-lua", keys, c);
          if (peer > sluice) {
            losses.add(
                "Redis, "
                    + keysLabel(keys)
                    + ", "
                    + c
                    + " callers: Sluice Lua "
                    + num(sluice)
                    + " decisions/s against "
                    + name
                    + "'s "
                    + num(peer)
                    + " ("
                    + ratio(sluice / peer)
                    + ").");
          }
        }
      }
    }
    List<String> header = new ArrayList<>(List.of("implementation"));
    callers.forEach(c -> header.add(c + " callers"));
    header.add("Lua / this at 64");
    header.add("errors at 64");
    table(header, rows);
    String file = "redis-throughput-" + keys + ".png";
    Charts.lines(
        charts.resolve(file),
        "Decisions/s against callers, " + keysLabel(keys),
        "concurrent callers",
        "decisions/s",
        series);
    p(image(file, "Throughput against callers, " + keysLabel(keys)));
  }

  private void latencyTable() {
    h(3, "Latency at 64 callers (HdrHistogram, per decision)");
    List<List<String>> rows = new ArrayList<>();
    Map<String, Map<String, Double>> chart = new LinkedHashMap<>();
    for (String keys : List.of("hot", "100k")) {
      for (String name : REDIS_ORDER) {
        Map<String, String> row = redisRow(name, keys, 64);
        if (row == null) {
          continue;
        }
        rows.add(
            List.of(
                name,
                keysLabel(keys),
                us(d(row, "p50_us")),
                us(d(row, "p99_us")),
                us(d(row, "p999_us")),
                us(d(row, "max_us"))));
        if (keys.equals("hot")) {
          chart.computeIfAbsent("p50", k -> new LinkedHashMap<>()).put(name, d(row, "p50_us"));
          chart.computeIfAbsent("p99", k -> new LinkedHashMap<>()).put(name, d(row, "p99_us"));
          chart.computeIfAbsent("p99.9", k -> new LinkedHashMap<>()).put(name, d(row, "p999_us"));
        }
      }
    }
    if (rows.isEmpty()) {
      p("_No data._");
      return;
    }
    table(List.of("implementation", "keys", "p50", "p99", "p99.9", "max"), rows);
    Charts.bars(
        charts.resolve("redis-latency-hot-64.png"),
        "Latency percentiles, hot key, 64 callers (microseconds)",
        "microseconds",
        chart,
        true);
    p(image("redis-latency-hot-64.png", "Latency percentiles at 64 callers, hot key"));
    p("Every point's percentiles are in `" + rel(results.resolve("redis.csv")) + "`.");
  }

  private void costTable() {
    h(3, "What a decision costs Redis (64 callers)");
    p(
        "Commands per decision: top-level commands Redis executed for the client (INFO commandstats"
            + " deltas over the measured phase, divided by the decisions; calls made inside a"
            + " script are not counted, calls queued in MULTI/EXEC are, which a short MONITOR pass"
            + " after each point tells apart). Pipelined commands share a round trip: the"
            + " transaction mode sends WATCH + HMGET + TIME together, then MULTI + HSET + PEXPIRE +"
            + " EXEC, two round trips for an allowed decision. Server time: the `usec` of those"
            + " top-level commands (a script's time includes its calls). Redis CPU and client CPU:"
            + " process CPU time (INFO cpu; the client JVM's) per decision. Cores busy: (Redis +"
            + " client CPU) x decisions/s, out of the machine's cores.");
    List<List<String>> rows = new ArrayList<>();
    for (String keys : List.of("hot", "100k")) {
      for (String name : REDIS_ORDER) {
        Map<String, String> row = redisRow(name, keys, 64);
        if (row == null) {
          continue;
        }
        double redisCpu = d(row, "redis_cpu_us_per_decision");
        double clientCpu = d(row, "client_cpu_us_per_decision");
        double cores =
            (redisCpu + (Double.isNaN(clientCpu) ? 0 : clientCpu)) * d(row, "throughput") / 1e6;
        rows.add(
            List.of(
                name,
                keysLabel(keys),
                String.format("%.2f", d(row, "commands_per_decision")),
                us(d(row, "server_us_per_decision")),
                us(redisCpu),
                us(clientCpu),
                Double.isNaN(clientCpu)
                    ? String.format("%.2f (Redis only)", cores)
                    : String.format("%.2f", cores)));
      }
    }
    table(
        List.of(
            "implementation",
            "keys",
            "commands per decision",
            "server time per decision",
            "Redis CPU per decision",
            "client CPU per decision",
            "cores busy"),
        rows);
  }

  private void accuracySection() {
    h(3, "Accuracy on the hot key: capacity 100, refill 100/s");
    p(
        "All callers hammer one fresh key for the measured phase; the bound is what a perfect"
            + " limiter admits: capacity + rate x elapsed (elapsed from the first request to the"
            + " last answer). 100% is exact; above is over-admission (the limit broken), below is"
            + " under-admission (requests refused that the limit allows). Redisson's limit is 100"
            + " permits per 1 s window.");
    if (accuracy.isEmpty()) {
      p("_No accuracy results in this run._");
      return;
    }
    TreeSet<Integer> callers = new TreeSet<>();
    accuracy.forEach(r -> callers.add(Integer.parseInt(r.get("callers"))));
    List<List<String>> rows = new ArrayList<>();
    Map<String, Map<String, Double>> chart = new LinkedHashMap<>();
    for (String name : Contenders.LIMITERS) {
      List<String> row = new ArrayList<>(List.of(name));
      for (int c : callers) {
        Map<String, String> r =
            accuracy.stream()
                .filter(
                    a -> a.get("contender").equals(name) && Integer.parseInt(a.get("callers")) == c)
                .findFirst()
                .orElse(null);
        if (r == null) {
          row.add("-");
          continue;
        }
        double pct = d(r, "ratio_pct");
        String note =
            pct > 100.0001
                ? " (over by " + pct(pct - 100) + ")"
                : pct < 99.9999 ? " (under by " + pct(100 - pct) + ")" : "";
        row.add(
            r.get("admitted")
                + " / "
                + num(d(r, "bound"))
                + " = "
                + pct(pct)
                + note
                + (Long.parseLong(r.get("errors")) > 0 ? ", " + r.get("errors") + " errors" : ""));
        chart.computeIfAbsent(c + " callers", k -> new LinkedHashMap<>()).put(name, pct);
      }
      rows.add(row);
    }
    List<String> header = new ArrayList<>(List.of("implementation"));
    callers.forEach(c -> header.add(c + " callers: admitted / bound"));
    table(header, rows);
    Charts.bars(
        charts.resolve("redis-accuracy.png"),
        "Admitted as % of capacity + rate x elapsed (100% = exact)",
        "% of the bound",
        chart,
        false);
    p(image("redis-accuracy.png", "Accuracy"));
  }

  private void profileSection() {
    List<Map<String, String>> lua =
        profile.stream().filter(r -> r.get("contender").equals("sluice-lua")).toList();
    if (lua.isEmpty()) {
      return;
    }
    h(3, "Where the client's CPU goes: Sluice Lua, hot key, 64 callers (JFR)");
    p(
        "A separate, unmeasured pass of the same load recorded with JFR (`profile` settings,"
            + " execution samples every millisecond); shares of the samples by top frame. JFR"
            + " samples threads running Java code only: time in the kernel (socket reads and"
            + " writes, waking parked threads) is in the client CPU column of the cost table but"
            + " not here.");
    List<List<String>> rows = new ArrayList<>();
    for (Map<String, String> r : lua) {
      rows.add(List.of(r.get("kind"), "`" + r.get("name") + "`", pct(d(r, "share_pct"))));
    }
    table(List.of("by", "where", "share of samples"), rows);
  }

  private void httpSection() {
    h(2, "Part 3: over HTTP (wrk)");
    p(
        "`wrk -t2 -c64 --latency`, keep-alive, `POST /v1/acquire` with `{\"key\":\"k<n>\"}` over"
            + " 100,000 keys in turn, against `./sluice serve` (policy: capacity 10^9, refill"
            + " 10^7/s, so every request is allowed) with the in-memory store and with the"
            + " benchmark's Redis (`--redis`), and nginx `return 200` on the same machine as the"
            + " ceiling of HTTP here. wrk, the server and Redis share the machine's cores.");
    if (http.isEmpty()) {
      p("_No HTTP results in this run._");
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    Map<String, Map<String, Double>> chart = new LinkedHashMap<>();
    double nginx =
        http.stream()
            .filter(r -> r.get("target").equals("nginx-return-200"))
            .mapToDouble(r -> d(r, "rps"))
            .findFirst()
            .orElse(Double.NaN);
    for (String target : HttpBench.TARGETS) {
      for (Map<String, String> r : http) {
        if (!r.get("target").equals(target)) {
          continue;
        }
        if (!r.get("note").isEmpty()) {
          rows.add(List.of(target, "-", "-", "-", "-", "-", "-", "-", r.get("note")));
          continue;
        }
        rows.add(
            List.of(
                target,
                num(d(r, "rps")),
                ratio(d(r, "rps") / nginx),
                us(d(r, "p50_us")),
                us(d(r, "p90_us")),
                us(d(r, "p99_us")),
                us(d(r, "p999_us")),
                r.get("non2xx") + " / " + r.get("errors"),
                ""));
        chart.computeIfAbsent("requests/s", k -> new LinkedHashMap<>()).put(target, d(r, "rps"));
      }
    }
    table(
        List.of(
            "target",
            "requests/s",
            "vs nginx",
            "p50",
            "p90",
            "p99",
            "p99.9",
            "non-2xx / socket errors",
            "note"),
        rows);
    if (!chart.isEmpty()) {
      Charts.bars(
          charts.resolve("http-throughput.png"),
          "HTTP requests/s, 64 keep-alive connections",
          "requests/s",
          chart,
          false);
      p(image("http-throughput.png", "HTTP throughput"));
    }
  }

  private void lossesSection() {
    h(2, "Where Sluice loses");
    if (losses.isEmpty()) {
      p(
          "Nowhere in this run: at every point Sluice (Lua mode; in process, the in-memory backend)"
              + " was at least as fast as each peer. Against the ceilings, see the ratios above.");
    } else {
      p(
          "Every point of this run where a peer beat Sluice (Lua mode against the Redis peers; the"
              + " in-memory backend in process). Ceilings are not peers and are left out here;"
              + " their ratios are in the tables.");
      bullets(losses);
    }
  }

  // ---- data

  private TreeSet<Integer> callers() {
    TreeSet<Integer> callers = new TreeSet<>();
    redis.forEach(r -> callers.add(Integer.parseInt(r.get("callers"))));
    return callers;
  }

  private Map<String, String> redisRow(String name, String keys, int callers) {
    return redis.stream()
        .filter(
            r ->
                r.get("contender").equals(name)
                    && r.get("keys").equals(keys)
                    && Integer.parseInt(r.get("callers")) == callers)
        .findFirst()
        .orElse(null);
  }

  private double tput(String name, String keys, int callers) {
    Map<String, String> row = redisRow(name, keys, callers);
    return row == null ? Double.NaN : d(row, "throughput");
  }

  private List<Map<String, String>> jmhRows(String impl) {
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

  private Double jmhScore(String impl, String keys, String limit, String threads) {
    return jmhMetric(impl, keys, limit, threads, null);
  }

  /**
   * A JMH row's score: the primary one ({@code metric} null) or a profiler's, such as
   * gc.alloc.rate.norm.
   */
  private Double jmhMetric(String impl, String keys, String limit, String threads, String metric) {
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

  private Double heapPerKey(String impl) {
    return heap.stream()
        .filter(r -> r.get("impl").equals(impl))
        .map(r -> d(r, "jol_bytes_per_key"))
        .findFirst()
        .orElse(null);
  }

  private static double d(Map<String, String> row, String column) {
    String value = row.get(column);
    return value == null || value.isBlank() ? Double.NaN : Double.parseDouble(value);
  }

  // ---- formatting

  private static String keysLabel(String keys) {
    return keys.equals("hot") ? "hot key" : "100,000 keys";
  }

  private static String num(double value) {
    return Double.isNaN(value) ? "-" : String.format("%,.0f", value);
  }

  private static String ratio(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return "-";
    }
    return value >= 10 ? String.format("%.0fx", value) : String.format("%.2fx", value);
  }

  private static String pct(double value) {
    return Double.isNaN(value) ? "-" : String.format("%.2f%%", value);
  }

  private static String us(double micros) {
    if (Double.isNaN(micros)) {
      return "-";
    }
    return micros >= 1000
        ? String.format("%.2f ms", micros / 1000)
        : micros >= 10 ? String.format("%.0f us", micros) : String.format("%.1f us", micros);
  }

  private static String bytes(Double value) {
    return value == null || value.isNaN() ? "-" : String.format("%.0f B", value);
  }

  private static String verdict(double ratio, double goal) {
    if (Double.isNaN(ratio)) {
      return "no data";
    }
    return ratio >= goal
        ? "met"
        : "**missed** by "
            + String.format("%.0f%%", 100 * (1 - ratio / goal))
            + " ("
            + ratio(ratio)
            + " of "
            + ratio(goal)
            + ")";
  }

  private String rel(Path path) {
    Path root = markdown.toAbsolutePath().getParent();
    try {
      return root.relativize(path.toAbsolutePath()).toString();
    } catch (IllegalArgumentException e) {
      return path.toString();
    }
  }

  private String image(String file, String alt) {
    return "![" + alt + "](" + rel(charts.resolve(file)) + ")";
  }

  private void h(int level, String text) {
    md.append("#".repeat(level)).append(' ').append(text).append("\n\n");
  }

  private void p(String text) {
    md.append(text).append("\n\n");
  }

  private void code(String text) {
    md.append("```sh\n").append(text).append("\n```\n\n");
  }

  private void bullets(List<String> items) {
    items.forEach(i -> md.append("- ").append(i).append('\n'));
    md.append('\n');
  }

  private void table(List<String> header, List<List<String>> rows) {
    md.append("| ").append(String.join(" | ", header)).append(" |\n");
    md.append("|").append(" --- |".repeat(header.size())).append('\n');
    for (List<String> row : rows) {
      md.append("| ").append(String.join(" | ", row)).append(" |\n");
    }
    md.append('\n');
  }
}

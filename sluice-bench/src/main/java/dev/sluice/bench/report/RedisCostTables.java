package dev.sluice.bench.report;

import static dev.sluice.bench.report.Format.keysLabel;
import static dev.sluice.bench.report.Format.us;
import static dev.sluice.bench.report.Results.d;

import dev.sluice.bench.load.ScriptCost;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The latency percentiles and the cost of a decision to Redis (commands, server time, CPU, cores
 * busy), both at 64 callers, for each implementation and key set.
 *
 * <p>Design: a row per point measured; the latency chart shows the hot key.
 */
final class RedisCostTables {

  private final Results results;
  private final Markdown md;

  RedisCostTables(Results results, Markdown md) {
    this.results = results;
    this.md = md;
  }

  void write() {
    latencyTable();
    costTable();
    scriptTable();
  }

  /** Sluice's script against the stand-ins called the same way: what Redis's time is made of. */
  private void scriptTable() {
    double sluice = results.scriptCost(ScriptCost.STEPS.get(2));
    if (Double.isNaN(sluice)) {
      return;
    }
    md.h(3, "Where Redis's time per Lua decision goes (redis-benchmark, hot key, 64 connections)");
    md.p(
        "Redis's server time per call (INFO commandstats) of Sluice's own EVALSHA, captured with"
            + " MONITOR, and of two stand-in scripts called with exactly the same key and"
            + " arguments: one that only returns, which is what Redis spends on any script call of"
            + " this shape, and one that issues the same commands as Sluice's script (TIME for the"
            + " server's clock, GET, SET with PX of a state of about the same length) without its"
            + " arithmetic, parsing and formatting. Medians of the alternating rounds.");
    List<List<String>> rows = new ArrayList<>();
    double before = 0;
    for (String step : ScriptCost.STEPS) {
      double us = results.scriptCost(step);
      rows.add(List.of(step, us(us), "+" + us(us - before)));
      before = us;
    }
    md.table(List.of("script", "server time per call", "added by this step"), rows);
  }

  private void latencyTable() {
    md.h(3, "Latency at 64 callers (HdrHistogram, per decision)");
    List<List<String>> rows = new ArrayList<>();
    Map<String, Map<String, Double>> chart = new LinkedHashMap<>();
    for (String keys : List.of("hot", "100k")) {
      for (String name : Results.REDIS_ORDER) {
        Map<String, String> row = results.redisRow(name, keys, 64);
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
      md.p("_No data._");
      return;
    }
    md.table(List.of("implementation", "keys", "p50", "p99", "p99.9", "max"), rows);
    Charts.bars(
        md.chart("redis-latency-hot-64.png"),
        "Latency percentiles, hot key, 64 callers (microseconds)",
        "microseconds",
        chart,
        true);
    md.p(md.image("redis-latency-hot-64.png", "Latency percentiles at 64 callers, hot key"));
    md.p(
        "Every point's percentiles are in `"
            + md.rel(results.directory().resolve("redis.csv"))
            + "`.");
  }

  private void costTable() {
    md.h(3, "What a decision costs Redis (64 callers)");
    md.p(
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
      for (String name : Results.REDIS_ORDER) {
        Map<String, String> row = results.redisRow(name, keys, 64);
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
    md.table(
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
}

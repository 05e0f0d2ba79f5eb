package dev.sluice.bench.report;

import static dev.sluice.bench.report.Format.bytes;
import static dev.sluice.bench.report.Format.keysLabel;
import static dev.sluice.bench.report.Format.num;
import static dev.sluice.bench.report.Format.pct;
import static dev.sluice.bench.report.Format.ratio;
import static dev.sluice.bench.report.Format.us;
import static dev.sluice.bench.report.Format.verdict;
import static dev.sluice.bench.report.Results.d;

import dev.sluice.bench.http.HttpBench;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * "Goals at a glance": each goal of Sluice, what this run measured for it and the verdict (met, or
 * missed by how much), computed from the results of every part.
 *
 * <p>Design: one row per goal, in a fixed order; a goal whose points were not measured says "no
 * data" (or "-") rather than disappearing, except the accuracy goals, which have one row per
 * measured caller count.
 */
final class GoalsSection {

  private final Results results;
  private final Markdown md;

  GoalsSection(Results results, Markdown md) {
    this.results = results;
    this.md = md;
  }

  void write() {
    md.h(2, "Goals at a glance");
    List<List<String>> rows = new ArrayList<>();
    for (String keys : List.of("hot", "100k")) {
      double lua = results.tput("sluice-lua", keys, 64);
      double ping = results.tput("lettuce-ping", keys, 64);
      double goal = keys.equals("hot") ? 1.0 : 0.85;
      rows.add(
          List.of(
              "Lua mode >= " + goal + "x the Lettuce PING ceiling, 64 callers, " + keysLabel(keys),
              num(lua) + " vs " + num(ping) + " decisions/s = " + ratio(lua / ping),
              verdict(lua / ping, goal)));
    }
    for (String keys : List.of("hot", "100k")) {
      double lua = results.tput("sluice-lua", keys, 64);
      double bare = results.tput("lettuce-evalsha", keys, 64);
      rows.add(
          List.of(
              "Lua mode >= 0.97x the bare Lettuce EVALSHA of its own script, 64 callers, "
                  + keysLabel(keys),
              Double.isNaN(bare)
                  ? "not in this run's results"
                  : num(lua) + " vs " + num(bare) + " decisions/s = " + ratio(lua / bare),
              Double.isNaN(bare) ? "not measured yet" : verdict(lua / bare, 0.97)));
    }
    double luaHot = results.tput("sluice-lua", "hot", 64);
    double b4jHot = results.tput("bucket4j", "hot", 64);
    rows.add(
        List.of(
            "Lua mode >= 40x Bucket4j, hot key, 64 callers",
            num(luaHot) + " vs " + num(b4jHot) + " = " + ratio(luaHot / b4jHot),
            verdict(luaHot / b4jHot, 40)));
    double luaMany = results.tput("sluice-lua", "100k", 64);
    double b4jMany = results.tput("bucket4j", "100k", 64);
    rows.add(
        List.of(
            "Lua mode >= 1.7x Bucket4j, 100,000 keys, 64 callers",
            num(luaMany) + " vs " + num(b4jMany) + " = " + ratio(luaMany / b4jMany),
            verdict(luaMany / b4jMany, 1.7)));
    for (Map<String, String> row : results.accuracy()) {
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
      Map<String, String> row = results.redisRow("sluice-lua", keys, 64);
      double us = row == null ? Double.NaN : d(row, "server_us_per_decision");
      rows.add(
          List.of(
              "Redis server time per decision <= 5 us (Lua, 64 callers, " + keysLabel(keys) + ")",
              us(us) + " (INFO commandstats)",
              Double.isNaN(us) ? "no data" : us <= 5 ? "met" : "**missed** by " + ratio(us / 5)));
    }
    double hybridHot = results.tput("sluice-hybrid", "hot", 64);
    double batchingHot = results.tput("bucket4j-batching", "hot", 64);
    rows.add(
        List.of(
            "Hybrid mode >= 10x Bucket4j batching on the hot key, 64 callers",
            num(hybridHot) + " vs " + num(batchingHot) + " = " + ratio(hybridHot / batchingHot),
            verdict(hybridHot / batchingHot, 10)));
    for (Map<String, String> row : results.accuracy()) {
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
    httpGoal(rows, "sluice-redis", "`sluice serve --redis`", 0.4);
    httpGoal(rows, "sluice-memory", "`sluice serve` in memory", 0.65);
    for (String limit : List.of("allow", "deny")) {
      Double sluice = results.jmhScore("sluice", "hot", limit, "1");
      Double b4j = results.jmhScore("bucket4j", "hot", limit, "1");
      String goal = "In process: >= 1.2x Bucket4j's local bucket, hot key, 1 thread, " + limit;
      rows.add(
          sluice == null || b4j == null
              ? List.of(goal, "not in this run's results", "no data")
              : List.of(
                  goal,
                  String.format(
                      "%.1f vs %.1f M ops/s = %s", sluice / 1e6, b4j / 1e6, ratio(sluice / b4j)),
                  verdict(sluice / b4j, 1.2)));
    }
    int met = 0;
    int cases = 0;
    for (Map<String, String> s : results.jmhRows("sluice")) {
      Double b = results.jmhScore("bucket4j", s.get("keys"), s.get("limit"), s.get("threads"));
      if (b != null) {
        cases++;
        if (d(s, "score") >= b) {
          met++;
        }
      }
    }
    rows.add(
        List.of(
            "In process: >= 1.0x Bucket4j's local bucket in every case, 1 and 2 threads",
            met + " of " + cases + " cases (key sets x limits x threads)",
            cases == 0
                ? "no data"
                : met == cases ? "met" : "**missed** in " + (cases - met) + " cases (see Part 1)"));
    Double sluiceHeap = results.heapPerKey("sluice");
    Double b4jHeap = results.heapPerKey("bucket4j");
    rows.add(
        List.of(
            "In process: less memory per key than Bucket4j",
            bytes(sluiceHeap) + " vs " + bytes(b4jHeap) + " per idle key (JOL)",
            sluiceHeap == null || b4jHeap == null
                ? "no data"
                : sluiceHeap < b4jHeap
                    ? "met (" + ratio(sluiceHeap / b4jHeap) + ")"
                    : "**missed** (" + ratio(sluiceHeap / b4jHeap) + ")"));
    md.table(List.of("goal", "measured", "verdict"), rows);
  }

  /** A goal of an HTTP target's requests per second against nginx's {@code return 200}. */
  private void httpGoal(List<List<String>> rows, String target, String label, double goal) {
    double rps = results.httpRps(target);
    double nginx = results.httpRps(HttpBench.CEILING);
    String name = label + " >= " + goal + "x nginx `return 200` over HTTP, wrk, 64 connections";
    rows.add(
        Double.isNaN(rps) || Double.isNaN(nginx)
            ? List.of(name, "not in this run's results", "no data")
            : List.of(
                name,
                num(rps) + " vs " + num(nginx) + " requests/s = " + ratio(rps / nginx),
                verdict(rps / nginx, goal)));
  }
}

package dev.sluice.bench.report;

import static dev.sluice.bench.report.Format.capital;
import static dev.sluice.bench.report.Format.keysLabel;
import static dev.sluice.bench.report.Format.num;
import static dev.sluice.bench.report.Format.pct;
import static dev.sluice.bench.report.Format.ratio;
import static dev.sluice.bench.report.Format.us;
import static dev.sluice.bench.report.Results.d;

import dev.sluice.bench.http.HttpBench;
import dev.sluice.bench.load.EvalshaCeiling;
import dev.sluice.bench.load.ScriptCost;
import dev.sluice.bench.local.InProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * "What limits the missed goals": why Lua mode sits where it does against the ceilings, computed
 * from the cost columns of the Redis part, the client profile and the in-process allocation.
 *
 * <p>Design: each note is written only when the points it needs were measured, and the heading only
 * when there is at least one note.
 */
final class MissedGoalsNotes {

  private final Results results;
  private final Markdown md;

  MissedGoalsNotes(Results results, Markdown md) {
    this.results = results;
    this.md = md;
  }

  void write() {
    List<String> notes = new ArrayList<>();
    for (String keys : List.of("hot", "100k")) {
      Map<String, String> lua = results.redisRow("sluice-lua", keys, 64);
      Map<String, String> ping = results.redisRow("lettuce-ping", keys, 64);
      Map<String, String> evalsha = results.redisRow(EvalshaCeiling.NAME, keys, 64);
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
              results.machine("cores", "?"),
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
        results.profile().stream()
            .filter(r -> r.get("contender").equals("sluice-lua") && r.get("kind").equals("area"))
            .toList();
    if (!areas.isEmpty()) {
      StringBuilder top =
          new StringBuilder("Client side (JFR, hot key, 64 callers; Java code only): ")
              .append(largest(areas, 4));
      top.append(" of samples; Sluice's own code ")
          .append(pct(share(areas, "Sluice")))
          .append(
              ". The rest is the asynchronous Redis client and its futures, one per decision,"
                  + " which PING pays too.");
      notes.add(top.toString());
    }
    double script = results.scriptCost(ScriptCost.STEPS.get(2));
    if (!Double.isNaN(script)) {
      double empty = results.scriptCost(ScriptCost.STEPS.get(0));
      double commands = results.scriptCost(ScriptCost.STEPS.get(1));
      Map<String, String> lua = results.redisRow("sluice-lua", "hot", 64);
      notes.add(
          String.format(
              "Redis server time: redis-benchmark measures Sluice's script at %s per call; a"
                  + " script that only returns, called the same way, costs %s (Redis's own price"
                  + " of a script call with these arguments), and one that issues the same TIME,"
                  + " GET and SET PX but computes nothing %s. Sluice's arithmetic, parsing and"
                  + " formatting add %s; the commands and the call itself are %s of the total."
                  + "%s",
              us(script),
              us(empty),
              us(commands),
              us(script - commands),
              pct(100 * commands / script),
              lua == null
                  ? ""
                  : String.format(
                      " Under the closed-loop load, where the client's JVM shares the 2 cores with"
                          + " Redis, the same script measured %s per call.",
                      us(d(lua, "server_us_per_decision")))));
    }
    for (String target : List.of("sluice-memory", "sluice-redis")) {
      List<Map<String, String>> server =
          results.httpProfile().stream()
              .filter(r -> r.get("contender").equals(target) && r.get("kind").equals("area"))
              .toList();
      if (server.isEmpty()) {
        continue;
      }
      StringBuilder note =
          new StringBuilder(
              String.format(
                  "HTTP, %s: %s of nginx's requests/s; the server's CPU (JFR, Java code only): ",
                  target, ratio(results.httpRps(target) / results.httpRps(HttpBench.CEILING))));
      note.append(largest(server, 5))
          .append("; Sluice's own code ")
          .append(pct(share(server, "Sluice")))
          .append(" of samples.");
      notes.add(note.toString());
    }
    Double sluiceAlloc = results.jmhMetric("sluice", "hot", "allow", "1", "gc.alloc.rate.norm");
    Double b4jAlloc = results.jmhMetric("bucket4j", "hot", "allow", "1", "gc.alloc.rate.norm");
    if (sluiceAlloc != null && b4jAlloc != null) {
      notes.add(
          String.format(
              "In process, hot key: an allowed Sluice decision allocates %.0f bytes (JMH's GC"
                  + " profiler), Bucket4j's %.0f: on one key the call path and its allocation are"
                  + " the cost (Sluice builds a `Decision` with the remaining tokens, retry-after"
                  + " and reset times, and a new immutable state; the benchmark's Bucket4j call,"
                  + " `tryConsume`, returns a boolean and copies its state); on 1,000,000 keys"
                  + " memory access dominates every implementation.%s",
              sluiceAlloc, b4jAlloc, jmhProfile()));
    }
    if (!notes.isEmpty()) {
      md.h(3, "What limits the missed goals (computed from this run)");
      md.bullets(notes);
    }
  }

  /** The top methods of the in-process profile, Sluice's and Bucket4j's, or "" if not recorded. */
  private String jmhProfile() {
    StringBuilder text = new StringBuilder();
    for (String impl : InProcess.PROFILED) {
      List<Map<String, String>> methods =
          results.jmhProfile().stream()
              .filter(r -> r.get("contender").equals(impl) && r.get("kind").equals("method"))
              .toList();
      if (!methods.isEmpty()) {
        text.append(text.length() == 0 ? " Top frames (JFR, same cell): " : "; ")
            .append(impl)
            .append(": ")
            .append(largest(methods, 5));
      }
    }
    return text.length() == 0 ? "" : text.append('.').toString();
  }

  /** The first {@code count} areas of a profile (largest first), each with its share. */
  private static String largest(List<Map<String, String>> areas, int count) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < Math.min(count, areas.size()); i++) {
      text.append(i == 0 ? "" : ", ")
          .append(areas.get(i).get("name"))
          .append(' ')
          .append(pct(d(areas.get(i), "share_pct")));
    }
    return text.toString();
  }

  /** The share of samples of one area of a profile, 0 if it has none. */
  private static double share(List<Map<String, String>> areas, String area) {
    return areas.stream()
        .filter(r -> r.get("name").equals(area))
        .mapToDouble(r -> d(r, "share_pct"))
        .findFirst()
        .orElse(0);
  }
}

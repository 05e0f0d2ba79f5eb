package dev.sluice.bench.report;

import static dev.sluice.bench.report.Format.keysLabel;
import static dev.sluice.bench.report.Format.num;
import static dev.sluice.bench.report.Format.ratio;

import dev.sluice.bench.load.EvalshaCeiling;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;

/**
 * "Part 2: against a real Redis": what was measured and how, then decisions per second over the
 * callers for each key set, with a chart each.
 *
 * <p>Design: the implementations in {@link Results#REDIS_ORDER}; every point where a peer (not a
 * ceiling, not another Sluice mode) beat Lua mode is also handed to {@link Losses}. The tables that
 * follow in Part 2 are {@link RedisCostTables}, {@link AccuracySection} and {@link ProfileSection}.
 */
final class RedisSection {

  private final Results results;
  private final Markdown md;
  private final Losses losses;

  RedisSection(Results results, Markdown md, Losses losses) {
    this.results = results;
    this.md = md;
    this.losses = losses;
  }

  void write() {
    md.h(2, "Part 2: against a real Redis (closed-loop load)");
    md.p(
        "Each caller is a thread that sends its next request when the last one is answered; each"
            + " point is a warm-up then a measured phase (durations in the machine table: "
            + results.machine("mode", "?")
            + " mode), in a fresh JVM per point, on a flushed Redis. Limit for throughput: capacity"
            + " 10^9, refill 10^7/s (every decision allows and writes; Redisson: 10^7 permits per 1"
            + " s). Keys: one hot key, or 100,000 keys drawn uniformly. Implementations:");
    md.bullets(
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
            "`lettuce-evalsha`: yardstick: the EVALSHA that Sluice's Lua mode sends (captured"
                + " from Sluice with MONITOR, under the same limit), called through Lettuce with"
                + " none of Sluice's code, on one shared connection: Sluice Lua against it is the"
                + " cost of Sluice's own layers.",
            "`lettuce-ping`: ceiling: one Lettuce PING per decision on one shared connection,"
                + " Sluice's setup.",
            "`redis-benchmark-evalsha`: ceiling: `redis-benchmark` sending Sluice's own EVALSHA"
                + " (captured from Sluice with MONITOR), no pipelining; its latency has no p99.9"
                + " and its client CPU is not measured."));
    for (String keys : List.of("hot", "100k")) {
      throughputTable(keys);
    }
  }

  private void throughputTable(String keys) {
    md.h(3, "Decisions per second, " + keysLabel(keys));
    SortedSet<Integer> callers = results.callers();
    if (callers.isEmpty()) {
      md.p("_No Redis results in this run._");
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    Map<String, List<double[]>> series = new LinkedHashMap<>();
    for (String name : Results.REDIS_ORDER) {
      List<String> row = new ArrayList<>(List.of(name));
      boolean any = false;
      for (int c : callers) {
        double t = results.tput(name, keys, c);
        row.add(num(t));
        if (!Double.isNaN(t)) {
          any = true;
          series.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] {c, t});
        }
      }
      double lua = results.tput("sluice-lua", keys, 64);
      double t64 = results.tput(name, keys, 64);
      row.add(name.equals("sluice-lua") ? "1.00x" : ratio(lua / t64));
      Map<String, String> r64 = results.redisRow(name, keys, 64);
      row.add(r64 == null ? "-" : r64.get("errors"));
      if (any) {
        rows.add(row);
      }
      if (!name.startsWith("sluice-")
          && !name.equals("lettuce-ping")
          && !name.equals("lettuce-evalsha")
          && !name.equals(EvalshaCeiling.NAME)) {
        for (int c : callers) {
          double peer = results.tput(name, keys, c);
          double sluice = results.tput("sluice-lua", keys, c);
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
    md.table(header, rows);
    String file = "redis-throughput-" + keys + ".png";
    Charts.lines(
        md.chart(file),
        "Decisions/s against callers, " + keysLabel(keys),
        "concurrent callers",
        "decisions/s",
        series);
    md.p(md.image(file, "Throughput against callers, " + keysLabel(keys)));
  }
}

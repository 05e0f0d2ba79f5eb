package dev.sluice.bench.report;

import static dev.sluice.bench.report.Format.num;
import static dev.sluice.bench.report.Format.ratio;
import static dev.sluice.bench.report.Format.us;
import static dev.sluice.bench.report.Format.verdict;

import dev.sluice.bench.Processes;
import dev.sluice.bench.http.RlsBench;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * "Part 4: Envoy's rate limit service": {@code ShouldRateLimit} over gRPC against {@code POST
 * /v1/acquire} over HTTP/2 on one server, decisions per second and latency, and the goal (gRPC at
 * least as fast as the HTTP API).
 */
final class RlsSection {

  private static final double GOAL = 1.0;

  private final Results results;
  private final Markdown md;

  RlsSection(Results results, Markdown md) {
    this.results = results;
    this.md = md;
  }

  void write() {
    md.h(2, "Part 4: Envoy's rate limit service (gRPC) against the HTTP API");
    md.p(
        "One `./sluice serve` in memory with `--rls-config` (one rule of 10^9 per second, so every"
            + " request is allowed and written): `ShouldRateLimit` (one descriptor) over gRPC and"
            + " `POST /v1/acquire` over HTTP/2 (h2c), 64 requests in flight in a closed loop, from"
            + " two clients on the server's machine (they share its two cores):");
    md.bullets(
        List.of(
            "**h2load** (Debian's nghttp2-client), a C client sending prebuilt bytes for both (the"
                + " gRPC message framed by the benchmark): 4 connections of 16 streams on one"
                + " thread, latencies from its per-request log. "
                + RlsBench.ROUNDS
                + " rounds alternate the two targets, since the JIT and the machine's noise move"
                + " one run by 20%; the ratio is that of the medians. This compares the server's"
                + " two paths, and it is what the goal is judged on: Envoy, a C++ client, is the"
                + " caller.",
            "**java**, the benchmark's own Armeria client (a gRPC stub and protobuf, against a"
                + " prebuilt JSON body over one HTTP/2 connection): what a JVM caller sees, its own"
                + " costs included."));
    if (results.rls().isEmpty()) {
      md.p("_No results of Envoy's rate limit service in this run._");
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    for (String client : RlsBench.CLIENTS) {
      for (Map<String, String> r : results.rls()) {
        if (!client.equals(r.getOrDefault("client", "java"))) {
          continue;
        }
        if (!r.get("note").isEmpty()) {
          rows.add(List.of(client, "-", r.get("target"), "-", "-", "-", "-", "-", r.get("note")));
          continue;
        }
        rows.add(
            List.of(
                client,
                r.getOrDefault("round", "1"),
                r.get("target"),
                num(Double.parseDouble(r.get("rps"))),
                us(Double.parseDouble(r.get("p50_us"))),
                us(Double.parseDouble(r.get("p99_us"))),
                us(Double.parseDouble(r.get("p999_us"))),
                r.get("errors"),
                ""));
      }
    }
    md.table(
        List.of(
            "client", "round", "target", "decisions/s", "p50", "p99", "p99.9", "errors", "note"),
        rows);
    Map<String, String> first = results.rls().get(0);
    double h2load = medianRatio("h2load");
    double java = medianRatio("java");
    md.p(
        "Run "
            + first.get("date")
            + " on commit "
            + first.get("commit")
            + ", load average "
            + first.get("load_at_start")
            + " at its start and "
            + results.rls().get(results.rls().size() - 1).get("load_at_end")
            + " at its end (this part may run apart from the others: `sluice-bench/run.sh --parts"
            + " 4`). gRPC against HTTP from h2load: "
            + ratio(h2load)
            + " (the medians of the rounds; goal >= "
            + GOAL
            + "x): "
            + verdict(h2load, GOAL)
            + ". From the Java client: "
            + ratio(java)
            + ", the gRPC stub's own costs included."
            + (Processes.busy(first.get("load_at_start"))
                ? " **The load average at its start was above "
                    + Processes.BUSY_LOAD
                    + " after "
                    + Processes.QUIET_WAITS
                    + " waits of a minute: the machine was busy; rerun this part.**"
                : ""));
  }

  /** The median decisions/s of gRPC over that of HTTP, for one client's rounds. */
  private double medianRatio(String client) {
    return median(client, RlsBench.TARGETS.get(0)) / median(client, RlsBench.TARGETS.get(1));
  }

  private double median(String client, String target) {
    double[] rps =
        results.rls().stream()
            .filter(r -> client.equals(r.getOrDefault("client", "java")))
            .filter(r -> target.equals(r.get("target")) && r.get("note").isEmpty())
            .mapToDouble(r -> Double.parseDouble(r.get("rps")))
            .toArray();
    return Results.median(rps);
  }
}

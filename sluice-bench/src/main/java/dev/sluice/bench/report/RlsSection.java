package dev.sluice.bench.report;

import static dev.sluice.bench.report.Format.num;
import static dev.sluice.bench.report.Format.ratio;
import static dev.sluice.bench.report.Format.us;
import static dev.sluice.bench.report.Format.verdict;

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
            + " `POST /v1/acquire` over HTTP/2 (h2c), both from the same Java client in this"
            + " process (Armeria, one HTTP/2 connection per target), 64 requests in flight in a"
            + " closed loop, latency per request in an HdrHistogram. Client and server share the"
            + " machine's two cores.");
    if (results.rls().isEmpty()) {
      md.p("_No results of Envoy's rate limit service in this run._");
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    double grpc = Double.NaN;
    double http = Double.NaN;
    Map<String, String> first = results.rls().get(0);
    for (String target : RlsBench.TARGETS) {
      for (Map<String, String> r : results.rls()) {
        if (!r.get("target").equals(target)) {
          continue;
        }
        if (!r.get("note").isEmpty()) {
          rows.add(List.of(target, "-", "-", "-", "-", "-", r.get("note")));
          continue;
        }
        double rps = Double.parseDouble(r.get("rps"));
        if (target.equals("grpc-should-rate-limit")) {
          grpc = rps;
        } else {
          http = rps;
        }
        rows.add(
            List.of(
                target,
                num(rps),
                us(Double.parseDouble(r.get("p50_us"))),
                us(Double.parseDouble(r.get("p99_us"))),
                us(Double.parseDouble(r.get("p999_us"))),
                r.get("errors"),
                ""));
      }
    }
    md.table(List.of("target", "decisions/s", "p50", "p99", "p99.9", "errors", "note"), rows);
    md.p(
        "Run "
            + first.get("date")
            + " on commit "
            + first.get("commit")
            + ", load average "
            + first.get("load_at_start")
            + " at its start and "
            + first.get("load_at_end")
            + " at its end (this part may run apart from the others: `sluice-bench/run.sh --parts"
            + " 4`). gRPC against HTTP: "
            + ratio(grpc / http)
            + " (goal >= "
            + GOAL
            + "x): "
            + verdict(grpc / http, GOAL)
            + ".");
  }
}

package dev.sluice.bench.report;

import static dev.sluice.bench.report.Format.num;
import static dev.sluice.bench.report.Format.ratio;
import static dev.sluice.bench.report.Format.us;
import static dev.sluice.bench.report.Results.d;

import dev.sluice.bench.http.HttpBench;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * "Part 3: over HTTP (wrk)": requests per second and latency percentiles of each target against
 * nginx's ceiling, with its chart.
 *
 * <p>Design: the targets in {@link HttpBench#TARGETS} order; a target that could not run shows its
 * note instead of numbers.
 */
final class HttpSection {

  private final Results results;
  private final Markdown md;

  HttpSection(Results results, Markdown md) {
    this.results = results;
    this.md = md;
  }

  void write() {
    // Runs before 2026-12-02 warmed once, for a fixed time, and recorded no warm-up windows.
    boolean adaptive =
        results.http().stream().anyMatch(r -> !r.getOrDefault("warmup_rps", "").isEmpty());
    md.h(2, "Part 3: over HTTP (wrk)");
    md.p(
        "`wrk -t2 -c64 --latency`, keep-alive, `POST /v1/acquire` with `{\"key\":\"k<n>\"}` over"
            + " 100,000 keys in turn, against `./sluice serve` (policy: capacity 10^9, refill"
            + " 10^7/s, so every request is allowed) with the in-memory store and with the"
            + " benchmark's Redis (`--redis`), and nginx `return 200` on the same machine as the"
            + " ceiling of HTTP here. wrk, the server and Redis share the machine's cores."
            + (adaptive
                ? " Each target is warmed with wrk windows of the same load until two in a row"
                    + " agree within "
                    + Math.round(HttpBench.SETTLED * 100)
                    + "% (at most "
                    + HttpBench.MAX_WARMUP_WINDOWS
                    + " windows), then measured: a fresh JVM server on two shared cores gains for"
                    + " tens of seconds while its JIT compiles, and a fixed warm-up would measure"
                    + " that."
                : " Each target had one fixed wrk warm-up run before the measured one."));
    if (results.http().isEmpty()) {
      md.p("_No HTTP results in this run._");
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    Map<String, Map<String, Double>> chart = new LinkedHashMap<>();
    double nginx = results.httpRps(HttpBench.CEILING);
    for (String target : HttpBench.TARGETS) {
      for (Map<String, String> r : results.http()) {
        if (!r.get("target").equals(target)) {
          continue;
        }
        if (!r.get("note").isEmpty()) {
          List<String> row = new ArrayList<>(List.of(target, "-", "-", "-", "-", "-", "-", "-"));
          if (adaptive) {
            row.add("-");
          }
          row.add(r.get("note"));
          rows.add(row);
          continue;
        }
        List<String> row =
            new ArrayList<>(
                List.of(
                    target,
                    num(d(r, "rps")),
                    ratio(d(r, "rps") / nginx),
                    us(d(r, "p50_us")),
                    us(d(r, "p90_us")),
                    us(d(r, "p99_us")),
                    us(d(r, "p999_us")),
                    r.get("non2xx") + " / " + r.get("errors")));
        if (adaptive) {
          row.add(warmup(r));
        }
        row.add("");
        rows.add(row);
        chart.computeIfAbsent("requests/s", k -> new LinkedHashMap<>()).put(target, d(r, "rps"));
      }
    }
    List<String> header =
        new ArrayList<>(
            List.of(
                "target",
                "requests/s",
                "vs nginx",
                "p50",
                "p90",
                "p99",
                "p99.9",
                "non-2xx / socket errors"));
    if (adaptive) {
      header.add("warm-up windows (requests/s)");
    }
    header.add("note");
    md.table(header, rows);
    if (!chart.isEmpty()) {
      Charts.bars(
          md.chart("http-throughput.png"),
          "HTTP requests/s, 64 keep-alive connections",
          "requests/s",
          chart,
          false);
      md.p(md.image("http-throughput.png", "HTTP throughput"));
    }
    writeProfile();
  }

  /** The warm-up windows' rates, and whether they settled. */
  private static String warmup(Map<String, String> r) {
    String rates = r.getOrDefault("warmup_rps", "");
    if (rates.isEmpty()) {
      return "-";
    }
    List<Double> windows = Arrays.stream(rates.split(";")).map(Double::parseDouble).toList();
    return windows.stream().map(Format::num).collect(Collectors.joining(", "))
        + (HttpBench.settled(windows) ? "" : " (not settled)");
  }

  /** Where each Sluice server's CPU went under the same load, from its JFR pass. */
  private void writeProfile() {
    if (results.httpProfile().isEmpty()) {
      return;
    }
    md.h(3, "Where the server's CPU goes (JFR)");
    md.p(
        "After each Sluice target's measured run, a separate, unmeasured "
            + HttpBench.PROFILE_SECONDS
            + " s wrk pass of the same load while JFR samples the running server (started with"
            + " `jcmd <pid> JFR.start settings=profile`); shares of the execution samples by top"
            + " frame. JFR samples Java code only: time in the kernel (socket reads and writes,"
            + " epoll) is not here.");
    ProfileSection.table(md, "target", results.httpProfile());
  }
}

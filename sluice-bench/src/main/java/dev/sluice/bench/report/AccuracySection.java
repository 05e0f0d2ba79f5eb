package dev.sluice.bench.report;

import static dev.sluice.bench.report.Format.num;
import static dev.sluice.bench.report.Format.pct;
import static dev.sluice.bench.report.Results.d;

import dev.sluice.bench.load.Contenders;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * "Accuracy on the hot key": what each limiter admitted against the bound a perfect limiter admits,
 * per caller count, with its chart.
 *
 * <p>Design: 100% is exact; over (the limit broken) and under (requests refused that the limit
 * allows) are spelled out in each cell.
 */
final class AccuracySection {

  private final Results results;
  private final Markdown md;

  AccuracySection(Results results, Markdown md) {
    this.results = results;
    this.md = md;
  }

  void write() {
    md.h(3, "Accuracy on the hot key: capacity 100, refill 100/s");
    md.p(
        "All callers hammer one fresh key for the measured phase; the bound is what a perfect"
            + " limiter admits: capacity + rate x elapsed (elapsed from the first request to the"
            + " last answer). 100% is exact; above is over-admission (the limit broken), below is"
            + " under-admission (requests refused that the limit allows). Redisson's limit is 100"
            + " permits per 1 s window.");
    if (results.accuracy().isEmpty()) {
      md.p("_No accuracy results in this run._");
      return;
    }
    TreeSet<Integer> callers = new TreeSet<>();
    results.accuracy().forEach(r -> callers.add(Integer.parseInt(r.get("callers"))));
    List<List<String>> rows = new ArrayList<>();
    Map<String, Map<String, Double>> chart = new LinkedHashMap<>();
    for (String name : Contenders.LIMITERS) {
      List<String> row = new ArrayList<>(List.of(name));
      for (int c : callers) {
        Map<String, String> r =
            results.accuracy().stream()
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
    md.table(header, rows);
    Charts.bars(
        md.chart("redis-accuracy.png"),
        "Admitted as % of capacity + rate x elapsed (100% = exact)",
        "% of the bound",
        chart,
        false);
    md.p(md.image("redis-accuracy.png", "Accuracy"));
  }
}

package dev.sluice.bench.report;

import static dev.sluice.bench.report.Format.bytes;
import static dev.sluice.bench.report.Format.num;
import static dev.sluice.bench.report.Format.ratio;
import static dev.sluice.bench.report.Results.d;

import dev.sluice.bench.local.InProcess;
import dev.sluice.bench.local.LocalLimiters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * "Part 1: in process (JMH)": throughput and allocation of every local limiter per key set, limit
 * and thread count, its chart, and the retained heap per idle key.
 *
 * <p>Design: a row per point that Sluice was measured at; every point where a peer beat Sluice is
 * also handed to {@link Losses}.
 */
final class InProcessSection {

  private final Results results;
  private final Markdown md;
  private final Losses losses;

  InProcessSection(Results results, Markdown md, Losses losses) {
    this.results = results;
    this.md = md;
    this.losses = losses;
  }

  void write() {
    md.h(2, "Part 1: in process (JMH)");
    md.p(
        "`tryAcquire` through Sluice's public `RateLimiter` on the in-memory backend, against"
            + " Bucket4j's lock-free local bucket, Guava's `RateLimiter` and Resilience4j's"
            + " `RateLimiter` (the peers kept one per key in a `ConcurrentHashMap`). Key sets: one"
            + " hot key; 1,000,000 keys drawn uniformly; 1,000,000 keys drawn Zipf (s = 0.99)."
            + " Limits: `allow` (Sluice and Bucket4j: capacity 10^9, refill 10^7/s; Guava and"
            + " Resilience4j, which have no separate burst: 10^9/s) and `deny` (capacity 1, refill"
            + " 1/s). JMH throughput, 1 fork"
            + results.machine("part1_iterations", "").transform(i -> i.isEmpty() ? "" : ", " + i)
            + "; operations per second, millions; B/op:"
            + " bytes allocated per call (JMH's GC profiler). Class: "
            + "`dev.sluice.bench.local.InProcessBenchmark`.");
    if (results.jmh().isEmpty()) {
      md.p("_No in-process results in this run._");
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    Map<String, Map<String, Double>> chart = new LinkedHashMap<>();
    for (String threads : List.of("1", "2")) {
      for (String keys : List.of("hot", "uniform", "zipf")) {
        for (String limit : List.of("allow", "deny")) {
          List<String> row = new ArrayList<>(List.of(keys, limit, threads));
          Double sluice = results.jmhScore("sluice", keys, limit, threads);
          if (sluice == null) {
            continue;
          }
          double best = 0;
          String bestName = "";
          for (String impl : LocalLimiters.NAMES) {
            Double score = results.jmhScore(impl, keys, limit, threads);
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
          Double b4j = results.jmhScore("bucket4j", keys, limit, threads);
          row.add(b4j == null ? "-" : ratio(sluice / b4j));
          for (String impl : List.of("sluice", "bucket4j")) {
            Double alloc = results.jmhMetric(impl, keys, limit, threads, "gc.alloc.rate.norm");
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
    md.table(header, rows);
    Charts.bars(
        md.chart("inprocess-throughput.png"),
        "In process: tryAcquire, millions of operations/s",
        "M ops/s",
        chart,
        true);
    md.p(md.image("inprocess-throughput.png", "In-process throughput"));
    writeProfile();
    md.h(3, "Retained heap per idle key, 1,000,000 keys");
    if (results.heap().isEmpty()) {
      md.p("_Not measured in this run._");
    } else {
      List<List<String>> heapRows = new ArrayList<>();
      for (Map<String, String> row : results.heap()) {
        heapRows.add(
            List.of(
                row.get("impl"),
                num(d(row, "keys")),
                bytes(d(row, "jol_bytes_per_key")),
                bytes(d(row, "gc_bytes_per_key")),
                String.format("%.1f", d(row, "objects_per_key"))));
      }
      md.table(
          List.of(
              "implementation",
              "keys",
              "bytes per key (JOL)",
              "bytes per key (GC'd heap delta)",
              "objects per key"),
          heapRows);
      md.p(
          "Each key took one request under a bucket of 10 refilled at 1/min, so no implementation"
              + " may drop it. JOL: `GraphLayout.parseInstance(limiter)` minus the key strings"
              + " (held alike by all), divided by the keys. GC delta: used heap after `System.gc()`"
              + " with the keys in, minus before. Bucket4j's figure includes the"
              + " `ConcurrentHashMap` that keys its buckets; Sluice's includes its own map. Class:"
              + " `dev.sluice.bench.local.HeapPerKey`.");
    }
  }

  /** Where a hot-key decision's time goes, Sluice's and Bucket4j's, from the profiled pass. */
  private void writeProfile() {
    if (results.jmhProfile().isEmpty()) {
      return;
    }
    md.h(3, "Where a hot-key decision's time goes: 1 thread, allow (JFR)");
    md.p(
        "After the measured cells, an unmeasured run of the same cell for each of "
            + String.join(" and ", InProcess.PROFILED)
            + ", JMH's JFR profiler (`profile` settings) recording its measured iterations; shares"
            + " of the execution samples by top frame, where JFR names inlined code by the method"
            + " it came from.");
    ProfileSection.table(md, "implementation", results.jmhProfile());
  }
}

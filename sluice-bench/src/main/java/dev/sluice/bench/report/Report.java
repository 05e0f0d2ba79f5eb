package dev.sluice.bench.report;

import java.nio.file.Path;

/**
 * Writes BENCHMARKS.md and its charts from the CSV files of one run. Every number in the report is
 * read from those files or computed from them here; the prose around them is fixed text, and each
 * verdict (met, missed by how much) is computed.
 *
 * <p>The report's sections, in order: the machine and the commands, the goals at a glance and what
 * limits the missed ones, Part 1 in process, Part 2 against Redis (throughput, latency and cost,
 * accuracy, the client's profile), Part 3 over HTTP, Part 4 Envoy's rate limit service against the
 * HTTP API, and where Sluice loses.
 */
public final class Report {

  private Report() {}

  /**
   * Writes the report.
   *
   * @param results the directory of the run's CSV files
   * @param markdown the Markdown file to write
   * @param charts the directory of the PNG charts
   */
  public static void write(Path results, Path markdown, Path charts) {
    Results run = Results.read(results);
    Markdown md = new Markdown(markdown, charts);
    Losses losses = new Losses();
    md.h(1, "Benchmarks");
    md.p(
        "Sluice against its peers and against the ceilings of this machine: in process (JMH),"
            + " against a real Redis (closed-loop load, latency, Redis cost, accuracy) and over"
            + " HTTP (wrk). **Generated** by `"
            + run.machine("command", "sluice-bench/run.sh")
            + "` from the CSV files in `"
            + md.rel(results)
            + "`; every number, ratio and verdict below comes from that run. Do not edit by hand: "
            + "run the command again.");
    new MachineSection(run, md).write();
    new GoalsSection(run, md).write();
    new MissedGoalsNotes(run, md).write();
    new InProcessSection(run, md, losses).write();
    new RedisSection(run, md, losses).write();
    new RedisCostTables(run, md).write();
    new AccuracySection(run, md).write();
    new ProfileSection(run, md).write();
    new HttpSection(run, md).write();
    new RlsSection(run, md).write();
    losses.write(md);
    md.write();
  }
}

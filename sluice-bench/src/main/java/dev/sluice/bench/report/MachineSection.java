package dev.sluice.bench.report;

import dev.sluice.bench.Processes;
import java.util.List;

/**
 * The report's first section: the machine, the software and the commit of the run, the time of each
 * part, and the commands that regenerate everything.
 *
 * <p>Design: read from machine.csv alone; a key the run did not record prints as {@code ?} (or
 * {@code -} for the times of parts it did not run).
 */
final class MachineSection {

  private final Results results;
  private final Markdown md;

  MachineSection(Results results, Markdown md) {
    this.results = results;
    this.md = md;
  }

  void write() {
    md.h(2, "The machine and the commands");
    md.table(
        List.of("what", "value"),
        List.of(
            List.of("date", results.machine("date", "?")),
            List.of(
                "mode",
                results.machine("mode", "?") + " (`" + results.machine("command", "?") + "`)"),
            List.of(
                "CPU",
                results.machine("cpu", "?") + ", " + results.machine("cores", "?") + " cores"),
            List.of("memory", results.machine("memory", "?")),
            List.of("OS", results.machine("os", "?")),
            List.of("Java", results.machine("java", "?")),
            List.of("Redis", results.machine("redis", "?")),
            List.of(
                "wrk / nginx", results.machine("wrk", "?") + " / " + results.machine("nginx", "?")),
            List.of("commit", results.machine("commit", "?")),
            List.of(
                "load average at start / end",
                results.machine("load_at_start", "?")
                    + " / "
                    + results.machine("load_at_end", "?")),
            List.of(
                "time per part (s)",
                "in-process "
                    + results.machine("part1_seconds", "-")
                    + ", Redis "
                    + results.machine("part2_seconds", "-")
                    + ", HTTP "
                    + results.machine("part3_seconds", "-")
                    + "; whole run "
                    + results.machine("total_seconds", "-"))));
    if (Processes.busy(results.machine("load_at_start", ""))) {
      md.p(
          "**The load average at the start of this run was above "
              + Processes.BUSY_LOAD
              + " after "
              + Processes.QUIET_WAITS
              + " waits of a minute: the machine was busy, and every figure below may be low."
              + " Rerun it on a quiet machine.**");
    }
    md.p(
        "Client, Redis, wrk and servers all share these cores, and the machine is shared with other"
            + " work, so absolute numbers are noisy: compare within a table (each point runs every"
            + " implementation back to back) and read the ratios.");
    md.p(
        "Regenerate everything (builds, installs `wrk` and `nginx` from Debian when missing, starts"
            + " and stops its own `redis-server` on a free loopback port, prints progress):");
    md.code(
        "sluice-bench/run.sh            # full: every table and chart of this file\n"
            + "sluice-bench/run.sh --short    # a quick look: fewer, shorter points; writes"
            + " sluice-bench/target/short/\n"
            + "sluice-bench/run.sh --parts 2  # only some parts (1 in-process, 2 Redis, 3 HTTP);"
            + " the report keeps the others\n"
            + "java -jar sluice-bench/target/sluice-bench.jar report                 # this file"
            + " again from the CSVs\n"
            + "java -jar sluice-bench/target/sluice-bench.jar jmh InProcessBenchmark.oneThread -p"
            + " impl=sluice -p keys=hot");
  }
}

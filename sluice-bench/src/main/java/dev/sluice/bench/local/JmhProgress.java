package dev.sluice.bench.local;

import dev.sluice.bench.Progress;
import java.io.IOException;
import java.util.Collection;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.format.OutputFormat;

/**
 * JMH's own output goes to a log file; this adds one progress line per benchmark on the console.
 */
final class JmhProgress implements OutputFormat {

  private final OutputFormat log;
  private final int total;
  private int index;

  JmhProgress(OutputFormat log, int total) {
    this.log = log;
    this.total = total;
  }

  @Override
  public void startBenchmark(BenchmarkParams params) {
    index++;
    String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
    Progress.point(
        "1/3 in-process",
        index,
        total,
        params.getParam("impl")
            + ", "
            + params.getParam("keys")
            + " keys, "
            + params.getParam("limit")
            + ", "
            + (method.equals("oneThread") ? "1 thread" : "2 threads"));
    log.startBenchmark(params);
  }

  @Override
  public void endBenchmark(BenchmarkResult result) {
    if (result != null) {
      Progress.line(
          "1/3 in-process", String.format("    %,.0f ops/s", result.getPrimaryResult().getScore()));
    }
    log.endBenchmark(result);
  }

  @Override
  public void iteration(BenchmarkParams benchParams, IterationParams params, int iteration) {
    log.iteration(benchParams, params, iteration);
  }

  @Override
  public void iterationResult(
      BenchmarkParams benchParams, IterationParams params, int iteration, IterationResult data) {
    log.iterationResult(benchParams, params, iteration, data);
  }

  @Override
  public void startRun() {
    log.startRun();
  }

  @Override
  public void endRun(Collection<RunResult> result) {
    log.endRun(result);
  }

  @Override
  public void print(String s) {
    log.print(s);
  }

  @Override
  public void println(String s) {
    log.println(s);
  }

  @Override
  public void flush() {
    log.flush();
  }

  @Override
  public void close() {
    log.close();
  }

  @Override
  public void verbosePrintln(String s) {
    log.verbosePrintln(s);
  }

  @Override
  public void write(int b) {
    log.write(b);
  }

  @Override
  public void write(byte[] b) throws IOException {
    log.write(b);
  }
}

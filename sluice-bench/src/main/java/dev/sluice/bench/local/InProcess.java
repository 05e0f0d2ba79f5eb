package dev.sluice.bench.local;

import dev.sluice.bench.Csv;
import dev.sluice.bench.load.ProfileSummary;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.profile.JavaFlightRecorderProfiler;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Part 1's JMH run, as the orchestrator starts it: one JMH run per cell (key set x limit x
 * threads), each running the four implementations back to back, so that load from other work on the
 * machine hits a cell of all of them rather than every cell of one. Results go to {@code jmh.csv}
 * (with the GC profiler's bytes allocated per operation), JMH's log to {@code jmh.log}.
 */
public final class InProcess {

  /**
   * Full mode's iterations. Two warm-ups were too few on two shared cores: a hot-key cell's
   * iterations then ranged over 2x to 3x within one fork, and its score between runs.
   */
  private static final Iterations FULL =
      new Iterations(5, TimeValue.seconds(1), 5, TimeValue.seconds(1));

  /** The short run's iterations: a quick look. */
  private static final Iterations QUICK =
      new Iterations(1, TimeValue.milliseconds(500), 1, TimeValue.seconds(1));

  /** The implementations of the profiled pass: Sluice and the peer of its goal. */
  public static final List<String> PROFILED = List.of("sluice", "bucket4j");

  /** The profiled pass's summary, in the results directory. */
  public static final String PROFILE_CSV = "jmh-profile.csv";

  private InProcess() {}

  /**
   * Runs {@link InProcessBenchmark}.
   *
   * @param out the results directory
   * @param quick one thread only, one short iteration each
   * @return the iterations each cell ran, for the report
   */
  public static String run(Path out, boolean quick) {
    List<String> methods = quick ? List.of("oneThread") : List.of("oneThread", "twoThreads");
    Iterations iterations = quick ? QUICK : FULL;
    int total = methods.size() * 3 * 2 * LocalLimiters.NAMES.size() + PROFILED.size();
    Path cell = out.resolve("jmh-cell.csv");
    Path merged = out.resolve("jmh.csv");
    try (PrintStream log =
        new PrintStream(new FileOutputStream(out.resolve("jmh.log").toFile()), true, "UTF-8")) {
      JmhProgress progress =
          new JmhProgress(OutputFormatFactory.createFormatInstance(log, VerboseMode.NORMAL), total);
      for (String method : methods) {
        for (String keys : List.of("hot", "uniform", "zipf")) {
          for (String limit : List.of("allow", "deny")) {
            ChainedOptionsBuilder options =
                new OptionsBuilder()
                    .include(InProcessBenchmark.class.getName() + "." + method + "$")
                    .param("keys", keys)
                    .param("limit", limit)
                    .param("impl", LocalLimiters.NAMES.toArray(String[]::new))
                    .forks(1)
                    .addProfiler(GCProfiler.class)
                    .resultFormat(ResultFormatType.CSV)
                    .result(cell.toString());
            iterations.apply(options);
            new Runner(options.build(), progress).run();
            append(cell, merged);
          }
        }
      }
      profile(out, iterations, progress);
      return iterations.describe();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (RunnerException e) {
      throw new IllegalStateException("JMH failed (see jmh.log): " + e.getMessage(), e);
    }
  }

  /** The warm-up and measured iterations of every cell of a run. */
  private record Iterations(
      int warmups, TimeValue warmupTime, int measured, TimeValue measuredTime) {

    void apply(ChainedOptionsBuilder options) {
      options
          .warmupIterations(warmups)
          .warmupTime(warmupTime)
          .measurementIterations(measured)
          .measurementTime(measuredTime);
    }

    /** For the report, e.g. "5 warm-up iterations of 1 s and 5 measured iterations of 1 s". */
    String describe() {
      return warmups
          + " warm-up iteration"
          + (warmups == 1 ? "" : "s")
          + " of "
          + warmupTime
          + " and "
          + measured
          + " measured iteration"
          + (measured == 1 ? "" : "s")
          + " of "
          + measuredTime;
    }
  }

  /**
   * An unmeasured pass of the hot-key allow cell on one thread for each of {@link #PROFILED}, JFR
   * (JMH's profiler, {@code profile} settings) recording its measured iterations, summarised by top
   * frame into {@code jmh-profile.csv}: where a decision's time goes, next to the peer's.
   */
  private static void profile(Path out, Iterations iterations, JmhProgress progress)
      throws IOException, RunnerException {
    Path dir = Files.createTempDirectory("sluice-bench-jfr-");
    for (String impl : PROFILED) {
      Path jfr = dir.resolve(impl);
      ChainedOptionsBuilder options =
          new OptionsBuilder()
              .include(InProcessBenchmark.class.getName() + ".oneThread$")
              .param("keys", "hot")
              .param("limit", "allow")
              .param("impl", impl)
              .forks(1)
              .addProfiler(JavaFlightRecorderProfiler.class, "dir=" + jfr + ";configName=profile");
      iterations.apply(options);
      new Runner(options.build(), progress).run();
      List<Path> recordings;
      try (Stream<Path> files = Files.walk(jfr)) {
        recordings = files.filter(f -> f.toString().endsWith(".jfr")).toList();
      }
      if (recordings.size() != 1) {
        throw new IllegalStateException(
            "JMH's JFR profiler wrote " + recordings.size() + " recordings in " + jfr);
      }
      ProfileSummary.summarise(recordings.get(0), impl, out.resolve(PROFILE_CSV));
    }
  }

  /** Appends a cell's CSV to the merged one, its header only once. */
  private static void append(Path cell, Path merged) throws IOException {
    List<String> lines = Files.readAllLines(cell, StandardCharsets.UTF_8);
    Files.delete(cell);
    boolean fresh = !Files.exists(merged);
    List<String> rows = fresh ? lines : lines.subList(1, lines.size());
    Files.write(
        merged, rows, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    if (Csv.read(merged).isEmpty()) {
      throw new IllegalStateException("JMH wrote no results (see jmh.log)");
    }
  }
}

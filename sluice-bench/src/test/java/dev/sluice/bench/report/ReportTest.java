package dev.sluice.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed BENCHMARKS.md is what {@link Report} writes from the committed results: the report
 * is generated, never edited by hand, and a change to the report's code that changes its text comes
 * with the regenerated file ({@code java -jar sluice-bench/target/sluice-bench.jar report}). No
 * benchmark runs here; the charts are written but not compared (their pixels depend on the
 * machine's fonts).
 */
class ReportTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void theCommittedReportIsWhatTheCommittedResultsGive(@TempDir Path tmp) throws IOException {
    Path results = Files.createDirectories(tmp.resolve("sluice-bench/results"));
    try (Stream<Path> csvs = Files.list(ROOT.resolve("sluice-bench/results"))) {
      for (Path csv : csvs.filter(p -> p.toString().endsWith(".csv")).toList()) {
        Files.copy(csv, results.resolve(csv.getFileName()));
      }
    }
    Locale before = Locale.getDefault();
    Locale.setDefault(Locale.US); // the committed report's digit grouping
    try {
      Report.write(results, tmp.resolve("BENCHMARKS.md"), tmp.resolve("docs/bench"));
    } finally {
      Locale.setDefault(before);
    }

    assertThat(Files.readString(tmp.resolve("BENCHMARKS.md"), StandardCharsets.UTF_8))
        .isEqualTo(Files.readString(ROOT.resolve("BENCHMARKS.md"), StandardCharsets.UTF_8));
    try (Stream<Path> charts = Files.list(tmp.resolve("docs/bench"))) {
      List<String> names = charts.map(p -> p.getFileName().toString()).sorted().toList();
      try (Stream<Path> committed = Files.list(ROOT.resolve("docs/bench"))) {
        assertThat(names)
            .isEqualTo(committed.map(p -> p.getFileName().toString()).sorted().toList());
      }
    }
  }
}

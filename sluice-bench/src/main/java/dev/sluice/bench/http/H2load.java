package dev.sluice.bench.http;

import dev.sluice.bench.Processes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * One target of h2load (Debian's nghttp2-client) in part 4: the URL, the request body and its
 * headers, loaded by one client thread over {@value #CONNECTIONS} connections.
 *
 * @param url the URL
 * @param body the file holding the request body
 * @param headers the request headers, as {@code name: value}
 */
record H2load(String url, Path body, List<String> headers) {

  /** h2load's connections; the streams in flight are shared among them. */
  static final int CONNECTIONS = 4;

  /**
   * Runs h2load for {@code seconds}; with {@code logged}, reads its per-request log for the
   * latencies (non-2xx answers count as errors).
   */
  RlsBench.Result measure(Path dir, int inFlight, int seconds, boolean logged) {
    Path requests = dir.resolve("h2load.log");
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            "h2load",
            "-D",
            Integer.toString(seconds),
            "-c",
            Integer.toString(CONNECTIONS),
            "-m",
            Integer.toString(Math.max(1, inFlight / CONNECTIONS)),
            "-t",
            "1",
            "-d",
            body.toString()));
    for (String header : headers) {
      command.add("-H");
      command.add(header);
    }
    if (logged) {
      // h2load appends to its log: each run starts a new one.
      try {
        Files.deleteIfExists(requests);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      command.add("--log-file=" + requests);
    }
    command.add(url);
    String output = Processes.run(seconds + 60L, command);
    if (!logged) {
      return new RlsBench.Result(0, 0, seconds, new Histogram(3));
    }
    double elapsed =
        output
            .lines()
            .filter(l -> l.startsWith("finished in "))
            .findFirst()
            .map(l -> Double.parseDouble(l.substring(12, l.indexOf("s,"))))
            .orElseThrow(() -> new IllegalStateException("h2load printed no time: " + output));
    Histogram latency = new Histogram(3);
    long ok = 0;
    long errors = 0;
    try (var lines = Files.lines(requests)) {
      for (String line : (Iterable<String>) lines::iterator) {
        String[] fields = line.split("\t");
        if (fields.length < 3) {
          continue;
        }
        if (fields[1].startsWith("2")) {
          ok++;
          latency.recordValue(Long.parseLong(fields[2]) * 1_000);
        } else {
          errors++;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new RlsBench.Result(ok, errors, elapsed, latency);
  }
}

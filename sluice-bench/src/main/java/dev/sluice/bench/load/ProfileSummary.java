package dev.sluice.bench.load;

import dev.sluice.bench.Csv;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Boils a JFR recording of a load down to where a JVM's CPU went (the benchmark's client, a Sluice
 * server under wrk): the share of execution samples per top frame (self time), by method and by
 * area (Netty I/O, Armeria, Lettuce, Sluice, JDK, ...). Written to a CSV file; the report shows the
 * largest rows.
 */
public final class ProfileSummary {

  private ProfileSummary() {}

  /**
   * Summarises a recording.
   *
   * @param jfr the recording
   * @param contender its contender
   * @param out the CSV to append to
   */
  public static void summarise(Path jfr, String contender, Path out) {
    Map<String, Integer> methods = new HashMap<>();
    Map<String, Integer> areas = new HashMap<>();
    int samples = 0;
    try (RecordingFile file = new RecordingFile(jfr)) {
      while (file.hasMoreEvents()) {
        RecordedEvent event = file.readEvent();
        if (!event.getEventType().getName().equals("jdk.ExecutionSample")
            || event.getStackTrace() == null) {
          continue;
        }
        List<RecordedFrame> frames = event.getStackTrace().getFrames();
        if (frames.isEmpty()) {
          continue;
        }
        samples++;
        RecordedFrame top = frames.get(0);
        String type = top.getMethod().getType().getName();
        methods.merge(
            type.substring(type.lastIndexOf('.') + 1) + "." + top.getMethod().getName(),
            1,
            Integer::sum);
        areas.merge(area(type), 1, Integer::sum);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int total = samples;
    areas.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .forEach(
            e ->
                Csv.append(
                    out,
                    Csv.row(
                        "contender",
                        contender,
                        "kind",
                        "area",
                        "name",
                        e.getKey(),
                        "samples",
                        e.getValue(),
                        "share_pct",
                        100.0 * e.getValue() / total)));
    methods.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .limit(12)
        .forEach(
            e ->
                Csv.append(
                    out,
                    Csv.row(
                        "contender",
                        contender,
                        "kind",
                        "method",
                        "name",
                        e.getKey().replace(',', ';'),
                        "samples",
                        e.getValue(),
                        "share_pct",
                        100.0 * e.getValue() / total)));
  }

  static String area(String type) {
    if (type.startsWith("io.netty.")) {
      return "Netty (event loop; socket I/O)";
    } else if (type.startsWith("com.linecorp.armeria.")) {
      return "Armeria (HTTP; services)";
    } else if (type.startsWith("com.fasterxml.jackson.")) {
      return "Jackson (JSON)";
    } else if (type.startsWith("io.micrometer.")) {
      return "Micrometer (metrics)";
    } else if (type.startsWith("io.lettuce.")) {
      return "Lettuce (commands; encoding; decoding)";
    } else if (type.startsWith("dev.sluice.bench.")) {
      return "benchmark harness";
    } else if (type.startsWith("dev.sluice.")) {
      return "Sluice";
    } else if (type.startsWith("io.github.bucket4j.")) {
      return "Bucket4j";
    } else if (type.startsWith("org.HdrHistogram.") || type.startsWith("org.openjdk.jmh.")) {
      return "benchmark harness";
    } else if (type.startsWith("java.util.concurrent.") || type.startsWith("jdk.internal.misc.")) {
      return "JDK concurrency (futures; locks; park)";
    } else if (type.startsWith("java.") || type.startsWith("jdk.") || type.startsWith("sun.")) {
      return "JDK (other)";
    }
    return "other";
  }
}

package dev.sluice.bench.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The Markdown file being written: headings, paragraphs, code, bullets and tables appended in
 * order, chart paths and links relative to the file, and the write at the end.
 *
 * <p>Design: the only place that knows Markdown syntax and where the file and its charts live; the
 * sections only say what to show.
 */
final class Markdown {

  private final Path file;
  private final Path charts;
  private final StringBuilder text = new StringBuilder();

  /** A document to be written to {@code file}, with its charts in {@code charts}. */
  Markdown(Path file, Path charts) {
    this.file = file;
    this.charts = charts;
  }

  /** Where a chart of this name is written. */
  Path chart(String name) {
    return charts.resolve(name);
  }

  /** An image link to a chart of {@link #chart}. */
  String image(String name, String alt) {
    return "![" + alt + "](" + rel(chart(name)) + ")";
  }

  /** A path relative to the file's directory, or as it is if it has no relative form. */
  String rel(Path path) {
    Path root = file.toAbsolutePath().getParent();
    try {
      return root.relativize(path.toAbsolutePath()).toString();
    } catch (IllegalArgumentException e) {
      return path.toString();
    }
  }

  void h(int level, String heading) {
    text.append("#".repeat(level)).append(' ').append(heading).append("\n\n");
  }

  void p(String paragraph) {
    text.append(paragraph).append("\n\n");
  }

  void code(String shell) {
    text.append("```sh\n").append(shell).append("\n```\n\n");
  }

  void bullets(List<String> items) {
    items.forEach(i -> text.append("- ").append(i).append('\n'));
    text.append('\n');
  }

  void table(List<String> header, List<List<String>> rows) {
    text.append("| ").append(String.join(" | ", header)).append(" |\n");
    text.append("|").append(" --- |".repeat(header.size())).append('\n');
    for (List<String> row : rows) {
      text.append("| ").append(String.join(" | ", row)).append(" |\n");
    }
    text.append('\n');
  }

  /** Writes everything appended so far to the file, creating its directory. */
  void write() {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, text.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

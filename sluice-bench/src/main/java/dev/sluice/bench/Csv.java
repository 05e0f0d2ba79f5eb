package dev.sluice.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The results format: plain CSV with a header line, one file per part, appended row by row so a run
 * that stops half way keeps what it measured. Values never contain commas or quotes (names,
 * numbers), so no quoting is needed; {@link #read} also accepts JMH's quoted CSV.
 */
public final class Csv {

  private Csv() {}

  /**
   * Appends one row, writing the header first if the file is new.
   *
   * @param file the file
   * @param row column to value, in column order
   */
  public static synchronized void append(Path file, Map<String, ?> row) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      StringBuilder out = new StringBuilder();
      if (!Files.exists(file) || Files.size(file) == 0) {
        out.append(String.join(",", row.keySet())).append('\n');
      }
      List<String> values = new ArrayList<>();
      for (Object value : row.values()) {
        String text = value instanceof Double d ? format(d) : String.valueOf(value);
        if (text.contains(",") || text.contains("\n")) {
          throw new IllegalArgumentException(
              "csv value must not contain a comma or newline: " + text);
        }
        values.add(text);
      }
      out.append(String.join(",", values)).append('\n');
      Files.writeString(
          file, out, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads every row of a file; an absent file has none.
   *
   * @param file the file
   * @return the rows, column to value
   */
  public static List<Map<String, String>> read(Path file) {
    if (!Files.exists(file)) {
      return List.of();
    }
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      List<Map<String, String>> rows = new ArrayList<>();
      if (lines.isEmpty()) {
        return rows;
      }
      List<String> header = split(lines.get(0));
      for (String line : lines.subList(1, lines.size())) {
        if (line.isBlank()) {
          continue;
        }
        List<String> cells = split(line);
        Map<String, String> row = new LinkedHashMap<>();
        for (int i = 0; i < header.size(); i++) {
          row.put(header.get(i), i < cells.size() ? cells.get(i) : "");
        }
        rows.add(row);
      }
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> split(String line) {
    List<String> cells = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '"') {
        if (quoted && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cell.append('"');
          i++;
        } else {
          quoted = !quoted;
        }
      } else if (c == ',' && !quoted) {
        cells.add(cell.toString());
        cell.setLength(0);
      } else {
        cell.append(c);
      }
    }
    cells.add(cell.toString());
    return cells;
  }

  /** A double with up to 4 decimals and no exponent. */
  static String format(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      return "";
    }
    return new java.math.BigDecimal(d)
        .setScale(4, java.math.RoundingMode.HALF_UP)
        .stripTrailingZeros()
        .toPlainString();
  }

  /**
   * A row builder that keeps column order.
   *
   * @param keyValues alternating column names and values
   * @return the row
   */
  public static Map<String, Object> row(Object... keyValues) {
    if (keyValues.length % 2 != 0) {
      throw new IllegalArgumentException(
          "keyValues must come in pairs: " + Arrays.toString(keyValues));
    }
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      row.put((String) keyValues[i], keyValues[i + 1]);
    }
    return row;
  }
}

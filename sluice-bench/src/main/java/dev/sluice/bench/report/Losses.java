package dev.sluice.bench.report;

import java.util.ArrayList;
import java.util.List;

/**
 * "Where Sluice loses": every point of the run where a peer beat Sluice, collected while the
 * sections of Part 1 and Part 2 are written, then listed at the end of the report.
 *
 * <p>Design: the sections that compare Sluice with peers add one sentence per lost point, in the
 * order they find them; this class only collects and writes them.
 */
final class Losses {

  private final List<String> points = new ArrayList<>();

  /** Records one point where a peer beat Sluice, as a sentence of the list. */
  void add(String point) {
    points.add(point);
  }

  void write(Markdown md) {
    md.h(2, "Where Sluice loses");
    if (points.isEmpty()) {
      md.p(
          "Nowhere in this run: at every point Sluice (Lua mode; in process, the in-memory backend)"
              + " was at least as fast as each peer. Against the ceilings, see the ratios above.");
    } else {
      md.p(
          "Every point of this run where a peer beat Sluice (Lua mode against the Redis peers; the"
              + " in-memory backend in process). Ceilings are not peers and are left out here;"
              + " their ratios are in the tables.");
      md.bullets(points);
    }
  }
}

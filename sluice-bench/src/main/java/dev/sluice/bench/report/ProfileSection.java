package dev.sluice.bench.report;

import static dev.sluice.bench.report.Format.pct;
import static dev.sluice.bench.report.Results.d;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * "Where the client's CPU goes": the JFR profile of Sluice's Lua mode, shares of samples by top
 * frame.
 *
 * <p>Design: written only when the run recorded a profile.
 */
final class ProfileSection {

  private final Results results;
  private final Markdown md;

  ProfileSection(Results results, Markdown md) {
    this.results = results;
    this.md = md;
  }

  void write() {
    List<Map<String, String>> lua =
        results.profile().stream().filter(r -> r.get("contender").equals("sluice-lua")).toList();
    if (lua.isEmpty()) {
      return;
    }
    md.h(3, "Where the client's CPU goes: Sluice Lua, hot key, 64 callers (JFR)");
    md.p(
        "A separate, unmeasured pass of the same load recorded with JFR (`profile` settings,"
            + " execution samples every millisecond); shares of the samples by top frame. JFR"
            + " samples threads running Java code only: time in the kernel (socket reads and"
            + " writes, waking parked threads) is in the client CPU column of the cost table but"
            + " not here.");
    List<List<String>> rows = new ArrayList<>();
    for (Map<String, String> r : lua) {
      rows.add(row(r));
    }
    md.table(List.of("by", "where", "share of samples"), rows);
  }

  /**
   * A table of the profiles of several contenders, each row led by its contender.
   *
   * @param md where to write
   * @param column the heading of the contender's column
   * @param profile {@code ProfileSummary}'s rows
   */
  static void table(Markdown md, String column, List<Map<String, String>> profile) {
    List<List<String>> rows = new ArrayList<>();
    for (Map<String, String> r : profile) {
      List<String> row = new ArrayList<>(List.of(r.get("contender")));
      row.addAll(row(r));
      rows.add(row);
    }
    md.table(List.of(column, "by", "where", "share of samples"), rows);
  }

  /** A profile row of {@code ProfileSummary}'s CSV as a table row: by, where, share of samples. */
  static List<String> row(Map<String, String> r) {
    return List.of(r.get("kind"), "`" + r.get("name") + "`", pct(d(r, "share_pct")));
  }
}

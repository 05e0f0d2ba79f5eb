package dev.sluice.bench.load;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * What Redis says it did: {@code INFO commandstats} (calls and microseconds per command) and {@code
 * INFO cpu} (the server process's CPU time), snapshotted around a measurement.
 *
 * <p>Commands run by a script ({@code redis.call}) or by {@code EXEC} are counted by Redis under
 * their own names as well, and their time is already inside the EVAL's or EXEC's time. So the
 * server time of a decision sums only top-level commands, and the commands per decision count only
 * what the client sent; which calls of a name were nested comes from a {@link MonitorSample}.
 *
 * @param commands command name (lower case, {@code |subcommand} dropped) to calls and microseconds
 * @param cpuSeconds the server's user + system CPU time
 */
public record RedisStats(Map<String, long[]> commands, double cpuSeconds) {

  /** Commands of the harness itself, never of a contender. */
  private static final Set<String> HARNESS =
      Set.of(
          "info",
          "monitor",
          "flushall",
          "flushdb",
          "config",
          "client",
          "hello",
          "command",
          "select",
          "auth",
          "script",
          "keys",
          "dbsize");

  /**
   * Parses the text of {@code INFO commandstats} and {@code INFO cpu}.
   *
   * @param commandstats the commandstats section
   * @param cpu the cpu section
   * @return the snapshot
   */
  public static RedisStats parse(String commandstats, String cpu) {
    Map<String, long[]> commands = new HashMap<>();
    for (String line : commandstats.split("\r?\n")) {
      if (!line.startsWith("cmdstat_")) {
        continue;
      }
      String name = line.substring("cmdstat_".length(), line.indexOf(':'));
      int bar = name.indexOf('|');
      if (bar >= 0) {
        name = name.substring(0, bar);
      }
      long calls = 0;
      long usec = 0;
      for (String field : line.substring(line.indexOf(':') + 1).split(",")) {
        String[] kv = field.split("=");
        if (kv[0].equals("calls")) {
          calls = Long.parseLong(kv[1]);
        } else if (kv[0].equals("usec")) {
          usec = Long.parseLong(kv[1]);
        }
      }
      long[] sum = commands.computeIfAbsent(name, n -> new long[2]);
      sum[0] += calls;
      sum[1] += usec;
    }
    double cpuSeconds = 0;
    for (String line : cpu.split("\r?\n")) {
      if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
        cpuSeconds += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return new RedisStats(commands, cpuSeconds);
  }

  /**
   * The work between two snapshots, per decision.
   *
   * @param before the earlier snapshot
   * @param after the later snapshot
   * @param sample which share of each command's calls were sent by the client, and top level
   * @param decisions the decisions made in between
   * @return commands sent per decision, server microseconds per decision, CPU microseconds per
   *     decision
   */
  public static double[] perDecision(
      RedisStats before, RedisStats after, MonitorSample sample, long decisions) {
    double sent = 0;
    double usec = 0;
    for (Map.Entry<String, long[]> e : after.commands.entrySet()) {
      String name = e.getKey();
      if (HARNESS.contains(name)) {
        continue;
      }
      long[] was = before.commands.getOrDefault(name, new long[2]);
      long calls = e.getValue()[0] - was[0];
      long micros = e.getValue()[1] - was[1];
      sent += calls * sample.sentShare(name);
      usec += micros * sample.topShare(name);
    }
    double cpu = (after.cpuSeconds - before.cpuSeconds) * 1e6;
    return new double[] {sent / decisions, usec / decisions, cpu / decisions};
  }
}

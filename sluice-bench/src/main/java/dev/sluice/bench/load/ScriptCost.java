package dev.sluice.bench.load;

import dev.sluice.bench.Csv;
import dev.sluice.bench.Processes;
import dev.sluice.bench.Progress;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where Redis's time per Lua decision goes: Redis's server time per call (INFO commandstats) of
 * Sluice's own EVALSHA, captured with MONITOR, against two stand-in scripts called with exactly the
 * same keys and arguments: one that does nothing, which is what Redis spends on any script call of
 * that shape, and one that issues the same Redis commands as Sluice's script (TIME when the
 * server's clock is read, GET, and SET with PX of a state of about the same length) and none of its
 * arithmetic, parsing or formatting. {@code redis-benchmark}, hot key, in alternating rounds; each
 * round's figures go to {@code script-cost.csv}.
 */
public final class ScriptCost {

  /** The stand-ins and Sluice's script, in report order. */
  public static final List<String> STEPS =
      List.of("empty script", "TIME + GET + SET PX only", "Sluice's script");

  private static final Map<String, String> STAND_INS = standIns();

  private ScriptCost() {}

  private static Map<String, String> standIns() {
    Map<String, String> scripts = new LinkedHashMap<>();
    scripts.put(STEPS.get(0), "return {1, 0, 0, 0}");
    scripts.put(
        STEPS.get(1),
        "if ARGV[1] == '' then redis.call('TIME') end\n"
            + "redis.call('GET', KEYS[1])\n"
            + "redis.call('SET', KEYS[1], 'T 1000000000 1796153607711711 1000000', 'PX',"
            + " 60000)\n"
            + "return {1, 0, 0, 0}");
    return scripts;
  }

  /**
   * Measures each step in turn, {@code rounds} times.
   *
   * @param uri the Redis URI
   * @param template Sluice's EVALSHA, from {@link EvalshaCeiling#captureTemplate}
   * @param connections redis-benchmark's connections
   * @param requests calls per step and round
   * @param rounds rounds
   * @param out the results directory
   */
  public static void run(
      String uri, List<String> template, int connections, int requests, int rounds, Path out) {
    RedisClient client = RedisClient.create(uri);
    try (StatefulRedisConnection<String, String> admin = client.connect()) {
      RedisCommands<String, String> redis = admin.sync();
      Map<String, String> shas = new LinkedHashMap<>();
      STAND_INS.forEach((step, script) -> shas.put(step, redis.scriptLoad(script)));
      shas.put(STEPS.get(2), template.get(1));
      for (int round = 1; round <= rounds; round++) {
        for (String step : STEPS) {
          List<String> call = new ArrayList<>(template);
          call.set(1, shas.get(step));
          call.replaceAll(t -> t.replace("__KEY__", "hot"));
          List<String> command = EvalshaCeiling.benchmark(uri, connections);
          command.addAll(List.of("-n", Integer.toString(requests)));
          command.addAll(call);
          redis.flushall();
          RedisStats before = LoadRunner.snapshot(redis);
          Processes.run(600, command);
          RedisStats after = LoadRunner.snapshot(redis);
          long[] was = before.commands().getOrDefault("evalsha", new long[2]);
          long[] now = after.commands().getOrDefault("evalsha", new long[2]);
          double perCall = (double) (now[1] - was[1]) / (now[0] - was[0]);
          Csv.append(
              out.resolve("script-cost.csv"),
              Csv.row(
                  "round",
                  round,
                  "step",
                  step,
                  "connections",
                  connections,
                  "calls",
                  now[0] - was[0],
                  "server_us_per_call",
                  perCall));
          Progress.line(
              LoadRunner.PART,
              String.format("    round %d, %s: %.2f us per call", round, step, perCall));
        }
      }
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}

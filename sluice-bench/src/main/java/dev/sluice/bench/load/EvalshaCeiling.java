package dev.sluice.bench.load;

import dev.sluice.bench.Csv;
import dev.sluice.bench.Processes;
import dev.sluice.bench.Progress;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The second ceiling: {@code redis-benchmark} (C, no client library) sending exactly the EVALSHA
 * that Sluice's Lua mode sends, captured from Sluice itself with MONITOR, so the script, its keys
 * and its arguments are Sluice's own. Without pipelining, one request per connection at a time,
 * like the closed loop. Its rows go to {@code redis.csv} as contender {@code
 * redis-benchmark-evalsha}.
 */
public final class EvalshaCeiling {

  /** The contender name in results. */
  public static final String NAME = "redis-benchmark-evalsha";

  private EvalshaCeiling() {}

  /**
   * Captures the EVALSHA that Sluice sends for a key, with {@code __KEY__} where the key goes.
   *
   * @param uri the Redis URI
   * @return the command and its arguments
   */
  public static List<String> captureTemplate(String uri) {
    return captureTemplate(uri, LimitSpec.OPEN);
  }

  /**
   * Captures the EVALSHA that Sluice sends for a key under a limit, with {@code __KEY__} where the
   * key goes.
   *
   * @param uri the Redis URI
   * @param limit the limit of Sluice's policy
   * @return the command and its arguments
   */
  static List<String> captureTemplate(String uri, LimitSpec limit) {
    String host = LoadRunner.host(uri);
    int port = LoadRunner.port(uri);
    try (Contender sluice = Contenders.open("sluice-lua", uri, limit, List.of());
        Socket socket = new Socket()) {
      sluice.tryAcquire("warm"); // loads the script
      socket.connect(new InetSocketAddress(host, port), 2_000);
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      in.readLine();
      sluice.tryAcquire("__KEY__");
      while (true) {
        String line = in.readLine();
        if (line == null) {
          throw new IllegalStateException("MONITOR closed before Sluice's EVALSHA was seen");
        }
        if (line.toLowerCase(Locale.ROOT).contains("\"evalsha\"") && line.contains("__KEY__")) {
          return quoted(line.substring(line.indexOf(']') + 1));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The quoted tokens of a MONITOR line, unescaped. */
  static List<String> quoted(String text) {
    List<String> tokens = new ArrayList<>();
    StringBuilder token = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (token == null) {
        if (c == '"') {
          token = new StringBuilder();
        }
      } else if (c == '\\' && i + 1 < text.length()) {
        char next = text.charAt(++i);
        if (next == 'x' && i + 2 < text.length()) {
          token.append((char) Integer.parseInt(text.substring(i + 1, i + 3), 16));
          i += 2;
        } else {
          token.append(
              switch (next) {
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                default -> next;
              });
        }
      } else if (c == '"') {
        tokens.add(token.toString());
        token = null;
      } else {
        token.append(c);
      }
    }
    return tokens;
  }

  /**
   * Runs one point and appends its row.
   *
   * @param uri the Redis URI
   * @param template from {@link #captureTemplate}
   * @param keyset {@code hot} or {@code 100k}
   * @param callers connections
   * @param measureMillis the intended length of the measured run
   * @param out the results directory
   */
  public static void run(
      String uri, List<String> template, String keyset, int callers, long measureMillis, Path out) {
    String key = keyset.equals("hot") ? "hot" : "k__rand_int__";
    List<String> command = benchmark(uri, callers);
    if (!keyset.equals("hot")) {
      command.addAll(List.of("-r", Integer.toString(LoadRunner.MANY_KEYS)));
    }
    List<String> evalsha = template.stream().map(t -> t.replace("__KEY__", key)).toList();
    RedisClient client = RedisClient.create(uri);
    try (StatefulRedisConnection<String, String> admin = client.connect()) {
      RedisCommands<String, String> redis = admin.sync();
      redis.flushall();
      // A first run warms up and sizes the measured one to about measureMillis.
      double probe = rps(Processes.run(300, concat(command, List.of("-n", "20000"), evalsha)));
      long requests = Math.max(10_000, (long) (probe * measureMillis / 1000));
      RedisStats before = LoadRunner.snapshot(redis);
      long started = System.nanoTime();
      String csv =
          Processes.run(600, concat(command, List.of("-n", Long.toString(requests)), evalsha));
      double seconds = (System.nanoTime() - started) / 1e9;
      RedisStats after = LoadRunner.snapshot(redis);
      String[] row =
          csv.lines()
              .filter(l -> l.startsWith("\"EVALSHA") || l.startsWith("\"evalsha"))
              .findFirst()
              .orElseThrow(
                  () -> new IllegalStateException("redis-benchmark printed no result: " + csv))
              .replace("\"", "")
              .split(",");
      // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
      long[] evalshaBefore = before.commands().getOrDefault("evalsha", new long[2]);
      long[] evalshaAfter = after.commands().getOrDefault("evalsha", new long[2]);
      double calls = evalshaAfter[0] - evalshaBefore[0];
      double usec = evalshaAfter[1] - evalshaBefore[1];
      double cpu = (after.cpuSeconds() - before.cpuSeconds()) * 1e6;
      double throughput = Double.parseDouble(row[1]);
      Csv.append(
          out.resolve("redis.csv"),
          Csv.row(
              "contender",
              NAME,
              "keys",
              keyset,
              "callers",
              callers,
              "seconds",
              seconds,
              "decisions",
              requests,
              "allowed",
              requests,
              "errors",
              0,
              "throughput",
              throughput,
              "p50_us",
              Double.parseDouble(row[4]) * 1e3,
              "p99_us",
              Double.parseDouble(row[6]) * 1e3,
              "p999_us",
              Double.NaN,
              "max_us",
              Double.parseDouble(row[7]) * 1e3,
              "commands_per_decision",
              calls / requests,
              "server_us_per_decision",
              usec / requests,
              "redis_cpu_us_per_decision",
              cpu / requests,
              "client_cpu_us_per_decision",
              Double.NaN,
              "first_error",
              ""));
      Progress.line(
          LoadRunner.PART,
          String.format(
              "    %,.0f decisions/s, p50 %s ms, p99 %s ms, %.1f us server",
              throughput, row[4], row[6], usec / requests));
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /**
   * The start of a {@code redis-benchmark} command line: Redis's address, the connections, CSV
   * output; the request count and the command follow.
   */
  static List<String> benchmark(String uri, int connections) {
    return new ArrayList<>(
        List.of(
            "redis-benchmark",
            "-h",
            LoadRunner.host(uri),
            "-p",
            Integer.toString(LoadRunner.port(uri)),
            "-c",
            Integer.toString(connections),
            "--csv"));
  }

  private static double rps(String csv) {
    return csv.lines()
        .filter(l -> l.toLowerCase(Locale.ROOT).startsWith("\"evalsha"))
        .map(l -> Double.parseDouble(l.replace("\"", "").split(",")[1]))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("redis-benchmark printed no result: " + csv));
  }

  @SafeVarargs
  private static List<String> concat(List<String>... parts) {
    List<String> all = new ArrayList<>();
    for (List<String> part : parts) {
      all.addAll(part);
    }
    return all;
  }
}

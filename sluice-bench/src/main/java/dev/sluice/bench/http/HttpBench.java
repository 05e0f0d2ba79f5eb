package dev.sluice.bench.http;

import dev.sluice.bench.Csv;
import dev.sluice.bench.Processes;
import dev.sluice.bench.Progress;
import dev.sluice.bench.load.ProfileSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Part 3: {@code wrk} against {@code ./sluice serve} (in memory, and with Redis when this build
 * supports {@code --redis}) and against nginx answering {@code return 200} (the ceiling of HTTP on
 * this machine), all on loopback, keep-alive, 64 connections on 2 wrk threads. Every request is
 * {@code POST /v1/acquire} with a JSON body naming one of 100,000 keys in turn; the policy is a
 * bucket of 10^9 refilled at 10^7/s, so the service allows and writes on every request.
 */
public final class HttpBench {

  static final String PART = "3/3 http";

  /** The ceiling: nginx answering {@code return 200}. */
  public static final String CEILING = "nginx-return-200";

  /** Targets, in report order. */
  public static final List<String> TARGETS = List.of(CEILING, "sluice-memory", "sluice-redis");

  /** How long the unmeasured profiling pass of a Sluice server lasts. */
  public static final int PROFILE_SECONDS = 10;

  /**
   * Warm-up windows in a row whose rates differ by at most this fraction: the server has settled. A
   * fresh {@code sluice serve} on two shared cores ran 7.8k, 27.9k, 39.5k then 42.5k requests/s in
   * its first four 10 s windows, so a fixed warm-up measured a JIT still compiling.
   */
  public static final double SETTLED = 0.05;

  /**
   * At most this many warm-up windows; a target that has not settled by then is measured anyway.
   */
  public static final int MAX_WARMUP_WINDOWS = 12;

  private HttpBench() {}

  /**
   * Runs every target.
   *
   * @param root the repository (for {@code ./sluice})
   * @param redisUri the benchmark's Redis
   * @param out the results directory
   * @param warmupSeconds one warm-up window of wrk, repeated until the rate settles
   * @param seconds wrk's measured run
   * @param connections concurrent connections
   */
  public static void run(
      Path root, String redisUri, Path out, int warmupSeconds, int seconds, int connections) {
    Path dir;
    try {
      dir = Files.createTempDirectory("sluice-bench-http-");
      Files.writeString(dir.resolve("acquire.lua"), WRK_SCRIPT);
      Files.writeString(
          dir.resolve("sluice.yaml"),
          "policies:\n  default: { capacity: 1000000000, refill: 10000000/s }\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int i = 1;
    for (String target : TARGETS) {
      Progress.point(
          PART,
          i++,
          TARGETS.size(),
          target
              + ": wrk, "
              + connections
              + " connections, keep-alive, "
              + warmupSeconds
              + " s warm-up windows until two agree within "
              + Math.round(SETTLED * 100)
              + "%, then "
              + seconds
              + " s");
      int port = Processes.freePort();
      Path log = dir.resolve(target + ".log");
      Process server = null;
      try {
        server =
            switch (target) {
              case CEILING -> startNginx(dir, port, log);
              case "sluice-memory" -> startSluice(root, dir, port, log, null, List.of());
              default -> startSluice(root, dir, port, log, redisUri, List.of());
            };
        Processes.awaitPort(server, port, 180, log);
        String url = "http://127.0.0.1:" + port + "/v1/acquire";
        List<Double> warmup = warmUp(dir, url, connections, warmupSeconds);
        Map<String, Double> r = wrk(dir, url, connections, seconds);
        double duration = r.get("duration_us") / 1e6;
        double rps = rps(r);
        Csv.append(
            out.resolve("http.csv"),
            Csv.row(
                "target",
                target,
                "connections",
                connections,
                "seconds",
                duration,
                "requests",
                r.get("requests").longValue(),
                "rps",
                rps,
                "non2xx",
                r.get("non2xx").longValue(),
                "errors",
                r.get("errors").longValue(),
                "p50_us",
                r.get("p50"),
                "p90_us",
                r.get("p90"),
                "p99_us",
                r.get("p99"),
                "p999_us",
                r.get("p999"),
                "max_us",
                r.get("max"),
                "warmup_rps",
                warmup.stream()
                    .map(rate -> Long.toString(Math.round(rate)))
                    .collect(Collectors.joining(";")),
                "note",
                ""));
        Progress.line(
            PART,
            String.format(
                "    %,.0f requests/s, p50 %.0f us, p99 %.0f us, p99.9 %.0f us, %d non-2xx",
                rps, r.get("p50"), r.get("p99"), r.get("p999"), r.get("non2xx").longValue()));
        if (!target.equals(CEILING)) {
          profile(server, dir, url, connections, target, out.resolve("http-profile.csv"));
        }
      } catch (RuntimeException e) {
        String reason = e.getMessage() == null ? e.toString() : e.getMessage();
        reason = reason.replaceAll("[,\\r\\n]+", ";");
        if (reason.length() > 300) {
          reason = reason.substring(0, 300);
        }
        Csv.append(
            out.resolve("http.csv"),
            Csv.row(
                "target",
                target,
                "connections",
                connections,
                "seconds",
                0,
                "requests",
                0,
                "rps",
                Double.NaN,
                "non2xx",
                0,
                "errors",
                0,
                "p50_us",
                Double.NaN,
                "p90_us",
                Double.NaN,
                "p99_us",
                Double.NaN,
                "p999_us",
                Double.NaN,
                "max_us",
                Double.NaN,
                "warmup_rps",
                "",
                "note",
                "not run: " + reason));
        Progress.line(PART, "    not run: " + reason);
      } finally {
        Processes.stop(server);
      }
    }
  }

  /**
   * Runs wrk windows of {@code seconds} until the last two rates agree within {@link #SETTLED}, or
   * {@link #MAX_WARMUP_WINDOWS} have run.
   *
   * @return each window's requests per second, in order
   */
  private static List<Double> warmUp(Path dir, String url, int connections, int seconds) {
    List<Double> rates = new ArrayList<>();
    while (rates.size() < MAX_WARMUP_WINDOWS && !settled(rates)) {
      rates.add(rps(wrk(dir, url, connections, seconds)));
      Progress.line(
          PART,
          String.format(
              "    warm-up window %d: %,.0f requests/s",
              rates.size(), rates.get(rates.size() - 1)));
    }
    return rates;
  }

  /** The requests per second of one wrk run's RESULT line. */
  private static double rps(Map<String, Double> result) {
    return result.get("requests") / (result.get("duration_us") / 1e6);
  }

  /**
   * Whether the last two warm-up rates agree within {@link #SETTLED}.
   *
   * @param rates the windows' requests per second, in order
   * @return whether the server has settled
   */
  public static boolean settled(List<Double> rates) {
    if (rates.size() < 2) {
      return false;
    }
    double last = rates.get(rates.size() - 1);
    double before = rates.get(rates.size() - 2);
    return Math.abs(last - before) <= SETTLED * Math.max(last, before);
  }

  private static Process startNginx(Path dir, int port, Path log) {
    Path prefix = dir.resolve("nginx");
    try {
      Files.createDirectories(prefix.resolve("temp"));
      Files.writeString(
          prefix.resolve("nginx.conf"),
          """
          worker_processes auto;
          pid %1$s/nginx.pid;
          error_log %1$s/error.log warn;
          events { worker_connections 1024; }
          http {
            access_log off;
            client_body_temp_path %1$s/temp/body;
            proxy_temp_path %1$s/temp/proxy;
            fastcgi_temp_path %1$s/temp/fastcgi;
            uwsgi_temp_path %1$s/temp/uwsgi;
            scgi_temp_path %1$s/temp/scgi;
            keepalive_requests 10000000;
            server {
              listen 127.0.0.1:%2$d;
              location / {
                default_type application/json;
                return 200 '{"allowed":true}';
              }
            }
          }
          """
              .formatted(prefix, port));
      return new ProcessBuilder(
              "nginx",
              "-p",
              prefix.toString(),
              "-c",
              prefix.resolve("nginx.conf").toString(),
              "-g",
              "daemon off;")
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start nginx: " + e.getMessage(), e);
    }
  }

  /** Starts {@code ./sluice serve} on {@code port}, with {@code extra} arguments. */
  static Process startSluice(
      Path root, Path dir, int port, Path log, String redisUri, List<String> extra) {
    List<String> command =
        new ArrayList<>(
            List.of(
                root.resolve("sluice").toString(),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--config",
                dir.resolve("sluice.yaml").toString()));
    if (redisUri != null) {
      command.addAll(List.of("--redis", redisUri));
    }
    command.addAll(extra);
    try {
      ProcessBuilder builder =
          new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().remove("SLUICE_ADMIN_TOKEN");
      return builder.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start ./sluice: " + e.getMessage(), e);
    }
  }

  /**
   * The server's side of the same load: a separate, unmeasured wrk pass while JFR (started in the
   * running server with {@code jcmd}, {@code profile} settings) samples it, summarised by top frame
   * into {@code csv}.
   */
  private static void profile(
      Process server, Path dir, String url, int connections, String target, Path csv) {
    Path jfr = dir.resolve(target + ".jfr");
    String pid = Long.toString(server.pid());
    Progress.line(PART, "    profiling the server with JFR for " + PROFILE_SECONDS + " s");
    Processes.run(
        60, List.of("jcmd", pid, "JFR.start", "name=bench", "settings=profile", "filename=" + jfr));
    wrk(dir, url, connections, PROFILE_SECONDS);
    Processes.run(60, List.of("jcmd", pid, "JFR.stop", "name=bench"));
    ProfileSummary.summarise(jfr, target, csv);
  }

  private static Map<String, Double> wrk(Path dir, String url, int connections, int seconds) {
    String output =
        Processes.run(
            seconds + 60L,
            List.of(
                "wrk",
                "-t",
                "2",
                "-c",
                Integer.toString(connections),
                "-d",
                seconds + "s",
                "--timeout",
                "10s",
                "-s",
                dir.resolve("acquire.lua").toString(),
                url));
    String result =
        output
            .lines()
            .filter(l -> l.startsWith("RESULT "))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("wrk printed no RESULT line: " + output));
    Map<String, Double> values = new HashMap<>();
    for (String field : result.substring("RESULT ".length()).trim().split(" ")) {
      String[] kv = field.split("=");
      values.put(kv[0], Double.parseDouble(kv[1]));
    }
    return values;
  }

  /** POSTs one of 100,000 keys in turn; prints the summary in one machine-readable line. */
  static final String WRK_SCRIPT =
      """
      wrk.method = "POST"
      wrk.headers["Content-Type"] = "application/json"
      local n = 0
      request = function()
        n = n + 1
        return wrk.format(nil, nil, nil, '{"key":"k' .. (n % 100000) .. '"}')
      end
      done = function(summary, latency, requests)
        local e = summary.errors
        io.write(string.format("RESULT requests=%d duration_us=%d non2xx=%d errors=%d p50=%d p90=%d p99=%d p999=%d max=%d\\n",
          summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
          latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max))
      end
      """;

  /**
   * For a quick manual check: {@code java -cp sluice-bench.jar dev.sluice.bench.http.HttpBench ROOT
   * URI OUT}.
   *
   * @param args root, Redis URI, output directory
   */
  public static void main(String[] args) {
    run(Path.of(args[0]), args[1], Path.of(args[2]), 2, 5, 64);
  }
}

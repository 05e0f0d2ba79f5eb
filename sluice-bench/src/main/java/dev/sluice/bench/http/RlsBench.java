package dev.sluice.bench.http;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import dev.sluice.bench.Csv;
import dev.sluice.bench.Processes;
import dev.sluice.bench.Progress;
import dev.sluice.envoy.proto.descriptor.RateLimitDescriptor;
import dev.sluice.envoy.proto.rls.RateLimitRequest;
import dev.sluice.envoy.proto.rls.RateLimitResponse;
import dev.sluice.envoy.proto.rls.RateLimitServiceGrpc;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Part 4: Envoy's rate limit service against the HTTP API on one {@code ./sluice serve} (in
 * memory): {@code ShouldRateLimit} over gRPC and {@code POST /v1/acquire} over HTTP/2 (h2c), 64
 * requests in flight, closed loop, every request allowed and written, from two clients:
 *
 * <ul>
 *   <li>{@code h2load} (Debian's nghttp2-client), a C client sending the same prebuilt bytes for
 *       both (the gRPC message framed here): 4 connections of 16 streams, one thread, in {@value
 *       #ROUNDS} alternating rounds, since one server's JIT and the machine's noise move a single
 *       run by 20%. Its per-request log gives the latencies. This compares the server's two paths.
 *   <li>the Java client of this process (Armeria, one HTTP/2 connection each): what a JVM caller
 *       sees, the client's own costs included (a gRPC stub and protobuf against a prebuilt JSON
 *       body), on the same two cores as the server.
 * </ul>
 */
public final class RlsBench {

  private static final String PART = "part4";

  /** Targets, in report order. */
  public static final List<String> TARGETS = List.of("grpc-should-rate-limit", "http2-acquire");

  /** Load clients, in report order. */
  public static final List<String> CLIENTS = List.of("h2load", "java");

  /** Rounds of h2load over both targets. */
  public static final int ROUNDS = 3;

  /** How many warm-ups of a round the first warm-up of each target lasts. */
  private static final int FIRST_WARMUP = 8;

  private static final String GRPC_PATH =
      "/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit";

  private RlsBench() {}

  /**
   * Runs both targets on one server, from both clients.
   *
   * @param root the repository (for {@code ./sluice})
   * @param out the results directory
   * @param warmupSeconds the warm-up run of each target
   * @param seconds the measured run of each target
   * @param inFlight requests in flight
   */
  public static void run(Path root, Path out, int warmupSeconds, int seconds, int inFlight) {
    // This part may run alone, after the others: its rows say when, on which commit and load.
    Run run =
        new Run(
            out.resolve("rls.csv"),
            LocalDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS).toString(),
            Processes.commit(root),
            Processes.awaitQuiet(PART),
            inFlight);
    RateLimitRequest request =
        RateLimitRequest.newBuilder()
            .setDomain("bench")
            .addDescriptors(
                RateLimitDescriptor.newBuilder()
                    .addEntries(RateLimitDescriptor.Entry.newBuilder().setKey("key").setValue("k")))
            .build();
    Path dir;
    try {
      dir = Files.createTempDirectory("sluice-bench-rls-");
      Files.writeString(
          dir.resolve("sluice.yaml"),
          "policies:\n  default: { capacity: 1000000000, refill: 10000000/s }\n");
      Files.writeString(
          dir.resolve("rls.yaml"),
          "domain: bench\ndescriptors:\n  - key: key\n    rate_limit: { unit: second,"
              + " requests_per_unit: 1000000000 }\n");
      Files.write(dir.resolve("grpc.bin"), framed(request.toByteArray()));
      Files.writeString(dir.resolve("http.json"), HTTP_BODY);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int port = Processes.freePort();
    int grpcPort = Processes.freePort();
    Path log = dir.resolve("sluice.log");
    Process server = null;
    ClientFactory factory = ClientFactory.builder().build();
    try {
      server =
          HttpBench.startSluice(
              root,
              dir,
              port,
              log,
              null,
              List.of(
                  "--rls-config",
                  dir.resolve("rls.yaml").toString(),
                  "--grpc-port",
                  Integer.toString(grpcPort)));
      Processes.awaitPort(server, port, 180, log);
      Processes.awaitPort(server, grpcPort, 60, log);
      Map<String, H2load> h2load =
          Map.of(
              TARGETS.get(0),
              new H2load(
                  "http://127.0.0.1:" + grpcPort + GRPC_PATH,
                  dir.resolve("grpc.bin"),
                  List.of("content-type: application/grpc", "te: trailers")),
              TARGETS.get(1),
              new H2load(
                  "http://127.0.0.1:" + port + "/v1/acquire",
                  dir.resolve("http.json"),
                  List.of("content-type: application/json")));
      if (Processes.quietly("", "sh", "-c", "command -v h2load").isEmpty()) {
        for (String target : TARGETS) {
          run.notRun("h2load", target, "h2load not found (Debian's nghttp2-client)");
        }
      } else {
        // A fresh server's JIT takes long on two shared cores: measured here, after 3 s the gRPC
        // path ran at a quarter of its speed, and both paths still gained after 40 s.
        for (String target : TARGETS) {
          announce("h2load warm-up", target, 0, FIRST_WARMUP * warmupSeconds, inFlight);
          h2load.get(target).measure(dir, inFlight, FIRST_WARMUP * warmupSeconds, false);
        }
        for (int round = 1; round <= ROUNDS; round++) {
          for (String target : TARGETS) {
            announce(
                "h2load round " + round + " of " + ROUNDS,
                target,
                warmupSeconds,
                seconds,
                inFlight);
            H2load load = h2load.get(target);
            load.measure(dir, inFlight, warmupSeconds, false);
            run.record("h2load", round, target, load.measure(dir, inFlight, seconds, true));
          }
        }
      }
      RateLimitServiceGrpc.RateLimitServiceStub grpc =
          GrpcClients.builder("h2c://127.0.0.1:" + grpcPort)
              .factory(factory)
              .responseTimeout(Duration.ofSeconds(10))
              .build(RateLimitServiceGrpc.RateLimitServiceStub.class);
      WebClient http =
          WebClient.builder("h2c://127.0.0.1:" + port)
              .factory(factory)
              .responseTimeout(Duration.ofSeconds(10))
              .build();
      for (String target : TARGETS) {
        announce("java client", target, warmupSeconds, seconds, inFlight);
        Caller caller =
            target.equals("grpc-should-rate-limit") ? grpcCaller(grpc, request) : httpCaller(http);
        measure(caller, inFlight, warmupSeconds);
        run.record("java", 1, target, measure(caller, inFlight, seconds));
      }
    } catch (RuntimeException e) {
      String reason = String.valueOf(e.getMessage()).replaceAll("[,\\r\\n]+", ";");
      for (String client : CLIENTS) {
        for (String target : TARGETS) {
          if (!run.done(client, target)) {
            run.notRun(client, target, "not run: " + reason);
          }
        }
      }
      Progress.line(PART, "    not run: " + reason);
    } finally {
      factory.close();
      Processes.stop(server);
    }
  }

  private static final String HTTP_BODY = "{\"key\":\"k\"}";

  private static void announce(
      String what, String target, int warmupSeconds, int seconds, int inFlight) {
    Progress.line(
        PART,
        "  "
            + what
            + ", "
            + target
            + ": "
            + inFlight
            + " in flight, "
            + warmupSeconds
            + " s warm-up + "
            + seconds
            + " s");
  }

  /** A gRPC message in its length-prefixed frame: not compressed, 4 bytes of length. */
  static byte[] framed(byte[] message) {
    byte[] frame = new byte[5 + message.length];
    frame[1] = (byte) (message.length >>> 24);
    frame[2] = (byte) (message.length >>> 16);
    frame[3] = (byte) (message.length >>> 8);
    frame[4] = (byte) message.length;
    System.arraycopy(message, 0, frame, 5, message.length);
    return frame;
  }

  /** The rows of one run of this part, with its date, commit and load. */
  private static final class Run {
    private final Path csv;
    private final String date;
    private final String commit;
    private final String loadAtStart;
    private final int inFlight;
    private final Set<String> done = new HashSet<>();

    Run(Path csv, String date, String commit, String loadAtStart, int inFlight) {
      this.csv = csv;
      this.date = date;
      this.commit = commit;
      this.loadAtStart = loadAtStart;
      this.inFlight = inFlight;
    }

    boolean done(String client, String target) {
      return done.contains(client + " " + target);
    }

    void record(String client, int round, String target, Result r) {
      done.add(client + " " + target);
      append(client, round, target, r, "");
      Progress.line(
          PART,
          String.format(
              "    %,.0f decisions/s, p50 %.0f us, p99 %.0f us, %d errors",
              r.ok / r.seconds,
              r.latency.getValueAtPercentile(50) / 1e3,
              r.latency.getValueAtPercentile(99) / 1e3,
              r.errors));
    }

    void notRun(String client, String target, String note) {
      append(client, 0, target, null, note);
    }

    /** A row; {@code r} is null when the target was not run. */
    private void append(String client, int round, String target, Result r, String note) {
      Csv.append(
          csv,
          Csv.row(
              "client",
              client,
              "round",
              round,
              "target",
              target,
              "in_flight",
              inFlight,
              "seconds",
              r == null ? 0 : r.seconds,
              "requests",
              r == null ? 0 : r.ok,
              "rps",
              r == null ? Double.NaN : r.ok / r.seconds,
              "errors",
              r == null ? 0 : r.errors,
              "p50_us",
              r == null ? Double.NaN : r.latency.getValueAtPercentile(50) / 1e3,
              "p99_us",
              r == null ? Double.NaN : r.latency.getValueAtPercentile(99) / 1e3,
              "p999_us",
              r == null ? Double.NaN : r.latency.getValueAtPercentile(99.9) / 1e3,
              "date",
              date,
              "commit",
              commit,
              "load_at_start",
              loadAtStart,
              "load_at_end",
              Processes.load(),
              "note",
              note));
    }
  }

  /** One asynchronous call: completes {@code done} with whether it succeeded. */
  @FunctionalInterface
  private interface Caller {
    void call(Consumer<Boolean> done);
  }

  private static Caller grpcCaller(
      RateLimitServiceGrpc.RateLimitServiceStub grpc, RateLimitRequest request) {
    return done ->
        grpc.shouldRateLimit(
            request,
            new StreamObserver<>() {
              @Override
              public void onNext(RateLimitResponse response) {
                done.accept(response.getOverallCode() == RateLimitResponse.Code.OK);
              }

              @Override
              public void onError(Throwable t) {
                done.accept(false);
              }

              @Override
              public void onCompleted() {}
            });
  }

  private static Caller httpCaller(WebClient http) {
    RequestHeaders headers =
        RequestHeaders.builder(HttpMethod.POST, "/v1/acquire")
            .contentType(MediaType.JSON_UTF_8)
            .build();
    return done -> {
      var unused =
          http.execute(HttpRequest.of(headers, HttpData.ofUtf8(HTTP_BODY)))
              .aggregate()
              .whenComplete(
                  (response, error) ->
                      done.accept(error == null && response.status().code() == 200));
    };
  }

  /** What one measured run gave: answers, errors, its length and the latency of each answer. */
  record Result(long ok, long errors, double seconds, Histogram latency) {}

  /** {@code inFlight} closed loops for {@code seconds}: each call starts when the last ends. */
  private static Result measure(Caller caller, int inFlight, int seconds) {
    ConcurrentHistogram latency = new ConcurrentHistogram(3);
    AtomicLong ok = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    long begin = System.nanoTime();
    long deadline = begin + TimeUnit.SECONDS.toNanos(seconds);
    CountDownLatch finished = new CountDownLatch(inFlight);
    for (int i = 0; i < inFlight; i++) {
      loop(caller, deadline, latency, ok, errors, finished);
    }
    try {
      if (!finished.await(seconds + 30L, TimeUnit.SECONDS)) {
        throw new IllegalStateException("calls still in flight 30 s after the end");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    return new Result(ok.get(), errors.get(), (System.nanoTime() - begin) / 1e9, latency);
  }

  private static void loop(
      Caller caller,
      long deadline,
      Histogram latency,
      AtomicLong ok,
      AtomicLong errors,
      CountDownLatch finished) {
    long start = System.nanoTime();
    if (start >= deadline) {
      finished.countDown();
      return;
    }
    caller.call(
        success -> {
          latency.recordValue(System.nanoTime() - start);
          (success ? ok : errors).incrementAndGet();
          loop(caller, deadline, latency, ok, errors, finished);
        });
  }
}

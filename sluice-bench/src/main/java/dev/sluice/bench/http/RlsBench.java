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
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Part 4: Envoy's rate limit service against the HTTP API on one {@code ./sluice serve} (in
 * memory): {@code ShouldRateLimit} over gRPC and {@code POST /v1/acquire} over HTTP/2 (h2c), both
 * from the same Java client (Armeria, one HTTP/2 connection each), 64 requests in flight, closed
 * loop, every request allowed and written. Latency is recorded per request in an HdrHistogram.
 */
public final class RlsBench {

  private static final String PART = "part4";

  /** Targets, in report order. */
  public static final List<String> TARGETS = List.of("grpc-should-rate-limit", "http2-acquire");

  private RlsBench() {}

  /**
   * Runs both targets on one server.
   *
   * @param root the repository (for {@code ./sluice})
   * @param out the results directory
   * @param warmupSeconds the warm-up run of each target
   * @param seconds the measured run of each target
   * @param inFlight requests in flight
   */
  public static void run(Path root, Path out, int warmupSeconds, int seconds, int inFlight) {
    // This part may run alone, after the others: its rows say when, on which commit and load.
    String date = LocalDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS).toString();
    String commit =
        Processes.quietly("?", "git", "-C", root.toString(), "describe", "--always", "--dirty");
    String loadAtStart = load();
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
      int i = 1;
      for (String target : TARGETS) {
        Progress.point(
            PART,
            i++,
            TARGETS.size(),
            target
                + ": "
                + inFlight
                + " in flight, "
                + warmupSeconds
                + " s warm-up + "
                + seconds
                + " s");
        Caller caller =
            target.equals("grpc-should-rate-limit") ? grpcCaller(grpc) : httpCaller(http);
        measure(caller, inFlight, warmupSeconds);
        Result r = measure(caller, inFlight, seconds);
        Csv.append(
            out.resolve("rls.csv"),
            Csv.row(
                "target",
                target,
                "in_flight",
                inFlight,
                "seconds",
                r.seconds,
                "requests",
                r.ok,
                "rps",
                r.ok / r.seconds,
                "errors",
                r.errors,
                "p50_us",
                r.latency.getValueAtPercentile(50) / 1e3,
                "p99_us",
                r.latency.getValueAtPercentile(99) / 1e3,
                "p999_us",
                r.latency.getValueAtPercentile(99.9) / 1e3,
                "date",
                date,
                "commit",
                commit,
                "load_at_start",
                loadAtStart,
                "load_at_end",
                load(),
                "note",
                ""));
        Progress.line(
            PART,
            String.format(
                "    %,.0f decisions/s, p50 %.0f us, p99 %.0f us, %d errors",
                r.ok / r.seconds,
                r.latency.getValueAtPercentile(50) / 1e3,
                r.latency.getValueAtPercentile(99) / 1e3,
                r.errors));
      }
    } catch (RuntimeException e) {
      String reason = String.valueOf(e.getMessage()).replaceAll("[,\\r\\n]+", ";");
      for (String target : TARGETS) {
        Csv.append(
            out.resolve("rls.csv"),
            Csv.row(
                "target",
                target,
                "in_flight",
                inFlight,
                "seconds",
                0,
                "requests",
                0,
                "rps",
                Double.NaN,
                "errors",
                0,
                "p50_us",
                Double.NaN,
                "p99_us",
                Double.NaN,
                "p999_us",
                Double.NaN,
                "date",
                date,
                "commit",
                commit,
                "load_at_start",
                loadAtStart,
                "load_at_end",
                load(),
                "note",
                "not run: " + reason));
      }
      Progress.line(PART, "    not run: " + reason);
    } finally {
      factory.close();
      Processes.stop(server);
    }
  }

  /** The first three fields of /proc/loadavg. */
  private static String load() {
    String[] fields = Processes.quietly("", "cat", "/proc/loadavg").trim().split(" ");
    return fields.length >= 3 ? fields[0] + " " + fields[1] + " " + fields[2] : "?";
  }

  /** One asynchronous call: completes {@code done} with whether it succeeded. */
  @FunctionalInterface
  private interface Caller {
    void call(Consumer<Boolean> done);
  }

  private static Caller grpcCaller(RateLimitServiceGrpc.RateLimitServiceStub grpc) {
    RateLimitRequest request =
        RateLimitRequest.newBuilder()
            .setDomain("bench")
            .addDescriptors(
                RateLimitDescriptor.newBuilder()
                    .addEntries(RateLimitDescriptor.Entry.newBuilder().setKey("key").setValue("k")))
            .build();
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
          http.execute(HttpRequest.of(headers, HttpData.ofUtf8("{\"key\":\"k\"}")))
              .aggregate()
              .whenComplete(
                  (response, error) ->
                      done.accept(error == null && response.status().code() == 200));
    };
  }

  private record Result(long ok, long errors, double seconds, Histogram latency) {}

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

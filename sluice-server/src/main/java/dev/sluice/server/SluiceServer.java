package dev.sluice.server;

import com.linecorp.armeria.common.logging.RequestLogProperty;
import com.linecorp.armeria.server.GracefulShutdown;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.grpc.GrpcService;
import dev.sluice.Backend;
import dev.sluice.RateLimiter;
import dev.sluice.ResilientBackend;
import dev.sluice.TimeSource;
import dev.sluice.envoy.RlsConfig;
import dev.sluice.envoy.RlsService;
import dev.sluice.redis.Fleet;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running rate-limit service: the limiter, its store, the HTTP server (Armeria), the metrics and,
 * when started from a file, the watcher that reloads it.
 *
 * <p>{@link #close()} shuts down gracefully: new requests are refused with 503 (so that clients and
 * load balancers move on), requests in flight finish (for up to {@link #DRAIN_TIMEOUT}), then the
 * listening socket and the store are closed. Thread-safe.
 */
final class SluiceServer implements AutoCloseable {

  /** The longest a shutdown waits for requests in flight. */
  static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);

  /** How often the configuration file is polled for changes. */
  static final Duration RELOAD_INTERVAL = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(SluiceServer.class);

  private final Path file;
  private final UnaryOperator<ServerConfig> overrides;
  private final ServerMetrics metrics;
  private final RateLimiter limiter;
  private final Server server;
  private final ConfigWatcher watcher;

  /** The policies whose tokens are leased in batches (hybrid mode of a Redis store in Lua mode). */
  private volatile Set<String> hybridPolicies;

  /** The Redis store's failure handling; {@code null} for the memory store. */
  private final ResilientBackend resilient;

  /** The store, below its failure handling: what the warm-up calls first. */
  private final Backend store;

  /** This instance's membership of the fleet Redis counts; {@code null} unless instances: auto. */
  private final Fleet fleet;

  /** Whether the warm-up is done: until then {@code /health/ready} answers 503. */
  private volatile boolean ready;

  private final CompletableFuture<Void> readied = new CompletableFuture<>();

  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private volatile ServerConfig config;
  private volatile boolean started;

  /** When the drain began ({@link System#nanoTime()}); requests that start later are refused. */
  private volatile long drainingSince = Long.MAX_VALUE;

  private boolean closed;

  /** Envoy's rate limit service; {@code null} without RLS configuration. */
  private final RlsService rls;

  /** The gRPC server of {@link #rls}; {@code null} without it. */
  private final Server grpcServer;

  /** The RLS configuration in force. */
  private volatile RlsConfig rlsConfig = RlsConfig.empty();

  private final RlsWatcher rlsWatcher;

  private SluiceServer(
      Path file,
      String text,
      ServerConfig config,
      UnaryOperator<ServerConfig> overrides,
      Duration reloadInterval) {
    this.file = file;
    this.overrides = overrides;
    this.config = config;
    this.metrics = new ServerMetrics();
    this.hybridPolicies = Stores.hybridPolicies(config);
    Stores.Opened opened;
    try {
      opened = Stores.open(config.store(), policy -> hybridPolicies.contains(policy.name()));
    } catch (RuntimeException e) {
      metrics.close();
      throw e;
    }
    this.fleet = opened.fleet();
    this.store = metrics.timed(opened.backend());
    this.resilient =
        config.store().resilience() == null ? null : Stores.protect(store, fleet, config);
    if (resilient != null) {
      metrics.watch(resilient);
    }
    this.limiter =
        RateLimiter.builder()
            .backend(resilient != null ? resilient : store)
            .policies(config.policies())
            .listener(metrics.decisionListener())
            .build();
    HttpApi api =
        new HttpApi(
            limiter,
            metrics,
            () -> this.config.adminToken(),
            () -> this.config.maxWait(),
            () -> ready);
    Path rlsPath = config.rls().config();
    if (rlsPath != null) {
      try {
        this.rlsConfig = RlsConfigLoader.load(rlsPath);
      } catch (RuntimeException e) {
        limiter.close();
        metrics.close();
        throw e;
      }
      this.rls =
          new RlsService(
              limiter,
              () -> rlsConfig,
              () -> this.config.rls().options(),
              TimeSource.system(),
              new RlsMetrics(metrics.registry()));
      this.grpcServer =
          Server.builder()
              .http(new InetSocketAddress(config.host(), config.rls().grpcPort()))
              .service(RlsGrpc.PATH, new RlsGrpc(rls))
              .service(GrpcService.builder().enableHealthCheckService(true).build())
              .gracefulShutdown(
                  GracefulShutdown.builder()
                      .quietPeriod(Duration.ofMillis(100))
                      .timeout(DRAIN_TIMEOUT)
                      .build())
              .build();
      this.rlsWatcher = new RlsWatcher(rlsPath, reloadInterval, next -> rlsConfig = next, metrics);
    } else {
      this.rls = null;
      this.grpcServer = null;
      this.rlsWatcher = null;
    }
    var builder = Server.builder();
    if (rls != null) {
      RlsHttp rlsHttp = new RlsHttp(rls, () -> ready);
      builder.route().post("/json").build(rlsHttp::json);
      builder.route().get("/healthcheck").build(rlsHttp::healthcheck);
    }
    this.server =
        builder
            .http(new InetSocketAddress(config.host(), config.port()))
            .meterRegistry(metrics.registry())
            .maxRequestLength(HttpApi.MAX_BODY_BYTES)
            .gracefulShutdown(
                GracefulShutdown.builder()
                    .quietPeriod(Duration.ofMillis(100))
                    .timeout(DRAIN_TIMEOUT)
                    .build())
            .errorHandler(new JsonResponses())
            .decorator(
                (service, ctx, req) ->
                    arrivedWhileDraining(ctx)
                        ? JsonResponses.shuttingDown()
                        : service.serve(ctx, req))
            .route()
            .post("/v1/acquire")
            .build(api::acquire)
            .route()
            .post("/v1/refund")
            .build(api::refund)
            .route()
            .post("/v1/release")
            .build(api::release)
            .route()
            .get("/v1/buckets/{key}")
            .build(api::peek)
            .route()
            .delete("/v1/buckets/{key}")
            .build(api::reset)
            .route()
            .get("/metrics")
            .build(api::metrics)
            .route()
            .get("/health/live")
            .build(api::live)
            .route()
            .get("/health/ready")
            .build(api::ready)
            .build();
    this.watcher =
        file == null ? null : new ConfigWatcher(file, text, reloadInterval, this::reload, metrics);
  }

  /**
   * Starts a server.
   *
   * @param file the configuration file, or {@code null} for the defaults
   * @param overrides what the command line changes in the configuration (port, host, store, admin
   *     token), applied to the file at start and at every reload
   * @param reloadInterval how often the file is polled for changes
   * @return the running server
   * @throws IllegalArgumentException if the configuration is invalid, its store is not available,
   *     or the server cannot listen on its address
   */
  static SluiceServer start(
      Path file, UnaryOperator<ServerConfig> overrides, Duration reloadInterval) {
    String text = file == null ? null : ConfigLoader.read(file);
    ServerConfig config =
        overrides.apply(
            file == null ? ServerConfig.defaults() : ConfigLoader.parse(file.toString(), text));
    SluiceServer sluice = new SluiceServer(file, text, config, overrides, reloadInterval);
    try {
      sluice.server.start().join();
      if (sluice.grpcServer != null) {
        sluice.grpcServer.start().join();
      }
      sluice.started = true;
    } catch (CompletionException e) {
      sluice.close();
      throw new IllegalArgumentException(
          "cannot listen on "
              + config.host()
              + ":"
              + config.port()
              + ": "
              + e.getCause().getMessage(),
          e.getCause());
    }
    if (sluice.watcher != null) {
      sluice.watcher.start();
    }
    if (sluice.rlsWatcher != null) {
      sluice.rlsWatcher.start();
    }
    Thread warmUp = new Thread(sluice::warmUp, "sluice-warm-up");
    warmUp.setDaemon(true);
    warmUp.start();
    return sluice;
  }

  /**
   * Warms the store and the decision and HTTP paths, then reports ready: {@code /health/ready}
   * answers 200 only once this instance decides at full speed (see {@link WarmUp}).
   */
  private void warmUp() {
    long start = System.nanoTime();
    try {
      WarmUp.decisions(store, limiter.backend(), config.policies().policies().values());
      String host = config.host();
      WarmUp.http(host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host, port());
    } catch (RuntimeException e) {
      log.warn("warm-up failed: {}", e.toString());
    }
    synchronized (this) {
      if (closed) {
        return;
      }
      ready = true;
    }
    readied.complete(null);
    log.info("ready in {} ms", (System.nanoTime() - start) / 1_000_000);
  }

  /** Completes when the instance has finished its warm-up and reports ready. */
  CompletableFuture<Void> ready() {
    return readied;
  }

  /** The port the server listens on (the one picked when the configuration said 0). */
  int port() {
    return server.activeLocalPort();
  }

  /** The gRPC port of Envoy's rate limit service, or -1 when it is off. */
  int grpcPort() {
    return grpcServer == null ? -1 : grpcServer.activeLocalPort();
  }

  /** The configuration in force. */
  ServerConfig config() {
    return config;
  }

  /** A one-line summary of the configuration in force, with the port actually listened on. */
  String summary() {
    return config.withPort(port()).summary();
  }

  /** Completes when the server has stopped. */
  CompletableFuture<Void> stopped() {
    return stopped;
  }

  /**
   * Whether a request arrived after the drain began. Judged by when its headers arrived, not when
   * the service runs (Armeria may run it only once the body is complete), so that a request in
   * flight at SIGTERM is served even if its body comes later.
   */
  private boolean arrivedWhileDraining(ServiceRequestContext ctx) {
    long since = drainingSince;
    return since != Long.MAX_VALUE
        && ctx.log().ensureAvailable(RequestLogProperty.REQUEST_START_TIME).requestStartTimeNanos()
                - since
            >= 0;
  }

  /**
   * Applies a new version of the configuration file: policies, client overrides and admin token.
   */
  private void reload(ServerConfig fromFile) {
    ServerConfig next = overrides.apply(fromFile);
    ServerConfig running = config;
    if (!next.store().equals(running.store())) {
      log.warn(
          "{}: the store changed to {}; restart sluice to use it (still {})",
          file,
          next.store().describe(),
          running.store().describe());
    }
    if (next.port() != running.port() || !next.host().equals(running.host())) {
      log.warn(
          "{}: the address changed to {}:{}; restart sluice to listen there (still {}:{})",
          file,
          next.host(),
          next.port(),
          running.host(),
          running.port());
    }
    if (!next.rls().equals(running.rls())) {
      log.warn(
          "{}: the rls section or server.grpc-port changed; restart sluice to use them (the RLS"
              + " files themselves are reloaded)",
          file);
    }
    Set<String> hybrid = Stores.hybridPolicies(next.withStore(running.store()));
    limiter.setPolicies(next.policies());
    hybridPolicies = hybrid;
    if (resilient != null) {
      Stores.applyOverrides(resilient, next);
    }
    config =
        new ServerConfig(
            next.policies(),
            running.store(),
            running.host(),
            running.port(),
            next.adminToken(),
            next.storeOptions(),
            next.maxWait(),
            running.rls());
    log.info("{}: reloaded: {}", file, summary());
  }

  /**
   * Stops gracefully: refuses new requests, lets requests in flight finish, closes the store. Waits
   * until done; a second call waits for the first.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    drainingSince = System.nanoTime();
    if (started) {
      log.info(
          "stopping: refusing new requests, finishing those in flight (at most {}s)",
          DRAIN_TIMEOUT.toSeconds());
    }
    if (watcher != null) {
      watcher.close();
    }
    if (rlsWatcher != null) {
      rlsWatcher.close();
    }
    try {
      if (grpcServer != null) {
        grpcServer.stop().join();
      }
      server.stop().join();
    } finally {
      try {
        if (fleet != null) {
          fleet.close();
        }
        limiter.close();
      } finally {
        metrics.close();
        if (started) {
          log.info("stopped");
        }
        stopped.complete(null);
      }
    }
  }
}

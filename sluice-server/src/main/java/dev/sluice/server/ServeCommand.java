package dev.sluice.server;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice serve}: the HTTP rate-limit service, until SIGTERM (or Ctrl-C), which stops it
 * gracefully. Interrupting the thread that runs it stops it the same way, for embedding and tests.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the HTTP rate-limit service: POST /v1/acquire, GET|DELETE /v1/buckets/{key}, /metrics,"
          + " /health.",
      "Without --config: in memory, one 'default' policy (token bucket of 10, refill 1/s), port"
          + " 8080.",
      "The configuration file is reloaded when it changes. See docs/configuration.md."
    })
final class ServeCommand implements Callable<Integer> {

  /** The environment variable that sets (and overrides) the admin token. */
  static final String ADMIN_TOKEN_ENV = "SLUICE_ADMIN_TOKEN";

  @Spec CommandSpec spec;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "The YAML configuration file (policies, clients, store, server, admin).")
  Path config;

  @Option(
      names = "--port",
      paramLabel = "N",
      description = "The port; 0 picks a free one (default: server.port of the file, else 8080).")
  Integer port;

  @Option(
      names = "--host",
      paramLabel = "ADDRESS",
      description = "The address to listen on (default: server.host of the file, else 0.0.0.0).")
  String host;

  @Option(
      names = "--redis",
      paramLabel = "URI",
      description =
          "Keep buckets in this Redis (redis://, rediss:// or redis-sentinel://), overriding the"
              + " file's store.")
  String redis;

  @Option(
      names = "--rls-config",
      paramLabel = "PATH",
      description =
          "Serve Envoy's rate limit service (gRPC) from this envoyproxy/ratelimit configuration:"
              + " a YAML file or a directory of them, reloaded when it changes (default: rls.config"
              + " of the file).")
  Path rlsConfig;

  @Option(
      names = "--grpc-port",
      paramLabel = "N",
      description =
          "The gRPC port of the rate limit service; 0 picks a free one (default: server.grpc-port"
              + " of the file, else 8081).")
  Integer grpcPort;

  @Option(
      names = "--redis-cluster",
      description = "With --redis: the URI is a comma-separated list of Redis Cluster seeds.")
  boolean redisCluster;

  @Override
  public Integer call() {
    if (port != null && (port < 0 || port > 65535)) {
      throw new IllegalArgumentException("--port must be between 0 and 65535: " + port);
    }
    if (redis != null) {
      StoreConfig.checkUri("--redis", redis);
    }
    if (grpcPort != null && (grpcPort < 0 || grpcPort > 65535)) {
      throw new IllegalArgumentException("--grpc-port must be between 0 and 65535: " + grpcPort);
    }
    String envToken = System.getenv(ADMIN_TOKEN_ENV);
    if (envToken != null && !envToken.isEmpty()) {
      ServerConfig.checkToken(ADMIN_TOKEN_ENV, envToken);
    }
    SluiceServer server =
        SluiceServer.start(config, overrides(envToken), SluiceServer.RELOAD_INTERVAL);
    Thread hook = new Thread(server::close, "sluice-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    print(server);
    try {
      server.stopped().get();
    } catch (InterruptedException e) {
      server.close();
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      throw new IllegalStateException("the server failed", e.getCause());
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The JVM is already running the hook.
      }
    }
    return 0;
  }

  private UnaryOperator<ServerConfig> overrides(String envToken) {
    return file -> {
      ServerConfig config = file;
      if (port != null) {
        config = config.withPort(port);
      }
      if (host != null) {
        config = config.withHost(host);
      }
      if (redis != null) {
        config = config.withStore(config.store().withRedisUri("--redis", redis, redisCluster));
      }
      if (envToken != null && !envToken.isEmpty()) {
        config = config.withAdminToken(envToken);
      }
      if (rlsConfig != null) {
        config = config.withRls(config.rls().withConfig(rlsConfig.toAbsolutePath()));
      }
      if (grpcPort != null) {
        config = config.withRls(config.rls().withGrpcPort(grpcPort));
      }
      return config;
    };
  }

  private void print(SluiceServer server) {
    ServerConfig running = server.config();
    String host = running.host();
    String local = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
    String url = "http://" + bracketed(local) + ":" + server.port();
    PrintWriter out = spec.commandLine().getOut();
    out.println(
        "sluice: listening on http://"
            + bracketed(host)
            + ":"
            + server.port()
            + (config == null
                ? " (built-in defaults)"
                : " (" + config + ", reloaded when it changes)"));
    if (server.grpcPort() >= 0) {
      out.println(
          "sluice: Envoy rate limit service (gRPC) on http://"
              + bracketed(local)
              + ":"
              + server.grpcPort()
              + " ("
              + running.rls().config()
              + ", reloaded when it changes); POST /json and GET /healthcheck on the HTTP port");
    }
    out.println("sluice: " + server.summary());
    out.println(
        "sluice: try  curl -i "
            + url
            + "/v1/acquire -H 'Content-Type: application/json' -d '{\"key\": \"user123\"}'");
    out.flush();
  }

  private static String bracketed(String host) {
    return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
  }
}

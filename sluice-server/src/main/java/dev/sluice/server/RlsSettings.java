package dev.sluice.server;

import dev.sluice.envoy.RlsOptions;
import java.nio.file.Path;

/**
 * How {@code sluice serve} answers Envoy's rate limit service: where its configuration is, the gRPC
 * port, and the answer's options ({@code rls} and {@code server.grpc-port} of the file, or {@code
 * --rls-config} and {@code --grpc-port}).
 *
 * @param config envoyproxy/ratelimit's configuration, a file or a directory; {@code null} turns the
 *     service off
 * @param grpcPort the gRPC port; 0 picks a free one
 * @param shadowMode the global shadow mode: every answer OK, what would have been over counted
 * @param headers which rate limit headers the answers ask Envoy to add
 */
record RlsSettings(Path config, int grpcPort, boolean shadowMode, RlsOptions.Headers headers) {

  /** envoyproxy/ratelimit's gRPC port. */
  static final int DEFAULT_GRPC_PORT = 8081;

  /** Off, on port 8081 when turned on, no shadow mode, no headers. */
  static final RlsSettings DEFAULT =
      new RlsSettings(null, DEFAULT_GRPC_PORT, false, RlsOptions.Headers.OFF);

  RlsSettings withConfig(Path path) {
    return new RlsSettings(path, grpcPort, shadowMode, headers);
  }

  RlsSettings withGrpcPort(int port) {
    return new RlsSettings(config, port, shadowMode, headers);
  }

  RlsOptions options() {
    return new RlsOptions(shadowMode, headers);
  }
}

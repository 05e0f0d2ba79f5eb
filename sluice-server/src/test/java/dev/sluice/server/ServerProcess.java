package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code java -jar target/sluice.jar serve ...} as its own process, bound to 127.0.0.1 on a free
 * port.
 */
final class ServerProcess implements AutoCloseable {

  private static final Pattern LISTENING =
      Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

  /** The line that names the gRPC port of Envoy's rate limit service, when it is on. */
  private static final Pattern GRPC =
      Pattern.compile("\\(gRPC\\) on http://127\\.0\\.0\\.1:(\\d+)");

  private final Process process;
  private final Path log;
  private final int port;
  private final int grpcPort;

  private ServerProcess(Process process, Path log, int port, int grpcPort) {
    this.process = process;
    this.log = log;
    this.port = port;
    this.grpcPort = grpcPort;
  }

  /**
   * Starts {@code serve --port 0 --host 127.0.0.1} plus {@code args}, and waits until it listens.
   */
  static ServerProcess start(Path dir, Map<String, String> environment, String... args)
      throws IOException {
    Path jar = Path.of("target", "sluice.jar");
    assertThat(jar).as("packaged before integration tests").exists();
    Path log = Files.createTempFile(dir, "stderr", ".log");
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar.toString(),
                "serve",
                "--port",
                "0",
                "--host",
                "127.0.0.1"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(log.toFile());
    builder.environment().putAll(environment);
    Process process = builder.start();
    BufferedReader stdout =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    int port = -1;
    int grpcPort = -1;
    // The HTTP port comes first, the gRPC port (if on) next, then the summary line.
    for (String line = stdout.readLine(); line != null; line = stdout.readLine()) {
      Matcher matcher = LISTENING.matcher(line);
      if (matcher.find()) {
        port = Integer.parseInt(matcher.group(1));
      }
      Matcher grpc = GRPC.matcher(line);
      if (grpc.find()) {
        grpcPort = Integer.parseInt(grpc.group(1));
      }
      if (port >= 0 && !GRPC.matcher(line).find() && !LISTENING.matcher(line).find()) {
        break;
      }
    }
    if (port < 0) {
      process.destroyForcibly();
    }
    assertThat(port).as("the jar printed its port; stderr: %s", Files.readString(log)).isPositive();
    return new ServerProcess(process, log, port, grpcPort);
  }

  int port() {
    return port;
  }

  /** The gRPC port of Envoy's rate limit service, or -1 when it is off. */
  int grpcPort() {
    return grpcPort;
  }

  Process process() {
    return process;
  }

  Path log() {
    return log;
  }

  /** Stops the process (SIGTERM, then SIGKILL after 15 s). */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}

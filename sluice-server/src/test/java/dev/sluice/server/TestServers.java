package dev.sluice.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Starts in-process servers on a free port of 127.0.0.1. */
final class TestServers {

  private TestServers() {}

  /**
   * A server from a configuration file written with {@code yaml}, reloaded every {@code reload},
   * once it reports ready.
   */
  static SluiceServer start(Path file, String yaml, Duration reload) {
    write(file, yaml);
    SluiceServer server =
        SluiceServer.start(file, config -> config.withPort(0).withHost("127.0.0.1"), reload);
    try {
      server.ready().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      server.close();
      throw new IllegalStateException("the server did not report ready", e);
    }
    return server;
  }

  static void write(Path file, String yaml) {
    try {
      Files.writeString(file, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

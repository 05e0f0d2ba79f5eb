package dev.sluice.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Starts in-process servers on a free port of 127.0.0.1. */
final class TestServers {

  private TestServers() {}

  /**
   * A server from a configuration file written with {@code yaml}, reloaded every {@code reload}.
   */
  static SluiceServer start(Path file, String yaml, Duration reload) {
    write(file, yaml);
    return SluiceServer.start(file, config -> config.withPort(0).withHost("127.0.0.1"), reload);
  }

  static void write(Path file, String yaml) {
    try {
      Files.writeString(file, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

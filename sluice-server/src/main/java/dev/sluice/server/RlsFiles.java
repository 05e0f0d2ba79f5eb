package dev.sluice.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The files of an RLS configuration: one YAML file, or every {@code .yaml} and {@code .yml} file
 * under a directory, following links and skipping dot-names (a Kubernetes ConfigMap's {@code
 * ..data} and its timestamped folders), so that a ConfigMap swap reads as one version.
 */
final class RlsFiles {

  private RlsFiles() {}

  /**
   * The files of a path and their texts, in name order.
   *
   * @throws IllegalArgumentException if the path or one of its files cannot be read
   */
  static Map<String, String> read(Path path) {
    Map<String, String> texts = new LinkedHashMap<>();
    if (!Files.isDirectory(path)) {
      texts.put(path.toString(), YamlReader.read(path));
      return texts;
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(path, FileVisitOption.FOLLOW_LINKS)) {
      files =
          walk.filter(file -> !hidden(path, file))
              .filter(Files::isRegularFile)
              .filter(
                  file -> {
                    String name = file.getFileName().toString();
                    return name.endsWith(".yaml") || name.endsWith(".yml");
                  })
              .sorted()
              .toList();
    } catch (IOException | UncheckedIOException e) {
      throw new IllegalArgumentException(path + ": cannot read the RLS configuration: " + e);
    }
    for (Path file : files) {
      texts.put(file.toString(), YamlReader.read(file));
    }
    return texts;
  }

  /** A digest of every file's name and text: what the watcher compares between polls. */
  static String fingerprint(Path path) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      read(path)
          .forEach(
              (name, text) -> {
                digest.update(name.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(text.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
              });
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static boolean hidden(Path root, Path file) {
    for (Path part : root.relativize(file)) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }
}

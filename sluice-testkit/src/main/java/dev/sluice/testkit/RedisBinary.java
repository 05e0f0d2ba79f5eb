package dev.sluice.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code redis-server} executable used by every fixture of this JVM, resolved once.
 *
 * <p>Resolution order:
 *
 * <ol>
 *   <li>the environment variable {@value #ENV_VAR}, if set (it must name an executable file,
 *       otherwise resolution fails rather than silently using another binary);
 *   <li>{@code redis-server} on the {@code PATH};
 *   <li>the Linux or macOS binary shipped as a resource in {@code
 *       com.github.codemonstur:embedded-redis} (a Redis 6.2), extracted to a temp file and made
 *       executable.
 * </ol>
 */
public final class RedisBinary {

  /** Name of the environment variable that points at the redis-server executable to use. */
  public static final String ENV_VAR = "SLUICE_REDIS_SERVER";

  private static final Logger LOG = LoggerFactory.getLogger(RedisBinary.class);
  private static final Pattern VERSION = Pattern.compile("v=(\\d+)\\.(\\d+)(?:\\.(\\d+))?");

  private static RedisBinary instance;

  private final Path path;
  private final String source;
  private final String version;
  private final int majorVersion;

  private RedisBinary(Path path, String source, String version) {
    this.path = path;
    this.source = source;
    this.version = version;
    Matcher m = Pattern.compile("^(\\d+)").matcher(version);
    this.majorVersion = m.find() ? Integer.parseInt(m.group(1)) : 0;
  }

  /**
   * Returns the redis-server binary of this JVM, resolving (and if needed extracting) it on first
   * call.
   *
   * @return the resolved binary
   * @throws IllegalStateException if no usable binary can be found
   */
  public static synchronized RedisBinary get() {
    if (instance == null) {
      instance =
          of(
              resolve(
                  System.getenv(ENV_VAR),
                  System.getenv("PATH"),
                  System.getProperty("os.name"),
                  System.getProperty("os.arch"),
                  null));
      LOG.info("Using {}", instance);
    }
    return instance;
  }

  /** Probes the version of a resolved binary (runs {@code --version}). */
  static RedisBinary of(Resolved resolved) {
    return new RedisBinary(resolved.path(), resolved.source(), probeVersion(resolved.path()));
  }

  /**
   * Returns the path of the executable.
   *
   * @return an absolute path to an executable file
   */
  public Path path() {
    return path;
  }

  /**
   * Returns the version reported by {@code redis-server --version}, e.g. {@code "7.0.15"}.
   *
   * @return the version string
   */
  public String version() {
    return version;
  }

  /**
   * Returns the major version number, e.g. {@code 7} (0 if it could not be parsed).
   *
   * @return the major version
   */
  public int majorVersion() {
    return majorVersion;
  }

  /**
   * Returns where the binary came from: {@value #ENV_VAR}, {@code PATH} or {@code embedded-redis
   * jar}.
   *
   * @return a short human-readable description of the source
   */
  public String source() {
    return source;
  }

  /**
   * Returns a description with path, version and source.
   *
   * @return a human-readable description
   */
  @Override
  public String toString() {
    return "redis-server " + version + " at " + path + " (from " + source + ")";
  }

  /** A resolution result: the executable and where it came from. */
  record Resolved(Path path, String source) {}

  /**
   * Resolves the binary from explicit inputs (the testable core of {@link #get()}).
   *
   * @param envValue value of {@value #ENV_VAR}, or null
   * @param pathVariable value of {@code PATH}, or null
   * @param osName {@code os.name}
   * @param osArch {@code os.arch}
   * @param extractionDir where to extract the embedded binary; null for a fresh temp directory
   *     deleted on exit
   */
  static Resolved resolve(
      String envValue, String pathVariable, String osName, String osArch, Path extractionDir) {
    if (envValue != null && !envValue.isBlank()) {
      Path p = Paths.get(envValue.trim()).toAbsolutePath();
      if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
        throw new IllegalStateException(ENV_VAR + "=" + envValue + " is not an executable file");
      }
      return new Resolved(p, ENV_VAR);
    }
    Path onPath = findOnPath(pathVariable, "redis-server");
    if (onPath != null) {
      return new Resolved(onPath, "PATH");
    }
    String resource = embeddedResourceName(osName, osArch);
    return new Resolved(
        extractEmbedded(resource, extractionDir), "embedded-redis jar (" + resource + ")");
  }

  static Path findOnPath(String pathVariable, String name) {
    if (pathVariable == null) {
      return null;
    }
    for (String entry : pathVariable.split(Pattern.quote(File.pathSeparator))) {
      if (entry.isBlank()) {
        continue;
      }
      Path candidate;
      try {
        candidate = Paths.get(entry).resolve(name);
      } catch (RuntimeException e) {
        continue;
      }
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate.toAbsolutePath();
      }
    }
    return null;
  }

  /**
   * Returns the name of the redis-server resource in the embedded-redis jar for an OS and
   * architecture.
   *
   * @throws IllegalStateException for platforms the jar has no usable binary for (e.g. Windows)
   */
  static String embeddedResourceName(String osName, String osArch) {
    String os = osName == null ? "" : osName.toLowerCase(Locale.ROOT);
    String arch = osArch == null ? "" : osArch.toLowerCase(Locale.ROOT);
    boolean x64 = arch.equals("amd64") || arch.equals("x86_64") || arch.equals("x64");
    boolean arm64 = arch.equals("aarch64") || arch.equals("arm64");
    boolean x86 =
        arch.equals("x86")
            || arch.equals("i386")
            || arch.equals("i486")
            || arch.equals("i586")
            || arch.equals("i686");
    if (os.contains("linux")) {
      if (x64) {
        return "redis-server-6.2.6-v5-linux-amd64";
      }
      if (arm64) {
        return "redis-server-6.2.7-linux-arm64";
      }
      if (x86) {
        return "redis-server-6.2.7-linux-386";
      }
    } else if (os.contains("mac") || os.contains("darwin")) {
      if (x64) {
        return "redis-server-6.2.6-v5-darwin-amd64";
      }
      if (arm64) {
        return "redis-server-6.2.6-v5-darwin-arm64";
      }
    }
    throw new IllegalStateException(
        "No redis-server found: set "
            + ENV_VAR
            + " or put redis-server on the PATH"
            + " (the embedded-redis jar has no binary usable on "
            + osName
            + "/"
            + osArch
            + ")");
  }

  /**
   * Extracts a binary resource of the embedded-redis jar to {@code dir} (or a temp dir) and makes
   * it executable.
   */
  static Path extractEmbedded(String resource, Path dir) {
    try (InputStream in = RedisBinary.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(
            "No redis-server found: set "
                + ENV_VAR
                + ", put redis-server on the"
                + " PATH, or add com.github.codemonstur:embedded-redis to the classpath (resource "
                + resource
                + " not found)");
      }
      Path targetDir = dir;
      if (targetDir == null) {
        targetDir = Files.createTempDirectory("sluice-testkit-bin-");
        targetDir.toFile().deleteOnExit();
      }
      Path target = targetDir.resolve(resource);
      Path tmp = Files.createTempFile(targetDir, resource, ".part");
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
      } catch (UnsupportedOperationException e) {
        if (!tmp.toFile().setExecutable(true)) {
          throw new IOException("cannot make " + tmp + " executable", e);
        }
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      if (dir == null) {
        target.toFile().deleteOnExit();
      }
      return target.toAbsolutePath();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot extract " + resource + " from the embedded-redis jar", e);
    }
  }

  /**
   * Runs {@code binary --version} and returns the version it reports (e.g. {@code "7.0.15"}).
   *
   * @throws IllegalStateException if the binary cannot be run or prints no version
   */
  static String probeVersion(Path binary) {
    String output;
    try {
      Process p =
          new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
      try (InputStream in = p.getInputStream()) {
        output = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      }
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(binary + " --version did not finish within 10 s");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            binary + " --version failed (exit " + p.exitValue() + "): " + output);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + binary + " --version", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + binary + " --version", e);
    }
    Matcher m = VERSION.matcher(output);
    if (!m.find()) {
      throw new IllegalStateException(binary + " --version printed no version: " + output);
    }
    return m.group(1) + "." + m.group(2) + (m.group(3) == null ? "" : "." + m.group(3));
  }
}

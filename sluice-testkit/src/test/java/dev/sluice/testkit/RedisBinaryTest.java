package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unit tests of the redis-server resolution order (no process is started). */
class RedisBinaryTest {

  @TempDir Path tmp;

  private Path executable(Path dir, String name) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve(name);
    Files.writeString(file, "#!/bin/sh\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }

  @Test
  void environmentVariableWinsOverPath() throws IOException {
    Path fromEnv = executable(tmp.resolve("env"), "my-redis");
    Path onPath = executable(tmp.resolve("bin"), "redis-server");

    RedisBinary.Resolved resolved =
        RedisBinary.resolve(
            fromEnv.toString(),
            tmp.resolve("bin").toString(),
            "Linux",
            "amd64",
            tmp.resolve("extract"));

    assertThat(resolved.path()).isEqualTo(fromEnv.toAbsolutePath());
    assertThat(resolved.source()).isEqualTo(RedisBinary.ENV_VAR);
    assertThat(onPath).exists();
    assertThat(tmp.resolve("extract")).doesNotExist();
  }

  @Test
  void environmentVariablePointingAtNothingUsableFailsInsteadOfFallingBack() throws IOException {
    Path notExecutable = tmp.resolve("plain-file");
    Files.writeString(notExecutable, "x");
    executable(tmp.resolve("bin"), "redis-server");

    assertThatThrownBy(
            () ->
                RedisBinary.resolve(
                    notExecutable.toString(), tmp.resolve("bin").toString(), "Linux", "amd64", tmp))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(RedisBinary.ENV_VAR);
    assertThatThrownBy(
            () ->
                RedisBinary.resolve(tmp.resolve("missing").toString(), null, "Linux", "amd64", tmp))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is not an executable file");
  }

  @Test
  void blankEnvironmentVariableIsIgnored() throws IOException {
    Path onPath = executable(tmp.resolve("bin"), "redis-server");

    RedisBinary.Resolved resolved =
        RedisBinary.resolve(
            "  ", tmp.resolve("bin").toString(), "Linux", "amd64", tmp.resolve("extract"));

    assertThat(resolved.path()).isEqualTo(onPath.toAbsolutePath());
    assertThat(resolved.source()).isEqualTo("PATH");
  }

  @Test
  void pathIsSearchedInOrderSkippingNonExecutables() throws IOException {
    Path first = tmp.resolve("first");
    Files.createDirectories(first);
    Files.writeString(first.resolve("redis-server"), "not executable");
    Path second = executable(tmp.resolve("second"), "redis-server");
    executable(tmp.resolve("third"), "redis-server");
    String path =
        String.join(
            File.pathSeparator,
            "",
            tmp.resolve("nowhere").toString(),
            first.toString(),
            tmp.resolve("second").toString(),
            tmp.resolve("third").toString());

    RedisBinary.Resolved resolved =
        RedisBinary.resolve(null, path, "Linux", "amd64", tmp.resolve("extract"));

    assertThat(resolved.path()).isEqualTo(second.toAbsolutePath());
  }

  @Test
  void embeddedResourceIsChosenByOsAndArch() {
    assertThat(RedisBinary.embeddedResourceName("Linux", "amd64"))
        .isEqualTo("redis-server-6.2.6-v5-linux-amd64");
    assertThat(RedisBinary.embeddedResourceName("Linux", "x86_64"))
        .isEqualTo("redis-server-6.2.6-v5-linux-amd64");
    assertThat(RedisBinary.embeddedResourceName("Linux", "aarch64"))
        .isEqualTo("redis-server-6.2.7-linux-arm64");
    assertThat(RedisBinary.embeddedResourceName("Linux", "i386"))
        .isEqualTo("redis-server-6.2.7-linux-386");
    assertThat(RedisBinary.embeddedResourceName("Mac OS X", "aarch64"))
        .isEqualTo("redis-server-6.2.6-v5-darwin-arm64");
    assertThat(RedisBinary.embeddedResourceName("Mac OS X", "x86_64"))
        .isEqualTo("redis-server-6.2.6-v5-darwin-amd64");
    assertThatThrownBy(() -> RedisBinary.embeddedResourceName("Windows 11", "amd64"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(RedisBinary.ENV_VAR);
    assertThatThrownBy(() -> RedisBinary.embeddedResourceName("Linux", "riscv64"))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void everyChosenResourceExistsInTheEmbeddedRedisJar() {
    String[][] platforms = {
      {"Linux", "amd64"},
      {"Linux", "aarch64"},
      {"Linux", "x86"},
      {"Mac OS X", "x86_64"},
      {"Mac OS X", "aarch64"},
    };
    for (String[] platform : platforms) {
      String resource = RedisBinary.embeddedResourceName(platform[0], platform[1]);
      assertThat(getClass().getClassLoader().getResource(resource)).as(resource).isNotNull();
    }
  }
}

package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The commands that end before a server starts: config check, and serve with bad input. */
class CommandLineTest {

  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  private Path file(String yaml) throws Exception {
    return Files.writeString(dir.resolve("sluice.yaml"), yaml);
  }

  @Test
  void aProcessTurnsNettysLeakDetectorOffUnlessTheFlagIsGiven() {
    String before = System.getProperty(Main.LEAK_DETECTION);
    try {
      System.clearProperty(Main.LEAK_DETECTION);
      Main.processDefaults();
      assertThat(System.getProperty(Main.LEAK_DETECTION)).isEqualTo("disabled");

      System.setProperty(Main.LEAK_DETECTION, "paranoid");
      Main.processDefaults();
      assertThat(System.getProperty(Main.LEAK_DETECTION)).isEqualTo("paranoid");
    } finally {
      if (before == null) {
        System.clearProperty(Main.LEAK_DETECTION);
      } else {
        System.setProperty(Main.LEAK_DETECTION, before);
      }
    }
  }

  @Test
  void configCheckPrintsOneLineAndExitsZeroWhenValid() throws Exception {
    Path file =
        file(
            "policies:\n"
                + "  default: { capacity: 10, refill: 1/s }\n"
                + "  search: { algorithm: sliding-window, limit: 100, window: 1m }\n");

    assertThat(run("config", "check", file.toString())).isZero();
    assertThat(out.toString())
        .isEqualTo(
            file
                + ": valid: 2 policies (default, search), 0 client overrides,"
                + " store memory, port 8080, admin off"
                + System.lineSeparator());
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void configCheckPrintsFileLineAndExitsTwoWhenInvalid() throws Exception {
    Path file = file("policies:\n  premium:\n    capacity: 100\n    refill: 20/x\n");

    assertThat(run("config", "check", file.toString())).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo(
            "sluice: "
                + file
                + ":4: policies.premium.refill must be <tokens>/<period> such as 1/s, 100/m,"
                + " 10000/d or 5/10s: '20/x'"
                + System.lineSeparator());
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void configCheckReadsTheRlsConfigurationTheFileNames() throws Exception {
    Files.writeString(
        dir.resolve("rls.yaml"),
        "domain: d\n"
            + "descriptors:\n"
            + "  - key: k\n"
            + "    rate_limit: { unit: minute, requests_per_unit: 1 }\n");
    Path file = file("rls: { config: rls.yaml }\n");
    assertThat(run("config", "check", file.toString())).isZero();
    assertThat(out.toString()).endsWith(": 1 RLS domain" + System.lineSeparator());

    Files.writeString(
        dir.resolve("rls.yaml"), "domain: d\ndescriptors:\n  - key: k\n    unit: minute\n");
    assertThat(run("config", "check", file.toString())).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("sluice: " + dir.resolve("rls.yaml") + ":4: unknown key descriptors[0].unit:");
  }

  @Test
  void serveStopsWithExitTwoOnABadFile() throws Exception {
    Path file = file("policies:\n  default: { capacity: 10, refill: 1/s, burst: 5 }\n");

    assertThat(run("serve", "--config", file.toString(), "--port", "0")).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("sluice: " + file + ":2: unknown key policies.default.burst");
  }

  @Test
  void serveRefusesBadOptions() {
    assertThat(run("serve", "--port", "70000")).isEqualTo(2);
    assertThat(err.toString()).contains("sluice: --port must be between 0 and 65535: 70000");
    assertThat(run("serve", "--redis", "localhost:6379")).isEqualTo(2);
    assertThat(err.toString())
        .contains(
            "sluice: --redis must start with redis://, rediss:// or redis-sentinel:// and have no"
                + " spaces: 'localhost:6379'");
  }

  @Test
  void serveStopsWithExitCode3WhenRedisCannotBeReached() throws Exception {
    Path file = file("store: { type: redis, uri: \"redis://127.0.0.1:1\" }\n");

    assertThat(run("serve", "--config", file.toString(), "--port", "0")).isEqualTo(3);
    assertThat(err.toString()).contains("sluice: cannot connect to Redis at redis://127.0.0.1:1");
    assertThat(run("serve", "--redis", "redis://127.0.0.1:1", "--port", "0")).isEqualTo(3);
  }
}

package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.RedisExtension;
import dev.sluice.testkit.RedisNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** {@code sluice demo}: the seed's twelve requests, in memory and on a real Redis in both modes. */
class DemoCommandIT {

  @RegisterExtension static final RedisExtension<RedisNode> REDIS = RedisExtension.single();

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  private List<String> requests() {
    return out.toString().lines().filter(line -> line.startsWith("Request ")).toList();
  }

  private void assertSeedsExample() {
    List<String> lines = requests();
    assertThat(lines).hasSize(12);
    for (int i = 1; i <= 10; i++) {
      assertThat(lines.get(i - 1))
          .isEqualTo("Request " + i + ": Allowed  (remaining " + (10 - i) + ")");
    }
    assertThat(lines.get(10))
        .matches("Request 11: Blocked  \\(remaining 0, retry in (0\\.\\d{3}|1\\.000)s\\)");
    assertThat(lines.get(11))
        .matches("Request 12: Blocked  \\(remaining 0, retry in (0\\.\\d{3}|1\\.000)s\\)");
  }

  @Test
  void printsTheSeedsTenAllowedAndTwoBlockedInMemory() {
    assertThat(run("demo")).isZero();
    assertThat(out.toString())
        .startsWith(
            "Limit: token-bucket(capacity=10, refill=1/s), key 'user123', 12 requests at once, in"
                + " memory");
    assertSeedsExample();
  }

  @ParameterizedTest
  @ValueSource(strings = {"lua", "transaction"})
  void printsTheSameOnRedisAndStartsFromAFreshBucket(String mode) {
    for (int run = 0; run < 2; run++) {
      out.getBuffer().setLength(0);
      assertThat(run("demo", "--redis", REDIS.get().uri(), "--mode", mode)).isZero();
      assertThat(out.toString()).contains("on Redis " + REDIS.get().uri() + " (" + mode + ")");
      assertSeedsExample();
    }
  }

  @Test
  void otherAlgorithmsAndOptions() {
    assertThat(
            run(
                "demo",
                "--algorithm",
                "fixed-window",
                "--capacity",
                "3",
                "--window",
                "1m",
                "--requests",
                "4"))
        .isZero();
    assertThat(requests())
        .hasSize(4)
        .last()
        .asString()
        .startsWith("Request 4: Blocked  (remaining 0, retry in ");
  }

  @Test
  void badOptionsNameTheFieldAndExitWith2() {
    assertThat(run("demo", "--refill", "1/x")).isEqualTo(2);
    assertThat(err.toString())
        .contains(
            "sluice: --refill period must be a whole number followed by one of us, ms, s, m, h, d");
    assertThat(run("demo", "--refill", "0/s")).isEqualTo(2);
    assertThat(err.toString()).contains("sluice: --refill tokens must be between 1 and");
    assertThat(run("demo", "--capacity", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("sluice: --capacity must be between 1 and 1000000000: 0");
    assertThat(run("demo", "--algorithm", "fixed-window", "--window", "0s")).isEqualTo(2);
    assertThat(err.toString()).contains("sluice: --window must be between 1ms and 366d: 0s");
    assertThat(run("demo", "--mode", "wat", "--redis", REDIS.get().uri())).isEqualTo(2);
    assertThat(err.toString()).contains("sluice: --mode must be one of lua, transaction: 'wat'");
    assertThat(run("demo", "--algorithm", "gcra")).isEqualTo(2);
    assertThat(err.toString())
        .contains(
            "sluice: --algorithm must be one of token-bucket, fixed-window, sliding-window,"
                + " sliding-log, leaky-bucket, concurrency: 'gcra'");
  }
}

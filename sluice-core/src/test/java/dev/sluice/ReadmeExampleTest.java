package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README's quick start, compiled and run: the seed's example (10 allowed, then 2 blocked) and
 * tiers with a {@link PolicyRegistry}. The README quotes the lines between the two markers
 * verbatim; what they print is asserted below.
 */
class ReadmeExampleTest {

  @Test
  void quickStart() {
    PrintStream console = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      // README: quick start begins
      RateLimiter limiter = RateLimiter.create(Limit.tokenBucket(10, Rate.perSecond(1)));
      for (int i = 1; i <= 12; i++) {
        Decision decision = limiter.tryAcquire("user123");
        String answer =
            decision.allowed()
                ? "allowed, " + decision.remaining() + " left"
                : "blocked, retry in " + decision.retryAfterMillis() + " ms";
        System.out.println("Request " + i + ": " + answer);
      }

      // Tiers: user123 is premium whatever policy its requests name.
      PolicyRegistry tiers =
          PolicyRegistry.builder()
              .policy(Policy.of("free", Limit.tokenBucket(10, Rate.perSecond(1))))
              .policy(Policy.of("premium", Limit.tokenBucket(100, Rate.perSecond(20))))
              .client("user123", "premium")
              .build();
      RateLimiter tiered = RateLimiter.builder().policies(tiers).build();
      Decision premium = tiered.tryAcquire("user123", "free", 1);
      Decision free = tiered.tryAcquire("user456", "free", 1);
      System.out.printf(
          "%s: %d of %d left%n", premium.policy(), premium.remaining(), premium.limit());
      System.out.printf("%s: %d of %d left%n", free.policy(), free.remaining(), free.limit());
      // README: quick start ends
    } finally {
      System.setOut(console);
    }

    String[] lines = printed.toString(StandardCharsets.UTF_8).split("\\R");
    assertThat(lines).hasSize(14);
    for (int i = 1; i <= 10; i++) {
      assertThat(lines[i - 1]).isEqualTo("Request " + i + ": allowed, " + (10 - i) + " left");
    }
    // Refill is 1/s, so retry comes within a second (less whatever the loop took).
    assertThat(lines[10]).matches("Request 11: blocked, retry in ([1-9][0-9]{0,2}|1000) ms");
    assertThat(lines[11]).matches("Request 12: blocked, retry in ([1-9][0-9]{0,2}|1000) ms");
    assertThat(lines[12]).isEqualTo("premium: 99 of 100 left");
    assertThat(lines[13]).isEqualTo("free: 9 of 10 left");
  }

  @Test
  void theReadmeQuotesTheQuickStartVerbatim() throws IOException {
    List<String> source =
        Files.readAllLines(Path.of("src/test/java/dev/sluice/ReadmeExampleTest.java"));
    int begin = source.indexOf("      // README: quick start begins");
    int end = source.indexOf("      // README: quick start ends");
    String snippet =
        source.subList(begin + 1, end).stream()
            .map(line -> line.length() >= 6 ? line.substring(6) : line.strip())
            .collect(Collectors.joining("\n"));
    assertThat(Files.readString(Path.of("../README.md"))).contains("```java\n" + snippet + "\n```");
  }
}

package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Limit;
import dev.sluice.envoy.RlsConfig;
import dev.sluice.envoy.RlsRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * envoyproxy/ratelimit's configuration format: what is read, and what is refused with file:line.
 */
class RlsConfigLoaderTest {

  @TempDir Path dir;

  private RlsConfig load(String yaml) throws IOException {
    return RlsConfigLoader.load(Files.writeString(dir.resolve("rls.yaml"), yaml));
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of(
            "domain: d\ndescriptors:\n  - key: k\n    rate_limit: { unit: second,"
                + " requests_per_unit: 3, algorithm: concurrency }\n",
            ":4: descriptors[0].rate_limit.algorithm must limit a rate: concurrency needs a release"
                + " at the end of each request, which Envoy's rate limit service has not"),
        Arguments.of(
            "domain: d\ndescriptors:\n  - key: k\n    rate_limt: {}\n",
            ":4: unknown key descriptors[0].rate_limt: allowed keys are key, value, rate_limit,"
                + " descriptors, shadow_mode, quota_mode, detailed_metric, value_to_metric,"
                + " share_threshold, metadata"),
        Arguments.of(
            "domain: d\ndescriptors:\n  - key: k\n    quota_mode: true\n",
            ":4: descriptors[0].quota_mode is not supported by Sluice (Envoy's quota-based limiting"
                + " is not implemented); remove it"),
        Arguments.of(
            "domain: d\n"
                + "descriptors:\n"
                + "  - key: k\n"
                + "    rate_limit: { unit: fortnight, requests_per_unit: 1 }\n",
            ":4: descriptors[0].rate_limit.unit must be second, minute, hour, day, week, month,"
                + " year or a duration such as 30s: invalid rate limit unit 'fortnight'"),
        Arguments.of(
            "domain: d\n"
                + "descriptors:\n"
                + "  - key: k\n"
                + "    rate_limit: { unit: second, requests_per_unit: 4294967295 }\n",
            ":4: descriptors[0].rate_limit.requests_per_unit must be at most 1000000000 (Sluice's"
                + " largest limit): 4294967295"),
        Arguments.of(
            "domain: d\n"
                + "descriptors:\n"
                + "  - key: k\n"
                + "    rate_limit: { unit: second, requests_per_unit: 4294967296 }\n",
            ":4: descriptors[0].rate_limit.requests_per_unit must be a uint32, from 0 to"
                + " 4294967295: 4294967296"),
        Arguments.of(
            "domain: d\ndescriptors:\n  - key: k\n  - key: k\n",
            ":4: duplicate descriptor composite key 'k' in domain 'd'"),
        Arguments.of(
            "domain: d\n"
                + "descriptors:\n"
                + "  - key: k\n"
                + "    rate_limit: { unlimited: true, unit: second }\n",
            ":4: descriptors[0].rate_limit.unit must not be set when unlimited is true"),
        Arguments.of(
            "domain: d\ndescriptors:\n  - key: k\n    value: v\n    share_threshold: true\n",
            ":5: descriptors[0].share_threshold can only be used with a wildcard value (containing"
                + " '*')"),
        Arguments.of(
            "domain: d\n"
                + "descriptors:\n"
                + "  - key: k\n"
                + "    rate_limit: { unit: day, unit_multiplier: 400, requests_per_unit: 1 }\n",
            ":4: descriptors[0].rate_limit.unit must be at most 366d: 400d"),
        Arguments.of("domain: \"\"\n", ":1: domain must not be empty"),
        Arguments.of(
            "domain: d\n"
                + "descriptors:\n"
                + "  - key: k\n"
                + "    rate_limit: { name: a, unit: second, requests_per_unit: 1, replaces: [{"
                + " name: a }] }\n",
            ":4: descriptors[0].rate_limit.replaces[0].name must not be the rule's own name: 'a'"));
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void refusesWithFileAndLine(String yaml, String message) {
    assertThatThrownBy(() -> load(yaml))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(dir.resolve("rls.yaml") + message);
  }

  @Test
  void duplicateDomainsAcrossFilesOfADirectory() throws IOException {
    Path rls = Files.createDirectories(dir.resolve("rls"));
    Files.writeString(rls.resolve("a.yaml"), "domain: d\n");
    Files.writeString(rls.resolve("b.yaml"), "\ndomain: d\n");
    assertThatThrownBy(() -> RlsConfigLoader.load(rls))
        .hasMessage(
            rls.resolve("b.yaml")
                + ":2: duplicate domain 'd': it is already in "
                + rls.resolve("a.yaml"));
  }

  @Test
  void aDirectorySkipsDotFoldersAndOtherFiles() throws IOException {
    Path rls = Files.createDirectories(dir.resolve("rls"));
    Files.writeString(rls.resolve("a.yaml"), "domain: a\n");
    Files.writeString(
        Files.createDirectories(rls.resolve("nested")).resolve("b.yml"), "domain: b\n");
    Files.writeString(
        Files.createDirectories(rls.resolve("..data")).resolve("a.yaml"), "domain: a\n");
    Files.writeString(rls.resolve(".hidden.yaml"), "domain: hidden\n");
    Files.writeString(rls.resolve("notes.txt"), "not yaml: [\n");
    assertThat(RlsConfigLoader.load(rls).domains()).containsOnlyKeys("a", "b");
  }

  @Test
  void everyKeyOfTheFormatAndSluicesExtensions() throws IOException {
    RlsConfig config =
        load(
            """
            domain: d
            atomic: true
            descriptors:
              - key: k
                value: "v*"
                shadow_mode: true
                detailed_metric: true
                value_to_metric: true
                share_threshold: true
                rate_limit:
                  name: n
                  unit: minute
                  unit_multiplier: 5
                  requests_per_unit: 10
                  algorithm: token-bucket
                  capacity: 20
                  replaces: [{ name: other }]
                descriptors:
                  - key: inner
                    rate_limit: { unit: 30s, requests_per_unit: 3, algorithm: sliding-window }
              - key: month
                rate_limit: { unit: MONTH, requests_per_unit: 1 }
            """);
    RlsRule rule = config.domain("d").descriptors().get(0).rule();
    assertThat(rule.limit())
        .isEqualTo(Limit.tokenBucket(20, dev.sluice.Rate.of(10, Duration.ofMinutes(5))));
    assertThat(rule.shadowMode()).isTrue();
    assertThat(rule.replaces()).containsExactly("other");
    assertThat(rule.policy().group()).as("atomic: one group per domain").isNotNull();
    assertThat(config.domain("d").descriptors().get(0).children().get(0).rule().limit())
        .isEqualTo(Limit.slidingWindow(3, Duration.ofSeconds(30)));
    assertThat(config.domain("d").descriptors().get(1).rule().limit())
        .isEqualTo(Limit.fixedWindow(1, Duration.ofDays(30)));
  }
}

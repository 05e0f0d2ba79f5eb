package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UInt64Value;
import dev.sluice.InMemoryBackend;
import dev.sluice.ManualTimeSource;
import dev.sluice.RateLimiter;
import dev.sluice.envoy.RlsConfig;
import dev.sluice.envoy.RlsListener;
import dev.sluice.envoy.RlsOptions;
import dev.sluice.envoy.RlsService;
import dev.sluice.envoy.proto.descriptor.RateLimitDescriptor;
import dev.sluice.envoy.proto.rls.RateLimitRequest;
import dev.sluice.envoy.proto.rls.RateLimitResponse;
import dev.sluice.envoy.proto.rls.RateLimitResponse.Code;
import dev.sluice.envoy.proto.rls.RateLimitResponse.DescriptorStatus;
import dev.sluice.envoy.proto.type.RateLimitUnit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * envoyproxy/ratelimit's documented behaviour, re-authored as a table of cases on a manual clock:
 * each case is a configuration, a timeline of requests and the answers envoyproxy/ratelimit gives
 * (except that Sluice does not count hits that are over the limit).
 */
class RlsServiceTest {

  /** 2026-12-01T00:00:00Z, a day's start (and so a minute's and an hour's). */
  private static final long START = 1_796_083_200L * 1_000_000;

  @TempDir Path dir;

  private final ManualTimeSource clock = new ManualTimeSource(START);
  private final AtomicReference<RlsConfig> config = new AtomicReference<>(RlsConfig.empty());
  private final AtomicReference<RlsOptions> options = new AtomicReference<>(RlsOptions.defaults());
  private RlsService service;

  @BeforeEach
  void setUp() {
    RateLimiter limiter =
        RateLimiter.builder()
            .backend(InMemoryBackend.builder().timeSource(clock).build())
            .timeSource(clock)
            .build();
    service = new RlsService(limiter, config::get, options::get, clock, RlsListener.NONE);
  }

  private void load(String yaml) throws IOException {
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, yaml);
    config.set(RlsConfigLoader.load(file));
  }

  private static RateLimitDescriptor descriptor(String... keyValues) {
    RateLimitDescriptor.Builder builder = RateLimitDescriptor.newBuilder();
    for (int i = 0; i < keyValues.length; i += 2) {
      builder.addEntries(
          RateLimitDescriptor.Entry.newBuilder().setKey(keyValues[i]).setValue(keyValues[i + 1]));
    }
    return builder.build();
  }

  private RateLimitResponse ask(String domain, RateLimitDescriptor... descriptors) {
    return ask(
        RateLimitRequest.newBuilder()
            .setDomain(domain)
            .addAllDescriptors(java.util.List.of(descriptors))
            .build());
  }

  private RateLimitResponse ask(RateLimitRequest request) {
    return service.decide(request).toCompletableFuture().join();
  }

  private static final String EXAMPLE =
      """
      domain: mongo_cps
      descriptors:
        - key: database
          value: users
          rate_limit:
            unit: second
            requests_per_unit: 500
        - key: database
          value: default
          rate_limit:
            unit: second
            requests_per_unit: 2
      """;

  private static final String EDGE =
      """
      domain: edge_proxy_per_ip
      descriptors:
        - key: remote_address
          rate_limit:
            name: per_ip
            unit: minute
            requests_per_unit: 3
        - key: remote_address
          value: 50.0.0.5
          rate_limit:
            unit: minute
            requests_per_unit: 1
        - key: path
          value: /api/*
          rate_limit:
            unit: minute
            requests_per_unit: 2
        - key: path
          value: /api/v2/*
          rate_limit:
            unit: minute
            requests_per_unit: 1
        - key: source_cluster
          value: proxy
          descriptors:
            - key: destination_cluster
              value: bad_service
              rate_limit:
                unit: minute
                requests_per_unit: 1
            - key: destination_cluster
              rate_limit:
                unlimited: true
        - key: hour
          rate_limit:
            unit: hour
            requests_per_unit: 2
            name: hourly
            replaces:
              - name: per_ip
        - key: shadowed
          shadow_mode: true
          rate_limit:
            unit: minute
            requests_per_unit: 1
      """;

  @Test
  void exactValueBeatsKeyOnlyAndKeyOnlyKeepsOneCounterPerValue() throws IOException {
    load(EDGE);
    RateLimitDescriptor special = descriptor("remote_address", "50.0.0.5");
    assertThat(ask("edge_proxy_per_ip", special).getOverallCode()).isEqualTo(Code.OK);
    assertThat(ask("edge_proxy_per_ip", special).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    for (String ip : new String[] {"10.0.0.1", "10.0.0.2"}) {
      for (int i = 0; i < 3; i++) {
        DescriptorStatus status =
            ask("edge_proxy_per_ip", descriptor("remote_address", ip)).getStatuses(0);
        assertThat(status.getCode()).isEqualTo(Code.OK);
        assertThat(status.getLimitRemaining()).isEqualTo(2 - i);
        assertThat(status.getCurrentLimit().getName()).isEqualTo("per_ip");
        assertThat(status.getCurrentLimit().getRequestsPerUnit()).isEqualTo(3);
        assertThat(status.getCurrentLimit().getUnit())
            .isEqualTo(RateLimitResponse.RateLimit.Unit.MINUTE);
      }
      DescriptorStatus over =
          ask("edge_proxy_per_ip", descriptor("remote_address", ip)).getStatuses(0);
      assertThat(over.getCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(over.getLimitRemaining()).isZero();
      assertThat(over.getDurationUntilReset().getSeconds()).isEqualTo(60);
    }
  }

  @Test
  void wildcardsMatchInTheFilesOrderAfterExactValues() throws IOException {
    load(EDGE);
    assertThat(
            ask("edge_proxy_per_ip", descriptor("path", "/api/v2/x"))
                .getStatuses(0)
                .getCurrentLimit()
                .getRequestsPerUnit())
        .as("the first wildcard in the file that matches")
        .isEqualTo(2);
    assertThat(
            ask("edge_proxy_per_ip", descriptor("path", "/other")).getStatuses(0).hasCurrentLimit())
        .isFalse();
    // /api/a and /api/b share no counter: a wildcard without share_threshold counts each value.
    assertThat(
            ask("edge_proxy_per_ip", descriptor("path", "/api/a"))
                .getStatuses(0)
                .getLimitRemaining())
        .isEqualTo(1);
    assertThat(
            ask("edge_proxy_per_ip", descriptor("path", "/api/b"))
                .getStatuses(0)
                .getLimitRemaining())
        .isEqualTo(1);
  }

  @Test
  void nestedDescriptorsUnlimitedAndDepth() throws IOException {
    load(EDGE);
    RateLimitDescriptor bad =
        descriptor("source_cluster", "proxy", "destination_cluster", "bad_service");
    assertThat(ask("edge_proxy_per_ip", bad).getOverallCode()).isEqualTo(Code.OK);
    assertThat(ask("edge_proxy_per_ip", bad).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    DescriptorStatus unlimited =
        ask(
                "edge_proxy_per_ip",
                descriptor("source_cluster", "proxy", "destination_cluster", "mock"))
            .getStatuses(0);
    assertThat(unlimited.getCode()).isEqualTo(Code.OK);
    assertThat(Integer.toUnsignedLong(unlimited.getLimitRemaining())).isEqualTo(4294967295L);
    assertThat(unlimited.hasCurrentLimit()).isFalse();
    // The parent alone has no rate_limit, and a request deeper than the configuration matches
    // nothing.
    assertThat(
            ask("edge_proxy_per_ip", descriptor("source_cluster", "proxy"))
                .getStatuses(0)
                .hasCurrentLimit())
        .isFalse();
    assertThat(
            ask("edge_proxy_per_ip", descriptor("remote_address", "1.2.3.4", "extra", "x"))
                .getStatuses(0)
                .hasCurrentLimit())
        .isFalse();
  }

  @Test
  void replacedDescriptorAnswersOkWithoutALimit() throws IOException {
    load(EDGE);
    for (int i = 0; i < 5; i++) {
      RateLimitResponse response =
          ask(
              "edge_proxy_per_ip",
              descriptor("remote_address", "10.9.9.9"),
              descriptor("hour", "h"));
      DescriptorStatus replaced = response.getStatuses(0);
      assertThat(replaced.getCode()).isEqualTo(Code.OK);
      assertThat(replaced.hasCurrentLimit()).isFalse();
      assertThat(response.getStatuses(1).getCode()).isEqualTo(i < 2 ? Code.OK : Code.OVER_LIMIT);
    }
  }

  @Test
  void shadowModePerRuleAndGlobal() throws IOException {
    load(EDGE);
    ask("edge_proxy_per_ip", descriptor("shadowed", "s"));
    RateLimitResponse shadow = ask("edge_proxy_per_ip", descriptor("shadowed", "s"));
    assertThat(shadow.getOverallCode()).isEqualTo(Code.OK);
    assertThat(shadow.getStatuses(0).getCode()).isEqualTo(Code.OK);
    assertThat(shadow.getStatuses(0).getLimitRemaining()).isZero();

    options.set(new RlsOptions(true, RlsOptions.Headers.OFF));
    RateLimitDescriptor special = descriptor("remote_address", "50.0.0.5");
    ask("edge_proxy_per_ip", special);
    RateLimitResponse global = ask("edge_proxy_per_ip", special);
    assertThat(global.getOverallCode()).isEqualTo(Code.OK);
    assertThat(global.getStatuses(0).getCode())
        .as("the status still says over")
        .isEqualTo(Code.OVER_LIMIT);
  }

  @Test
  void hitsAddendOnTheRequestAndPerDescriptor() throws IOException {
    load(EXAMPLE);
    RateLimitDescriptor db = descriptor("database", "default");
    RateLimitResponse three =
        ask(
            RateLimitRequest.newBuilder()
                .setDomain("mongo_cps")
                .addDescriptors(db)
                .setHitsAddend(3)
                .build());
    assertThat(three.getOverallCode())
        .as("more hits than the limit: over, not an error")
        .isEqualTo(Code.OVER_LIMIT);
    assertThat(three.getStatuses(0).getLimitRemaining()).isZero();
    RateLimitResponse two =
        ask(
            RateLimitRequest.newBuilder()
                .setDomain("mongo_cps")
                .addDescriptors(db)
                .setHitsAddend(2)
                .build());
    assertThat(two.getOverallCode()).isEqualTo(Code.OK);
    assertThat(two.getStatuses(0).getLimitRemaining()).isZero();
    RateLimitDescriptor look = db.toBuilder().setHitsAddend(UInt64Value.of(0)).build();
    RateLimitResponse looked = ask("mongo_cps", look);
    assertThat(looked.getOverallCode()).as("a look on an exhausted counter").isEqualTo(Code.OK);
    assertThat(looked.getStatuses(0).getLimitRemaining()).isZero();
    assertThat(ask("mongo_cps", db).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    clock.advance(Duration.ofSeconds(1));
    RateLimitDescriptor per = db.toBuilder().setHitsAddend(UInt64Value.of(2)).build();
    assertThat(
            ask(RateLimitRequest.newBuilder()
                    .setDomain("mongo_cps")
                    .addDescriptors(per)
                    .setHitsAddend(1)
                    .build())
                .getStatuses(0)
                .getLimitRemaining())
        .as("the descriptor's hits_addend wins over the request's")
        .isZero();
  }

  @Test
  void unknownDomainIsOkAndEmptyRequestsAreErrors() throws IOException {
    load(EXAMPLE);
    RateLimitResponse unknown = ask("nobody", descriptor("database", "users"));
    assertThat(unknown.getOverallCode()).isEqualTo(Code.OK);
    assertThat(unknown.getStatuses(0).hasCurrentLimit()).isFalse();
    assertThatThrownBy(() -> ask("", descriptor("database", "users")))
        .isInstanceOf(CompletionException.class)
        .hasRootCauseMessage("rate limit domain must not be empty");
    assertThatThrownBy(() -> ask(RateLimitRequest.newBuilder().setDomain("mongo_cps").build()))
        .hasRootCauseMessage("rate limit descriptor list must not be empty");
    assertThat(
            RlsService.status(new CompletionException(new IllegalArgumentException("x"))).getCode())
        .isEqualTo(io.grpc.Status.Code.UNKNOWN);
  }

  @Test
  void negativeHitsAreRefusedAndNothingOfTheRequestIsCounted() throws IOException {
    load(EXAMPLE);
    RateLimitRequest refill =
        RateLimitRequest.newBuilder()
            .setDomain("mongo_cps")
            .addDescriptors(descriptor("database", "default"))
            .addDescriptors(descriptor("database", "default").toBuilder().setIsNegativeHits(true))
            .build();
    assertThatThrownBy(() -> ask(refill))
        .isInstanceOf(CompletionException.class)
        .hasRootCauseInstanceOf(IllegalArgumentException.class)
        .hasRootCauseMessage(
            "descriptors[1].is_negative_hits is not supported by Sluice: hits can only be taken,"
                + " and nothing of this request was counted");
    RateLimitResponse after = ask("mongo_cps", descriptor("database", "default"));
    assertThat(after.getStatuses(0).getLimitRemaining())
        .as("the refused request took nothing: 2 per second, one taken now")
        .isEqualTo(1);
  }

  @Test
  void windowEdgesAreAlignedToTheEpoch() throws IOException {
    load(
        """
        domain: d
        descriptors:
          - key: k
            rate_limit: { unit: minute, requests_per_unit: 1 }
          - key: w
            rate_limit: { unit: week, requests_per_unit: 1 }
          - key: y
            rate_limit: { unit: year, requests_per_unit: 1 }
        """);
    clock.advance(Duration.ofSeconds(59));
    DescriptorStatus first = ask("d", descriptor("k", "a")).getStatuses(0);
    assertThat(first.getCode()).isEqualTo(Code.OK);
    assertThat(first.getDurationUntilReset().getSeconds()).isEqualTo(1);
    assertThat(ask("d", descriptor("k", "a")).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    clock.advance(Duration.ofSeconds(1));
    assertThat(ask("d", descriptor("k", "a")).getOverallCode())
        .as("the next minute")
        .isEqualTo(Code.OK);
    long now = START / 1_000_000 + 60;
    long week = 7 * 86400;
    assertThat(ask("d", descriptor("w", "a")).getStatuses(0).getDurationUntilReset().getSeconds())
        .as("weeks from the epoch's Thursday")
        .isEqualTo(week - now % week);
    long year = 365 * 86400;
    assertThat(ask("d", descriptor("y", "a")).getStatuses(0).getDurationUntilReset().getSeconds())
        .isEqualTo(year - now % year);
  }

  @Test
  void severalDescriptorsDefaultCountEachAtomicCountsNoneWhenOneIsOver() throws IOException {
    String rules =
        """
        descriptors:
          - key: a
            rate_limit: { unit: minute, requests_per_unit: 5 }
          - key: b
            rate_limit: { unit: minute, requests_per_unit: 1 }
        """;
    load("domain: plain\n" + rules);
    ask("plain", descriptor("b", "x"));
    RateLimitResponse plain = ask("plain", descriptor("a", "x"), descriptor("b", "x"));
    assertThat(plain.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(plain.getStatuses(0).getCode()).isEqualTo(Code.OK);
    assertThat(ask("plain", descriptor("a", "x")).getStatuses(0).getLimitRemaining())
        .as("the default counts each descriptor on its own")
        .isEqualTo(3);

    load("domain: all\natomic: true\n" + rules);
    ask("all", descriptor("b", "x"));
    RateLimitResponse atomic = ask("all", descriptor("a", "x"), descriptor("b", "x"));
    assertThat(atomic.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(atomic.getStatuses(1).getCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(ask("all", descriptor("a", "x")).getStatuses(0).getLimitRemaining())
        .as("atomic: nothing was counted")
        .isEqualTo(4);
  }

  @Test
  void sixteenDescriptorsAndMore() throws IOException {
    load(EXAMPLE);
    RateLimitRequest.Builder request = RateLimitRequest.newBuilder().setDomain("mongo_cps");
    for (int i = 0; i < 20; i++) {
      request.addDescriptors(descriptor("database", "users"));
    }
    RateLimitResponse response = ask(request.build());
    assertThat(response.getStatusesCount()).isEqualTo(20);
    assertThat(response.getOverallCode()).isEqualTo(Code.OK);
  }

  @Test
  void perRequestLimitOverride() throws IOException {
    load(EXAMPLE);
    RateLimitDescriptor overridden =
        descriptor("database", "users").toBuilder()
            .setLimit(
                RateLimitDescriptor.RateLimitOverride.newBuilder()
                    .setRequestsPerUnit(1)
                    .setUnit(RateLimitUnit.HOUR))
            .build();
    DescriptorStatus first = ask("mongo_cps", overridden).getStatuses(0);
    assertThat(first.getCurrentLimit().getRequestsPerUnit()).isEqualTo(1);
    assertThat(first.getCurrentLimit().getUnit()).isEqualTo(RateLimitResponse.RateLimit.Unit.HOUR);
    assertThat(ask("mongo_cps", overridden).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
  }

  @Test
  void responseHeadersWhenEnabled() throws IOException {
    load(EXAMPLE);
    assertThat(ask("mongo_cps", descriptor("database", "default")).getResponseHeadersToAddCount())
        .isZero();
    options.set(new RlsOptions(false, RlsOptions.Headers.DRAFT));
    RateLimitResponse response = ask("mongo_cps", descriptor("database", "default"));
    assertThat(response.getResponseHeadersToAddList())
        .extracting(h -> h.getKey() + ": " + h.getValue())
        .containsExactly("RateLimit-Limit: 2", "RateLimit-Remaining: 0", "RateLimit-Reset: 1");
    options.set(new RlsOptions(false, RlsOptions.Headers.IETF));
    RateLimitResponse ietf = ask("mongo_cps", descriptor("database", "users"));
    assertThat(ietf.getResponseHeadersToAddList())
        .extracting(h -> h.getKey() + ": " + h.getValue())
        .as("the items of sluice-http's RateLimitHeaders, named rls for an unnamed rule")
        .containsExactly("RateLimit-Policy: \"rls\";q=500;w=1", "RateLimit: \"rls\";r=499;t=1");
    load(EDGE);
    RateLimitResponse named = ask("edge_proxy_per_ip", descriptor("remote_address", "10.0.0.9"));
    assertThat(named.getResponseHeadersToAddList())
        .extracting(h -> h.getKey() + ": " + h.getValue())
        .as("named after the rule's name")
        .first()
        .isEqualTo("RateLimit-Policy: \"per_ip\";q=3;w=60");
    assertThat(named.getResponseHeadersToAdd(1).getValue()).startsWith("\"per_ip\";r=2;t=");
  }

  @Test
  void reloadKeepsUsageWhenTheLimitChanges() throws IOException {
    load(EXAMPLE);
    ask("mongo_cps", descriptor("database", "default"));
    load(EXAMPLE.replace("requests_per_unit: 2", "requests_per_unit: 3"));
    DescriptorStatus after = ask("mongo_cps", descriptor("database", "default")).getStatuses(0);
    assertThat(after.getCurrentLimit().getRequestsPerUnit()).isEqualTo(3);
    assertThat(after.getLimitRemaining()).as("one used before the reload, one now").isEqualTo(1);
  }

  @Test
  void tokenBucketExtension() throws IOException {
    load(
        """
        domain: tb
        descriptors:
          - key: k
            rate_limit: { unit: 10s, requests_per_unit: 10, algorithm: token-bucket, capacity: 2 }
        """);
    ask("tb", descriptor("k", "a"));
    ask("tb", descriptor("k", "a"));
    DescriptorStatus over = ask("tb", descriptor("k", "a")).getStatuses(0);
    assertThat(over.getCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(over.getDurationUntilReset().getSeconds()).isEqualTo(1);
    assertThat(over.getDurationUntilReset().getNanos()).isZero();
    clock.advance(Duration.ofSeconds(1));
    assertThat(ask("tb", descriptor("k", "a")).getOverallCode()).isEqualTo(Code.OK);
  }

  @Test
  void shareThresholdMakesEveryMatchingValueShareOneCounter() throws IOException {
    load(
        """
        domain: files
        descriptors:
          - key: path
            value: "/files/*"
            share_threshold: true
            rate_limit: { unit: minute, requests_per_unit: 2 }
          - key: path
            value: "/docs/*"
            rate_limit: { unit: minute, requests_per_unit: 2 }
        """);
    assertThat(ask("files", descriptor("path", "/files/a")).getStatuses(0).getLimitRemaining())
        .isEqualTo(1);
    assertThat(ask("files", descriptor("path", "/files/b")).getStatuses(0).getLimitRemaining())
        .isZero();
    assertThat(ask("files", descriptor("path", "/files/c")).getOverallCode())
        .isEqualTo(Code.OVER_LIMIT);
    assertThat(ask("files", descriptor("path", "/docs/a")).getStatuses(0).getLimitRemaining())
        .isEqualTo(1);
    assertThat(ask("files", descriptor("path", "/docs/b")).getStatuses(0).getLimitRemaining())
        .as("without share_threshold, one counter per value")
        .isEqualTo(1);
  }

  @Test
  void aRuleOfZeroRequestsIsAlwaysOver() throws IOException {
    load(
        "domain: z\n"
            + "descriptors:\n"
            + "  - key: k\n"
            + "    rate_limit: { unit: minute, requests_per_unit: 0 }\n");
    DescriptorStatus status = ask("z", descriptor("k", "v")).getStatuses(0);
    assertThat(status.getCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(status.getDurationUntilReset().getSeconds()).isEqualTo(60);
  }
}

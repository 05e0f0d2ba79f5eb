package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.CalendarUnit;
import dev.sluice.InMemoryBackend;
import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.PolicyRegistry;
import dev.sluice.Rate;
import dev.sluice.ResilientBackend;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigLoaderTest {

  private static ServerConfig parse(String yaml) {
    return ConfigLoader.parse("sluice.yaml", yaml);
  }

  @Test
  void readsTheDesignExample() {
    ServerConfig config =
        parse(
            """
            policies:
              default:  { capacity: 10,  refill: 1/s }        # the seed's defaults
              free:     { capacity: 10,  refill: 1/s }
              premium:  { capacity: 100, refill: 20/s }
              search:   { algorithm: sliding-window, limit: 100, window: 1m }
            clients:    { user123: premium }
            store:      { type: memory }
            """);

    PolicyRegistry policies = config.policies();
    assertThat(policies.policies()).containsOnlyKeys("default", "free", "premium", "search");
    assertThat(policies.get("default")).isEqualTo(ServerConfig.DEFAULT_POLICY);
    assertThat(policies.get("premium").limits())
        .containsExactly(Limit.tokenBucket(100, Rate.perSecond(20)));
    assertThat(policies.get("search").limits())
        .containsExactly(Limit.slidingWindow(100, Duration.ofMinutes(1)));
    assertThat(policies.resolve("user123", "free").name()).isEqualTo("premium");
    assertThat(config.store()).isEqualTo(StoreConfig.MEMORY);
    assertThat(config.port()).isEqualTo(8080);
    assertThat(config.host()).isEqualTo("0.0.0.0");
    assertThat(config.adminToken()).isNull();
  }

  @Test
  void readsEveryAlgorithmAndMultiLimitPolicies() {
    ServerConfig config =
        parse(
            """
            policies:
              tiered:
                limits:
                  - { capacity: 10, refill: 1/s }
                  - { algorithm: fixed-window, limit: 1000, window: 1d }
              leaky: { algorithm: leaky-bucket, capacity: 5, leak: 100/m }
              log:   { algorithm: sliding-log, limit: 50, window: 10s }
              month: { algorithm: fixed-window, limit: 1000, window: 1mo, align: calendar }
              epoch: { algorithm: fixed-window, limit: 7, window: 1d, align: epoch }
              flight: { algorithm: concurrency, limit: 10, lease: 30s }
              hinted: { algorithm: concurrency, limit: 2, lease: 1m, retry-hint: 250ms }
              block:
                algorithm: token-bucket
                capacity: 3
                refill: 5/10s
            """);

    assertThat(config.policies().get("tiered").limits())
        .containsExactly(
            Limit.tokenBucket(10, Rate.perSecond(1)), Limit.fixedWindow(1000, Duration.ofDays(1)));
    assertThat(config.policies().get("leaky").limits())
        .containsExactly(Limit.leakyBucket(5, Rate.perMinute(100)));
    assertThat(config.policies().get("log").limits())
        .containsExactly(Limit.slidingLog(50, Duration.ofSeconds(10)));
    assertThat(config.policies().get("month").limits())
        .containsExactly(Limit.calendarWindow(1000, CalendarUnit.MONTH));
    assertThat(config.policies().get("epoch").limits())
        .containsExactly(Limit.fixedWindow(7, Duration.ofDays(1)));
    assertThat(config.policies().get("flight").limits())
        .containsExactly(Limit.concurrency(10, Duration.ofSeconds(30)));
    assertThat(config.policies().get("hinted").limits())
        .containsExactly(Limit.concurrency(2, Duration.ofMinutes(1), Duration.ofMillis(250)));
    assertThat(config.policies().get("block").limits())
        .containsExactly(Limit.tokenBucket(3, Rate.of(5, Duration.ofSeconds(10))));
    assertThat(config.policies().get("default")).as("no default unless configured").isNull();
  }

  @Test
  void equalTextGivesEqualPoliciesSoReloadsKeepBuckets() {
    String yaml =
        "policies: { free: { capacity: 10, refill: 1/s }, day: { limits: [{ algorithm:"
            + " fixed-window, limit: 5, window: 1d }] } }";
    assertThat(parse(yaml).policies().policies()).isEqualTo(parse(yaml).policies().policies());
  }

  @Test
  void anEmptyFileOrEmptySectionsMeanTheDefaults() {
    for (String yaml : new String[] {"", "# nothing yet\n"}) {
      ServerConfig config = parse(yaml);
      assertThat(config.policies().policies())
          .isEqualTo(ServerConfig.defaults().policies().policies());
      assertThat(config.store()).isEqualTo(StoreConfig.MEMORY);
      assertThat(config.port()).isEqualTo(ServerConfig.DEFAULT_PORT);
      assertThat(config.adminToken()).isNull();
    }
    ServerConfig config = parse("clients:\nstore:\nserver:\nadmin:\n");
    assertThat(config.policies().policies()).containsOnlyKeys("default");
    assertThat(config.store()).isEqualTo(StoreConfig.MEMORY);
  }

  @Test
  void readsTheRedisStoreServerAndAdmin() {
    ServerConfig config =
        parse(
            """
            store: { type: redis, uri: "rediss://:pw@cache:6380/0", mode: transaction, timeout: 200ms }
            server: { port: 9090, host: 127.0.0.1 }
            admin: { token: s3cret-token }
            """);

    assertThat(config.store())
        .isEqualTo(
            new StoreConfig(
                StoreConfig.Type.REDIS,
                "rediss://:pw@cache:6380/0",
                false,
                StoreConfig.Mode.TRANSACTION,
                Duration.ofMillis(200),
                StoreConfig.Resilience.DEFAULTS,
                StoreConfig.DEFAULT_LEASE_FRACTION,
                InMemoryBackend.DEFAULT_MAX_KEYS));
    assertThat(config.store().describe())
        .doesNotContain("pw")
        .contains("rediss://***@cache:6380/0");
    assertThat(config.port()).isEqualTo(9090);
    assertThat(config.host()).isEqualTo("127.0.0.1");
    assertThat(config.adminToken()).isEqualTo("s3cret-token");
  }

  @Test
  void readsTheFailureHandlingOfTheStoreAndOfEachPolicy() {
    ServerConfig config =
        parse(
            """
            store:
              type: redis
              uri: "redis://127.0.0.1:6379"
              timeout: 20ms
              on-failure: deny
              local-share: 1/3
              instances: 4
              circuit-breaker: { failures: 3, open-after: 1s, backoff: 200ms, max-backoff: 5s }
              deny-cache: false
              lease-fraction: 0.02
              max-keys: 5000
            policies:
              default: { capacity: 10, refill: 1/s, on-failure: allow, timeout: 100ms }
              tiered:
                on-failure: local
                hybrid: true
                limits:
                  - { capacity: 10, refill: 1/s }
                  - { algorithm: fixed-window, limit: 1000, window: 1d }
              plain: { capacity: 5, refill: 1/s }
            """);
    assertThat(config.store().resilience())
        .isEqualTo(
            new StoreConfig.Resilience(
                ResilientBackend.OnFailure.DENY,
                1.0 / 3,
                4,
                3,
                Duration.ofSeconds(1),
                Duration.ofMillis(200),
                Duration.ofSeconds(5),
                false));
    assertThat(config.storeOptions())
        .containsOnly(
            Map.entry(
                "default",
                new ServerConfig.PolicyStoreOptions(
                    ResilientBackend.OnFailure.ALLOW, Duration.ofMillis(100), false)),
            Map.entry(
                "tiered",
                new ServerConfig.PolicyStoreOptions(ResilientBackend.OnFailure.LOCAL, null, true)));
    assertThat(config.store().describe()).endsWith("(lua, timeout 20ms, on failure deny)");
    assertThat(config.store().leaseFraction()).isEqualTo(0.02);
    assertThat(config.store().maxKeys()).isEqualTo(5000);
    assertThat(Stores.hybridPolicies(config)).containsExactly("tiered");
  }

  @Test
  void theStoresFailureHandlingDefaultsToTheLocalLimiterSharedByTheCountedFleet() {
    StoreConfig store = parse("store: { type: redis, uri: \"redis://a:1\" }").store();
    assertThat(store.resilience()).isEqualTo(StoreConfig.Resilience.DEFAULTS);
    assertThat(store.resilience().onFailure()).isEqualTo(ResilientBackend.OnFailure.LOCAL);
    assertThat(store.resilience().instances()).isEqualTo(StoreConfig.Resilience.AUTO);
    assertThat(store.resilience().localShare()).as("not set: 1 / instances").isNaN();
    assertThat(store.resilience().openAfter()).isEqualTo(Duration.ofMillis(500));
    assertThat(
            parse("store: { type: redis, uri: \"redis://a:1\", instances: auto }")
                .store()
                .resilience()
                .instances())
        .isEqualTo(StoreConfig.Resilience.AUTO);
    assertThat(
            parse("store: { type: redis, uri: \"redis://a:1\", local-share: 0.25 }")
                .store()
                .resilience()
                .localShare())
        .isEqualTo(0.25);
  }

  @Test
  void limitsTakeAnIdThatTheirUsageIsStoredUnder() {
    ServerConfig config =
        parse(
            """
            policies:
              tiered:
                limits:
                  - { id: burst, capacity: 10, refill: 1/s }
                  - { algorithm: fixed-window, limit: 1000, window: 1d }
              single: { id: only, capacity: 5, refill: 1/s }
              plain: { capacity: 5, refill: 1/s }
            store: { type: memory, max-keys: 1234 }
            """);
    assertThat(config.policies().get("tiered").ids()).containsExactly("burst", "1");
    assertThat(config.policies().get("single").ids()).containsExactly("only");
    assertThat(config.policies().get("plain").ids()).containsExactly("0");
    assertThat(config.store().maxKeys()).isEqualTo(1234);
  }

  @Test
  void readsARedisClusterStore() {
    StoreConfig store =
        parse("store: { type: redis, uri: \"redis://a:7000,redis://b:7001\", cluster: true }")
            .store();
    assertThat(store.cluster()).isTrue();
    assertThat(store.uri()).isEqualTo("redis://a:7000,redis://b:7001");
  }

  @Test
  void redisDefaultsAreLuaAndFiftyMilliseconds() {
    StoreConfig store =
        parse("store: { type: redis, uri: \"redis-sentinel://a:26379,b:26379/mymaster\" }").store();
    assertThat(store.mode()).isEqualTo(StoreConfig.Mode.LUA);
    assertThat(store.timeout()).isEqualTo(Duration.ofMillis(50));
  }

  @Test
  void summarizesInOneLine() {
    assertThat(
            parse(
                    "policies: { b: { capacity: 1, refill: 1/s }, a: { capacity: 1, refill: 1/s }"
                        + " }\n"
                        + "clients: { x: a }")
                .summary())
        .isEqualTo("2 policies (a, b), 1 client override, store memory, port 8080, admin off");
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of(
            "polices: {}",
            "sluice.yaml:1: unknown key polices: allowed keys are policies, clients, store, server,"
                + " admin, rls"),
        Arguments.of(
            "- a",
            "sluice.yaml:1: the configuration must be a mapping of policies, clients, store,"
                + " server, admin, rls: found a list"),
        Arguments.of(
            "policies: {",
            "sluice.yaml:1: invalid YAML: expected the node content, but found '<stream end>'"),
        Arguments.of(
            "policies:\n  t:\n    limits:\n      - { id: burst, capacity: 1, refill: 1/s }\n"
                + "      - { id: burst, limit: 5, window: 1m, algorithm: fixed-window }",
            "sluice.yaml:5: policies.t.limits[1].id must be unique within the policy: 'burst'"),
        Arguments.of(
            "policies:\n  t:\n    limits:\n      - { id: '1', capacity: 1, refill: 1/s }\n"
                + "      - { limit: 5, window: 1m, algorithm: fixed-window }",
            "sluice.yaml:5: policies.t.limits[1].id must be unique within the policy: '1' is the id"
                + " of another limit (ids default to positions)"),
        Arguments.of(
            "policies:\n  t: { id: 'no good', capacity: 1, refill: 1/s }",
            "sluice.yaml:2: policies.t.id must be 1 to 64 letters, digits, '_', '.' or '-',"
                + " starting with a letter or digit: 'no good'"),
        Arguments.of(
            "store: { type: redis, uri: \"redis://a:1\", instances: 0 }",
            "sluice.yaml:1: store.instances must be auto or a whole number between 1 and 10000:"
                + " '0'"),
        Arguments.of(
            "store: { type: redis, uri: \"redis://a:1\", instances: many }",
            "sluice.yaml:1: store.instances must be auto or a whole number between 1 and 10000:"
                + " 'many'"),
        Arguments.of(
            "store: { type: memory, max-keys: 0 }",
            "sluice.yaml:1: store.max-keys must be between 1 and 2147483648: 0"),
        Arguments.of(
            "store: { type: memory, timeout: 1s }",
            "sluice.yaml:1: unknown key store.timeout: allowed keys are type, max-keys for the"
                + " memory store"),
        Arguments.of(
            "store:\n  type: redis\n  uri: \"redis://a:1\"\n  circuit-breaker: { open-after: 2m }",
            "sluice.yaml:4: store.circuit-breaker.open-after must be between 0s and 1m: 2m"),
        Arguments.of(
            "policies:\n  a: { capacity: 1, refill: 1/s }\n  a: { capacity: 2, refill: 1/s }",
            "sluice.yaml:3: duplicate key policies.a: each key may appear once"),
        Arguments.of("policies:", "sluice.yaml:1: policies must be a mapping: found nothing"),
        Arguments.of(
            "policies: {}",
            "sluice.yaml:1: policies must hold at least one policy, such as default: { capacity:"
                + " 10, refill: 1/s }"),
        Arguments.of(
            "policies:\n  a: 10",
            "sluice.yaml:2: policies.a must be a mapping, such as { capacity: 10, refill: 1/s } or"
                + " { limits: [...] }"),
        Arguments.of(
            "policies:\n  bad name: { capacity: 1, refill: 1/s }",
            "sluice.yaml:2: policy name must be 1 to 64 letters, digits, '_', '.' or '-', starting"
                + " with a letter or digit: 'bad name'"),
        Arguments.of(
            "policies:\n  premium: { capacity: 100, refil: 20/s }",
            "sluice.yaml:2: unknown key policies.premium.refil: allowed keys are algorithm,"
                + " capacity, refill, id, on-failure, timeout, hybrid for token-bucket"),
        Arguments.of(
            "policies:\n  w: { algorithm: fixed-window, limit: 5, window: 1m, capacity: 5 }",
            "sluice.yaml:2: unknown key policies.w.capacity: allowed keys are algorithm, limit,"
                + " window, align, id, on-failure, timeout, hybrid for fixed-window"),
        Arguments.of(
            "policies:\n  s: { algorithm: sliding-window, limit: 5, window: 1d, align: calendar }",
            "sluice.yaml:2: unknown key policies.s.align: allowed keys are algorithm, limit,"
                + " window, id, on-failure, timeout, hybrid for sliding-window"),
        Arguments.of(
            "policies:\n  c: { algorithm: concurrency, limit: 10 }",
            "sluice.yaml:2: policies.c.lease must be set: concurrency needs limit and lease"),
        Arguments.of(
            "policies:\n  c: { algorithm: concurrency, limit: 10, lease: 1s, window: 1s }",
            "sluice.yaml:2: unknown key policies.c.window: allowed keys are algorithm, limit,"
                + " lease, retry-hint, id, on-failure, timeout, hybrid for concurrency"),
        Arguments.of(
            "policies:\n  c: { algorithm: concurrency, limit: 200000, lease: 1s }",
            "sluice.yaml:2: policies.c.limit must be between 1 and 100000: 200000"),
        Arguments.of(
            "policies:\n  c: { algorithm: concurrency, limit: 5, lease: 1s, retry-hint: 2s }",
            "sluice.yaml:2: policies.c.retry-hint must be between 1ms and 1s: 2s"),
        Arguments.of(
            "server: { max-wait: 2h }",
            "sluice.yaml:1: server.max-wait must be between 0s and 1h: 2h"),
        Arguments.of(
            "policies:\n  w: { algorithm: fixed-window, limit: 5, window: 1d, align: midnight }",
            "sluice.yaml:2: policies.w.align must be calendar or epoch: 'midnight'"),
        Arguments.of(
            "policies:\n  w: { algorithm: fixed-window, limit: 5, window: 30d, align: calendar }",
            "sluice.yaml:2: policies.w.window must be 1d, 1w, 1mo or 1y for a window aligned to"
                + " the calendar: '30d'"),
        Arguments.of(
            "policies:\n  l: { algorithm: leaky-bucket, capacity: 5, refill: 1/s }",
            "sluice.yaml:2: unknown key policies.l.refill: allowed keys are algorithm, capacity,"
                + " leak, id, on-failure, timeout, hybrid for leaky-bucket"),
        Arguments.of(
            "policies:\n  premium: { refill: 20/s }",
            "sluice.yaml:2: policies.premium.capacity must be set: token-bucket needs capacity and"
                + " refill"),
        Arguments.of(
            "policies:\n  premium:\n    capacity: 100\n    refill:",
            "sluice.yaml:4: policies.premium.refill must be set: token-bucket needs capacity and"
                + " refill"),
        Arguments.of(
            "policies:\n  s: { algorithm: sliding-window, limit: 100 }",
            "sluice.yaml:2: policies.s.window must be set: sliding-window needs limit and window"),
        Arguments.of(
            "policies:\n  premium: { capacity: 0, refill: 1/s }",
            "sluice.yaml:2: policies.premium.capacity must be between 1 and 1000000000: 0"),
        Arguments.of(
            "policies:\n  premium:\n    capacity: 10.5\n    refill: 1/s",
            "sluice.yaml:3: policies.premium.capacity must be a whole number: '10.5'"),
        Arguments.of(
            "policies:\n  premium: { capacity: 1234567890123456789, refill: 1/s }",
            "sluice.yaml:2: policies.premium.capacity must be a whole number of at most 18 digits:"
                + " '1234567890123456789'"),
        Arguments.of(
            "policies:\n  premium: { capacity: [1], refill: 1/s }",
            "sluice.yaml:2: policies.premium.capacity must be a whole number: found a list"),
        Arguments.of(
            "policies:\n  premium:\n    capacity: 100\n    refill: 20/x",
            "sluice.yaml:4: policies.premium.refill must be <tokens>/<period> such as 1/s, 100/m,"
                + " 10000/d or 5/10s: '20/x'"),
        Arguments.of(
            "policies:\n  premium: { capacity: 100, refill: fast }",
            "sluice.yaml:2: policies.premium.refill must be <tokens>/<period> such as 1/s, 100/m,"
                + " 10000/d or 5/10s: 'fast'"),
        Arguments.of(
            "policies:\n  premium: { capacity: 100, refill: 100000000/s }",
            "sluice.yaml:2: policies.premium.refill must be at most 10000000 per second: 100000000"
                + " per 1s"),
        Arguments.of(
            "policies:\n  premium: { capacity: 100, refill: 1/400d }",
            "sluice.yaml:2: policies.premium.refill period must be between 1us and 366d: 400d"),
        Arguments.of(
            "policies:\n  big: { capacity: 1000000000, refill: 1/d }",
            "sluice.yaml:2: policies.big.capacity x refill period must be at most 2^52 microseconds"
                + " (the bucket would take centuries to fill; raise the rate or lower the"
                + " capacity): 1000000000 x 86400000000us"),
        Arguments.of(
            "policies:\n  s: { algorithm: sliding-windo, limit: 100, window: 1m }",
            "sluice.yaml:2: policies.s.algorithm must be one of token-bucket, fixed-window,"
                + " sliding-window, sliding-log, leaky-bucket, concurrency: 'sliding-windo'"),
        Arguments.of(
            "policies:\n  s: { algorithm: sliding-window, limit: 100, window: 400d }",
            "sluice.yaml:2: policies.s.window must be between 1ms and 366d: 400d"),
        Arguments.of(
            "policies:\n  s: { algorithm: sliding-window, limit: 100, window: soon }",
            "sluice.yaml:2: policies.s.window must be a whole number followed by one of us, ms, s,"
                + " m, h, d (like 50ms or 1m): 'soon'"),
        Arguments.of(
            "policies:\n  s: { algorithm: sliding-log, limit: 200000, window: 1m }",
            "sluice.yaml:2: policies.s.limit must be between 1 and 100000: 200000"),
        Arguments.of(
            "policies:\n  t: { limits: [] }",
            "sluice.yaml:2: policies.t.limits must be a list of 1 to 16 limits, such as [{"
                + " capacity: 10, refill: 1/s }, { algorithm: fixed-window, limit: 1000, window: 1d"
                + " }]"),
        Arguments.of(
            "policies:\n  t: { limits: [{ capacity: 1, refill: 1/s }], capacity: 3 }",
            "sluice.yaml:2: unknown key policies.t.capacity: allowed keys are limits, on-failure,"
                + " timeout, hybrid (beside limits, a policy takes only on-failure, timeout and"
                + " hybrid)"),
        Arguments.of(
            "policies:\n"
                + "  t:\n"
                + "    limits:\n"
                + "      - { capacity: 1, refill: 1/s }\n"
                + "      - { algorithm: fixed-window, limit: 0, window: 1d }",
            "sluice.yaml:5: policies.t.limits[1].limit must be between 1 and 1000000000: 0"),
        Arguments.of(
            "policies:\n  t:\n    limits:\n      - 5",
            "sluice.yaml:4: policies.t.limits[0] must be a mapping, such as { capacity: 10, refill:"
                + " 1/s }"),
        Arguments.of(
            "clients: { bob: gold }",
            "sluice.yaml:1: clients.bob must name a policy, one of [default]: 'gold'"),
        Arguments.of("clients: [bob]", "sluice.yaml:1: clients must be a mapping: found a list"),
        Arguments.of(
            "clients: { bob: [default] }",
            "sluice.yaml:1: clients.bob must be a policy name: found a list"),
        Arguments.of(
            "store: { uri: redis://x }", "sluice.yaml:1: store.type must be set: memory or redis"),
        Arguments.of(
            "store: { type: disk }",
            "sluice.yaml:1: store.type must be one of memory, redis: 'disk'"),
        Arguments.of(
            "store: { type: memory, uri: redis://x }",
            "sluice.yaml:1: unknown key store.uri: allowed keys are type, max-keys for the memory"
                + " store"),
        Arguments.of(
            "store: { type: redis }",
            "sluice.yaml:1: store.uri must be set for the redis store, such as"
                + " redis://127.0.0.1:6379"),
        Arguments.of(
            "store: { type: redis, uri: http://x }",
            "sluice.yaml:1: store.uri must start with redis://, rediss:// or redis-sentinel:// and"
                + " have no spaces: 'http://x'"),
        Arguments.of(
            "store: { type: redis, uri: redis://x, mode: eval }",
            "sluice.yaml:1: store.mode must be one of lua, transaction: 'eval'"),
        Arguments.of(
            "store: { type: redis, uri: redis://x, timeout: 2m }",
            "sluice.yaml:1: store.timeout must be between 1ms and 1m: 2m"),
        Arguments.of(
            "store: { type: redis, uri: redis://x, timeout: 500us }",
            "sluice.yaml:1: store.timeout must be between 1ms and 1m: 500us"),
        Arguments.of(
            "store: { type: redis, uri: redis://x, pool: 5 }",
            "sluice.yaml:1: unknown key store.pool: allowed keys are type, uri, cluster, mode,"
                + " timeout, on-failure, local-share, circuit-breaker, deny-cache, lease-fraction,"
                + " instances, max-keys for the redis store"),
        Arguments.of(
            "store: { type: redis, uri: \"redis://a:1\", mode: transaction }\n"
                + "policies: { p: { capacity: 100, refill: 10/s, hybrid: true } }",
            "sluice.yaml:2: policies.p.hybrid needs store.mode lua: leases are taken by a script"),
        Arguments.of(
            "policies: { p: { capacity: 100, refill: 10/s, hybrid: maybe } }",
            "sluice.yaml:1: policies.p.hybrid must be true or false: 'maybe'"),
        Arguments.of(
            "store: { type: redis, uri: \"redis://a:1\", lease-fraction: 2 }",
            "sluice.yaml:1: store.lease-fraction must be more than 0 and at most 1, such as 1/3 or"
                + " 0.5: '2'"),
        Arguments.of(
            "store: { type: redis, uri: \"redis://a:1\", on-failure: panic }",
            "sluice.yaml:1: store.on-failure must be one of allow, deny, local: 'panic'"),
        Arguments.of(
            "store: { type: redis, uri: \"redis://a:1\", local-share: 3/2 }",
            "sluice.yaml:1: store.local-share must be more than 0 and at most 1, such as 1/3 or"
                + " 0.5: '3/2'"),
        Arguments.of(
            "store: { type: redis, uri: \"redis://a:1\", local-share: half }",
            "sluice.yaml:1: store.local-share must be more than 0 and at most 1, such as 1/3 or"
                + " 0.5: 'half'"),
        Arguments.of(
            "store: { type: redis, uri: \"redis://a:1\", circuit-breaker: { failures: 0 } }",
            "sluice.yaml:1: store.circuit-breaker.failures must be between 1 and 1000: 0"),
        Arguments.of(
            "store: { type: redis, uri: \"redis://a:1\", circuit-breaker: { backoff: 1s,"
                + " max-backoff: 10ms } }",
            "sluice.yaml:1: store.circuit-breaker.max-backoff must be between 1s and 10m: 10ms"),
        Arguments.of(
            "store: { type: redis, uri: \"redis://a:1\", circuit-breaker: { tries: 3 } }",
            "sluice.yaml:1: unknown key store.circuit-breaker.tries: allowed keys are failures,"
                + " open-after, backoff, max-backoff"),
        Arguments.of(
            "store: { type: redis, uri: \"redis://a:1\", deny-cache: sometimes }",
            "sluice.yaml:1: store.deny-cache must be true or false: 'sometimes'"),
        Arguments.of(
            "policies: { p: { capacity: 1, refill: 1/s, timeout: 2m } }",
            "sluice.yaml:1: policies.p.timeout must be between 1ms and 1m: 2m"),
        Arguments.of(
            "policies: { p: { capacity: 1, refill: 1/s, on-failure: maybe } }",
            "sluice.yaml:1: policies.p.on-failure must be one of allow, deny, local: 'maybe'"),
        Arguments.of(
            "store: { type: redis, uri: \"redis://a:1\", cluster: yes-please }",
            "sluice.yaml:1: store.cluster must be true or false: 'yes-please'"),
        Arguments.of(
            "server: { port: 70000 }",
            "sluice.yaml:1: server.port must be between 0 and 65535: 70000"),
        Arguments.of(
            "server: { port: http }", "sluice.yaml:1: server.port must be a whole number: 'http'"),
        Arguments.of(
            "server: { address: x }",
            "sluice.yaml:1: unknown key server.address: allowed keys are host, port, grpc-port,"
                + " max-wait"),
        Arguments.of(
            "admin: { token: \"a b\" }",
            "sluice.yaml:1: admin.token must be 1 to 256 visible ASCII characters without spaces: 3"
                + " characters"),
        Arguments.of(
            "admin: { user: x }", "sluice.yaml:1: unknown key admin.user: allowed keys are token"));
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void namesTheFileLinePathAndRule(String yaml, String message) {
    assertThatThrownBy(() -> parse(yaml))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void loadsFilesAndNamesThemAsGiven(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("sluice.yaml");
    Files.writeString(file, "policies:\n  default: { capacity: 5, refill: 1/s }\n");
    assertThat(ConfigLoader.load(file).policies().get(Policy.DEFAULT).maxCost()).isEqualTo(5);

    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("missing.yaml")))
        .hasMessage(
            dir.resolve("missing.yaml") + ": cannot read the configuration file: no such file");
    Files.write(file, new byte[] {'a', ':', ' ', (byte) 0xff});
    assertThatThrownBy(() -> ConfigLoader.load(file))
        .hasMessage(file + ": the configuration file must be UTF-8 text");
    Files.write(file, "#".repeat(ConfigLoader.MAX_FILE_BYTES + 1).getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> ConfigLoader.load(file))
        .hasMessage(file + ": the configuration file must be at most 1048576 bytes");
  }
}

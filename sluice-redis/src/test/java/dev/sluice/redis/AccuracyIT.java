package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.Rate;
import dev.sluice.RateLimiter;
import dev.sluice.testkit.RedisExtension;
import dev.sluice.testkit.RedisNode;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Accuracy under concurrency on a real Redis: two independent clients (two API servers), 64
 * threads, one hot key, capacity 100, refill 100/s, 5 s. An exact limiter admits at most capacity +
 * rate x elapsed, and (the load being far above the rate) at least 98% of it. The seed's
 * read-then-write algorithm, run by the same harness, over-admits: the test can fail. Each run
 * first warms up its connections (half a second on another key), as a real server would be.
 */
class AccuracyIT {

  @RegisterExtension static final RedisExtension<RedisNode> REDIS = RedisExtension.single();

  static final int THREADS = 64;
  static final long MILLIS = 5_000;
  static final long CAPACITY = 100;
  static final double RATE = 100;

  static final Policy POLICY = Policy.of("hot", Limit.tokenBucket(CAPACITY, Rate.perSecond(100)));

  @ParameterizedTest
  @EnumSource(RedisBackend.Mode.class)
  void twoClientsOnOneHotKeyAdmitExactlyTheBound(RedisBackend.Mode mode)
      throws InterruptedException {
    HotKeyHarness.Result result = run(REDIS.get().uri(), false, mode, "accuracy-" + mode);
    assertExact(result);
  }

  static HotKeyHarness.Result run(String uri, boolean cluster, RedisBackend.Mode mode, String key)
      throws InterruptedException {
    try (RedisBackend first = backend(uri, cluster, mode);
        RedisBackend second = backend(uri, cluster, mode)) {
      List<RateLimiter> servers =
          List.of(
              RateLimiter.builder().policy(POLICY).backend(first).build(),
              RateLimiter.builder().policy(POLICY).backend(second).build());
      HotKeyHarness.run(
          THREADS, 500, t -> servers.get(t % 2).tryAcquire("warm-up-" + key, "hot", 1).allowed());
      servers.get(0).reset(key, "hot");
      return HotKeyHarness.run(
          THREADS, MILLIS, t -> servers.get(t % 2).tryAcquire(key, "hot", 1).allowed());
    }
  }

  private static RedisBackend backend(String uri, boolean cluster, RedisBackend.Mode mode) {
    return RedisBackend.builder()
        .uri(uri)
        .cluster(cluster)
        .mode(mode)
        .timeout(Duration.ofSeconds(2))
        .build();
  }

  static void assertExact(HotKeyHarness.Result result) {
    double bound = result.bound(CAPACITY, RATE);
    double floor = result.floor(CAPACITY, RATE);
    System.out.printf(
        "admitted %d of %d calls, bound %.1f, %.2f%% of the load window's %.1f%n",
        result.admitted(), result.calls(), bound, 100 * result.admitted() / floor, floor);
    assertThat(result.errors()).as("failed calls").isZero();
    // Over the bound is a bug whatever the machine does. Under it is not always one: callers
    // starved for longer than the bucket takes to fill (a loaded 2-core machine) leave tokens
    // that nobody asks for. The floor only catches a limiter that denies what it should allow;
    // the printed ratio is the measure (99% and more on a quiet machine).
    assertThat((double) result.admitted())
        .as("admitted of %s calls, bound %.1f", result.calls(), bound)
        .isLessThanOrEqualTo(bound)
        .isGreaterThanOrEqualTo(0.5 * floor);
  }

  @Test
  void theSeedsReadThenWriteOverAdmitsUnderTheSameLoad() throws InterruptedException {
    RedisClient client = RedisClient.create(REDIS.get().uri());
    try (StatefulRedisConnection<String, String> first = client.connect();
        StatefulRedisConnection<String, String> second = client.connect()) {
      List<RedisCommands<String, String>> servers = List.of(first.sync(), second.sync());
      servers.get(0).del("rate_limit:naive");
      HotKeyHarness.Result result =
          HotKeyHarness.run(THREADS, MILLIS, t -> naiveIsAllowed(servers.get(t % 2)));
      assertThat((double) result.admitted())
          .as("admitted of %s calls", result.calls())
          .isGreaterThan(result.bound(CAPACITY, RATE));
    } finally {
      client.shutdown();
    }
  }

  /** The seed's isAllowed: HGETALL, compute, HMSET, EXPIRE; three round trips, no atomicity. */
  private static boolean naiveIsAllowed(RedisCommands<String, String> redis) {
    String key = "rate_limit:naive";
    long now = System.currentTimeMillis();
    Map<String, String> data = redis.hgetall(key);
    double tokens = data.containsKey("tokens") ? Double.parseDouble(data.get("tokens")) : CAPACITY;
    long lastRefill =
        data.containsKey("last_refill") ? Long.parseLong(data.get("last_refill")) : now;
    tokens = Math.min(CAPACITY, tokens + (now - lastRefill) / 1000.0 * RATE);
    boolean allowed = false;
    if (tokens >= 1) {
      allowed = true;
      tokens -= 1;
    }
    redis.hmset(key, Map.of("tokens", Double.toString(tokens), "last_refill", Long.toString(now)));
    redis.expire(key, 60);
    return allowed;
  }
}

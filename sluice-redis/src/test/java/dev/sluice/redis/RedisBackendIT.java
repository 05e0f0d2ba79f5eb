package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.BackendException;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.ManualTimeSource;
import dev.sluice.Policy;
import dev.sluice.Rate;
import dev.sluice.RateLimiter;
import dev.sluice.ValidationException;
import dev.sluice.testkit.RedisExtension;
import dev.sluice.testkit.RedisNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The Redis backend's own promises: server clock, script reloading, lossless TTLs, deadlines. */
class RedisBackendIT {

  @RegisterExtension static final RedisExtension<RedisNode> REDIS = RedisExtension.single();

  private static final Policy SEED = Policy.of("default", Limit.tokenBucket(10, Rate.perSecond(1)));

  private static RedisBackend.Builder backend(RedisBackend.Mode mode) {
    return RedisBackend.builder().uri(REDIS.get().uri()).mode(mode).timeout(Duration.ofSeconds(2));
  }

  /**
   * Two API servers whose local clocks differ by 10 s share one bucket. On the server's clock (the
   * default) they agree: the seed's 10 allowed, 2 blocked. Had each used its own clock, the one
   * ahead would have refilled 10 tokens that do not exist.
   */
  @Test
  void clientsWhoseClocksDifferBy10sGetTheSameDecisionsOnTheServerClock() {
    ManualTimeSource behind = new ManualTimeSource(1_800_000_000_000_000L);
    ManualTimeSource ahead = new ManualTimeSource(1_800_000_010_000_000L);
    try (RedisBackend first = backend(RedisBackend.Mode.LUA).build();
        RedisBackend second = backend(RedisBackend.Mode.LUA).build();
        RedisBackend skewedFirst = backend(RedisBackend.Mode.LUA).clientClock(behind).build();
        RedisBackend skewedSecond = backend(RedisBackend.Mode.LUA).clientClock(ahead).build()) {
      assertThat(alternate(first, second, "skew-server"))
          .containsExactly(
              true, true, true, true, true, true, true, true, true, true, false, false);
      List<Boolean> skewed = alternate(skewedFirst, skewedSecond, "skew-client");
      assertThat(skewed.stream().filter(allowed -> allowed).count()).isGreaterThan(10);
    }
  }

  private static List<Boolean> alternate(RedisBackend first, RedisBackend second, String key) {
    first.reset(SEED, key);
    List<Boolean> allowed = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      allowed.add((i % 2 == 0 ? first : second).tryAcquire(SEED, key, 1).allowed());
    }
    return allowed;
  }

  @Test
  void theScriptIsLoadedAgainAfterScriptFlush() {
    try (RedisBackend backend = backend(RedisBackend.Mode.LUA).build()) {
      backend.reset(SEED, "flush");
      assertThat(backend.tryAcquire(SEED, "flush", 1).remaining()).isEqualTo(9);
      REDIS.get().command("SCRIPT", "FLUSH");
      assertThat(backend.tryAcquire(SEED, "flush", 1).remaining()).isEqualTo(8);
    }
  }

  /**
   * The seed's fixed 60 s TTL would hand back 940 tokens early on a drained bucket of 1000 at 1/s;
   * Sluice's key lives until the bucket would be full again: 1000 s.
   */
  @ParameterizedTest
  @EnumSource(RedisBackend.Mode.class)
  void aDrainedBucketExpiresWhenItWouldBeFullAgain(RedisBackend.Mode mode) {
    Policy big = Policy.of("big", Limit.tokenBucket(1000, Rate.perSecond(1)));
    try (RedisBackend backend = backend(mode).build()) {
      backend.reset(big, "ttl");
      Decision drained = backend.tryAcquire(big, "ttl", 1000);
      assertThat(drained.resetAfter()).isEqualTo(Duration.ofSeconds(1000));
      String key = Keys.of("sluice:", big, "ttl")[0];
      long ttl = (Long) REDIS.get().command("PTTL", key);
      assertThat(ttl).isBetween(990_000L, 1_000_000L);
    }
  }

  @Test
  void aPausedRedisFailsTheCallWithinTheDeadlineAndServesAgainAfterwards() {
    try (RedisBackend backend =
        backend(RedisBackend.Mode.LUA).timeout(Duration.ofMillis(100)).build()) {
      RateLimiter limiter = RateLimiter.builder().policy(SEED).backend(backend).build();
      limiter.reset("paused");
      assertThat(limiter.tryAcquire("paused").allowed()).isTrue();
      REDIS.get().pause();
      long start = System.nanoTime();
      assertThatThrownBy(() -> limiter.tryAcquire("paused"))
          .isInstanceOf(BackendException.class)
          .hasMessageContaining("100 ms");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
      REDIS.get().resume();
      assertThat(limiter.tryAcquire("paused").allowed()).isTrue();
    }
  }

  @Test
  void invalidSettingsAreRejectedWithTheirName() {
    assertThatThrownBy(() -> RedisBackend.builder().uri("http://localhost"))
        .hasMessage(
            "uri must start with redis://, rediss:// or redis-sentinel://: http://localhost");
    assertThatThrownBy(() -> RedisBackend.builder().timeout(Duration.ZERO))
        .isInstanceOf(ValidationException.class)
        .hasMessage("timeout must be between 1ms and 1m: 0s");
    assertThatThrownBy(() -> RedisBackend.builder().keyPrefix("a{b"))
        .hasMessageStartingWith("keyPrefix must be at most 64 characters without braces");
    assertThatThrownBy(() -> RedisBackend.builder().build()).hasMessage("uri must be given");
    assertThatThrownBy(() -> RedisBackend.builder().uri(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("uri must not be null");
    assertThatThrownBy(
            () ->
                RedisBackend.builder()
                    .uri("redis://127.0.0.1:1")
                    .connectTimeout(Duration.ofMillis(200))
                    .build())
        .isInstanceOf(BackendException.class)
        .hasMessageContaining("cannot connect to Redis at redis://127.0.0.1:1");
    assertThatThrownBy(
            () ->
                RedisBackend.builder()
                    .uri("redis://user:s3cret@127.0.0.1:1")
                    .connectTimeout(Duration.ofMillis(200))
                    .build())
        .hasMessageContaining("redis://***@127.0.0.1:1")
        .hasMessageNotContaining("s3cret");
  }
}

package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.InMemoryBackend;
import dev.sluice.Limit;
import dev.sluice.ManualTimeSource;
import dev.sluice.Policy;
import dev.sluice.PolicyRegistry;
import dev.sluice.Rate;
import dev.sluice.RateLimiter;
import dev.sluice.testkit.RedisExtension;
import dev.sluice.testkit.RedisNode;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Cold keys in the hybrid mode decide exactly as Lua mode: a random timeline of sparse requests
 * (one now and then, on random keys, with costs, peeks, resets and the clock now and then going
 * back) gives, field by field, the decisions of the reference model and of a plain Lua backend, on
 * leasing policies, and never takes a lease.
 */
class HybridColdKeyIT {

  @RegisterExtension static final RedisExtension<RedisNode> REDIS = RedisExtension.single();

  @Test
  void sparseRequestsOnLeasingPoliciesGetExactlyTheDecisionsOfLuaMode() {
    ManualTimeSource clock = new ManualTimeSource(1_699_995_600_000_000L);
    List<Policy> policies =
        List.of(
            Policy.of("bench", Limit.tokenBucket(1000, Rate.perSecond(1000))),
            Policy.of("tens", Limit.tokenBucket(100, Rate.perSecond(10))),
            Policy.of("slow", Limit.tokenBucket(40, Rate.perMinute(1))),
            Policy.of("thirds", Limit.tokenBucket(60, Rate.of(7, Duration.ofSeconds(3)))));
    PolicyRegistry registry = PolicyRegistry.of(policies.toArray(Policy[]::new));
    String run = Long.toHexString(System.nanoTime());
    HybridBackend backend =
        HybridBackend.builder(redis(clock, "cold-hybrid-" + run + ":"))
            .timeSource(clock)
            .sweepInterval(Duration.ofMillis(1))
            .build();
    try (RateLimiter hybrid = RateLimiter.builder().backend(backend).policies(registry).build();
        RateLimiter lua =
            RateLimiter.builder()
                .backend(redis(clock, "cold-lua-" + run + ":"))
                .policies(registry)
                .build()) {
      RateLimiter reference =
          RateLimiter.builder()
              .backend(InMemoryBackend.builder().timeSource(clock).build())
              .policies(registry)
              .build();
      String[] keys = new String[40];
      for (int i = 0; i < keys.length; i++) {
        keys[i] = i % 5 == 0 ? "ü {user}:" + i : "user" + i;
      }
      Random random = new Random(20_260_501L);
      int acquires = 0;
      for (int step = 0; step < 1500; step++) {
        int jump = random.nextInt(20);
        if (jump == 0) {
          clock.advanceMicros(-random.nextInt(2_000_000));
        } else if (jump > 2) {
          clock.advanceMicros(random.nextInt(jump < 18 ? 300_000 : 20_000_000));
        }
        Policy policy = policies.get(random.nextInt(policies.size()));
        String key = keys[random.nextInt(keys.length)];
        long cost = random.nextInt(4) == 0 ? 1 + random.nextInt((int) policy.maxCost()) : 1;
        int op = random.nextInt(50);
        String at = "step " + step + " t=" + clock.nowMicros() + " " + policy.name() + " " + key;
        if (op == 0) {
          hybrid.reset(key, policy.name());
          lua.reset(key, policy.name());
          reference.reset(key, policy.name());
        } else if (op < 6) {
          Decision want = reference.peek(key, policy.name());
          assertThat(lua.peek(key, policy.name())).as("lua peek, %s", at).isEqualTo(want);
          assertThat(hybrid.peek(key, policy.name())).as("hybrid peek, %s", at).isEqualTo(want);
        } else {
          acquires++;
          Decision want = reference.tryAcquire(key, policy.name(), cost);
          assertThat(lua.tryAcquire(key, policy.name(), cost))
              .as("lua, %s cost %d", at, cost)
              .isEqualTo(want);
          assertThat(hybrid.tryAcquire(key, policy.name(), cost))
              .as("hybrid, %s cost %d", at, cost)
              .isEqualTo(want);
        }
      }
      HybridStats stats = backend.stats();
      assertThat(stats.leaseCalls()).isZero();
      assertThat(stats.tokensLeased()).isZero();
      assertThat(stats.delegatedDecisions()).isEqualTo(acquires);
      assertThat(acquires).isGreaterThan(1000);
    }
  }

  private static RedisBackend redis(ManualTimeSource clock, String prefix) {
    return RedisBackend.builder()
        .uri(REDIS.get().uri())
        .clientClock(clock)
        .minimumTtl(Duration.ofDays(1))
        .timeout(Duration.ofSeconds(5))
        .keyPrefix(prefix)
        .build();
  }
}

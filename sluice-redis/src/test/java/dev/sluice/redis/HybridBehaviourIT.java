package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Backend;
import dev.sluice.Limit;
import dev.sluice.ManualTimeSource;
import dev.sluice.Policy;
import dev.sluice.Rate;
import dev.sluice.RateLimiter;
import dev.sluice.tck.BackendBehaviourSuite;
import dev.sluice.testkit.RedisCluster;
import dev.sluice.testkit.RedisExtension;
import dev.sluice.testkit.RedisNode;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The core's behaviour suite, unchanged, against the hybrid backend (every policy selected) on a
 * single node and on a 3-primary cluster, on the suite's manual clock (the Redis client clock and
 * the hybrid's local clock). Every algorithm passes, with no test skipped: what the hybrid does not
 * lease it delegates to Lua mode. Of the token-bucket tests, the suite's buckets of 5 to 15 tokens
 * never lease (their largest lease, 5% of the capacity, is under 2 tokens), and {@code
 * concurrentRequestsOnOneKeyAdmitExactlyTheCapacity} (capacity 100, 240 requests at one instant)
 * does: it leases in batches of up to 5 and still admits exactly 100. Exact decisions from leases
 * are checked in {@link HybridLeaseIT}.
 */
class HybridBehaviourIT {

  private static HybridBackend hybrid(String uri, boolean cluster, ManualTimeSource clock) {
    RedisBackend redis =
        RedisBackend.builder()
            .uri(uri)
            .cluster(cluster)
            .clientClock(clock)
            .minimumTtl(Duration.ofHours(1))
            .timeout(Duration.ofSeconds(5))
            .build();
    return HybridBackend.builder(redis).timeSource(clock).sweepInterval(Duration.ZERO).build();
  }

  @Nested
  class SingleNode extends BackendBehaviourSuite {
    @RegisterExtension static final RedisExtension<RedisNode> REDIS = RedisExtension.single();

    @Override
    protected Backend createBackend(ManualTimeSource clock) {
      return hybrid(REDIS.get().uri(), false, clock);
    }
  }

  @Nested
  class Cluster extends BackendBehaviourSuite {
    @RegisterExtension static final RedisExtension<RedisCluster> CLUSTER = RedisExtension.cluster();

    @Override
    protected Backend createBackend(ManualTimeSource clock) {
      return hybrid(String.join(",", CLUSTER.get().uris()), true, clock);
    }

    @Test
    void aHotKeyLeasesOnTheClusterAndAdmitsExactlyTheCapacity() {
      HybridBackend backend = (HybridBackend) backend();
      Policy policy =
          Policy.of(
              "hot-" + Long.toHexString(System.nanoTime()),
              Limit.tokenBucket(1000, Rate.perSecond(1000)));
      RateLimiter limiter = RateLimiter.builder().policy(policy).backend(backend).build();
      for (String key : new String[] {"a", "b", "{c}", "ü"}) {
        long admitted = 0;
        for (int i = 0; i < 1100; i++) {
          admitted += limiter.tryAcquire(key, policy.name(), 1).allowed() ? 1 : 0;
        }
        assertThat(admitted).as(key).isEqualTo(1000);
      }
      // Without prefetching, 3 Lua decisions and then 23 leases per key (4, 8, 16, 32, then 50s);
      // topping
      // up at a quarter of a batch takes a few more, smaller ones. Either way far fewer than 1000.
      assertThat(backend.stats().leaseCalls())
          .as("lease calls for 4 keys")
          .isBetween(4L * 23, 4L * 60);
    }
  }
}

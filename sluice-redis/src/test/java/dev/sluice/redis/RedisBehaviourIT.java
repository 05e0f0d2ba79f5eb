package dev.sluice.redis;

import dev.sluice.Backend;
import dev.sluice.ManualTimeSource;
import dev.sluice.tck.BackendBehaviourSuite;
import dev.sluice.testkit.RedisCluster;
import dev.sluice.testkit.RedisExtension;
import dev.sluice.testkit.RedisNode;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The core's behaviour suite, unchanged, against real Redis: both modes, on a single node and on a
 * 3-primary cluster. The backends read the suite's manual clock (the client clock option).
 */
class RedisBehaviourIT {

  private static RedisBackend redis(
      String uri, boolean cluster, RedisBackend.Mode mode, ManualTimeSource clock) {
    return RedisBackend.builder()
        .uri(uri)
        .cluster(cluster)
        .mode(mode)
        .clientClock(clock)
        .minimumTtl(Duration.ofHours(1))
        .timeout(Duration.ofSeconds(5))
        .build();
  }

  @Nested
  class SingleNode {
    @RegisterExtension static final RedisExtension<RedisNode> REDIS = RedisExtension.single();

    @Nested
    class Lua extends BackendBehaviourSuite {
      @Override
      protected Backend createBackend(ManualTimeSource clock) {
        return redis(REDIS.get().uri(), false, RedisBackend.Mode.LUA, clock);
      }
    }

    @Nested
    class Transaction extends BackendBehaviourSuite {
      @Override
      protected Backend createBackend(ManualTimeSource clock) {
        return redis(REDIS.get().uri(), false, RedisBackend.Mode.TRANSACTION, clock);
      }
    }
  }

  @Nested
  class Cluster {
    @RegisterExtension static final RedisExtension<RedisCluster> CLUSTER = RedisExtension.cluster();

    @Nested
    class Lua extends BackendBehaviourSuite {
      @Override
      protected Backend createBackend(ManualTimeSource clock) {
        return redis(String.join(",", CLUSTER.get().uris()), true, RedisBackend.Mode.LUA, clock);
      }
    }

    @Nested
    class Transaction extends BackendBehaviourSuite {
      @Override
      protected Backend createBackend(ManualTimeSource clock) {
        return redis(
            String.join(",", CLUSTER.get().uris()), true, RedisBackend.Mode.TRANSACTION, clock);
      }
    }
  }
}

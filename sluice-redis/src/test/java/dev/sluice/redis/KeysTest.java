package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.Rate;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The key layout: collision-free, one hash tag, no brace inside it, for any client key. */
class KeysTest {

  private static final Policy POLICY =
      Policy.of(
          "p",
          Limit.tokenBucket(10, Rate.perSecond(1)),
          Limit.slidingLog(5, Duration.ofSeconds(1)));

  @Test
  void trickyKeysNeverCollideAndStayInOneSlot() {
    List<String> keys =
        List.of(
            "user123",
            "user:123",
            "user%3A123",
            "{user}",
            "}{",
            "a b",
            "a\nb",
            "a\tb",
            "ü",
            "u%C3%BC",
            "名前",
            "x".repeat(512),
            "x".repeat(511) + "y",
            "@~._-",
            "%",
            "%25");
    Set<String> seen = new HashSet<>();
    for (String key : keys) {
      String[] redisKeys = Keys.of("sluice:", POLICY, key);
      assertThat(redisKeys).hasSize(3);
      for (String redisKey : redisKeys) {
        assertThat(seen.add(redisKey)).as("unique: %s", redisKey).isTrue();
        String tag = redisKey.substring(redisKey.indexOf('{') + 1, redisKey.indexOf('}'));
        assertThat(tag).isEqualTo("p:" + Keys.encode(key));
        assertThat(redisKey.indexOf('{', redisKey.indexOf('{') + 1)).isEqualTo(-1);
      }
    }
  }

  @Test
  void theLayoutIsReadableAndNamesLimitsByIdNotByParameters() {
    assertThat(Keys.of("sluice:", POLICY, "user:123"))
        .containsExactly(
            "sluice:{p:user%3A123}:0", "sluice:{p:user%3A123}:1:t", "sluice:{p:user%3A123}:1:c");
    Policy edited =
        Policy.builder("p")
            .limit("1", Limit.slidingLog(50, Duration.ofSeconds(1)))
            .limit("0", Limit.tokenBucket(20, Rate.perMinute(7)))
            .limit("daily", Limit.fixedWindow(1_000, Duration.ofDays(1)))
            .build();
    assertThat(Keys.of("sluice:", edited, "user:123"))
        .as("other parameters, another order: the same keys for the same ids")
        .containsExactly(
            "sluice:{p:user%3A123}:1:t",
            "sluice:{p:user%3A123}:1:c", "sluice:{p:user%3A123}:0", "sluice:{p:user%3A123}:daily");
  }
}

package dev.sluice.bench.load;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.List;

/**
 * The yardstick of Sluice's own layers: the EVALSHA that Sluice's Lua mode sends (its script, its
 * keys and its arguments, captured from Sluice with MONITOR under the same limit), called through
 * Lettuce without any of Sluice's code, on one shared connection as Sluice's Lua mode has. Sluice
 * against this contender is the cost of everything Sluice adds to the script call: validation, key
 * and argument encoding, the decision object, the failure handling and the listener.
 */
final class LettuceEvalshaContender implements Contender {

  /** The contender name in results. */
  static final String NAME = "lettuce-evalsha";

  private static final String KEY = "__KEY__";

  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisCommands<String, String> redis;
  private final String sha;
  private final String[] keys;
  private final String[] args;

  LettuceEvalshaContender(String uri, LimitSpec limit) {
    List<String> template = EvalshaCeiling.captureTemplate(uri, limit);
    int count = Integer.parseInt(template.get(2));
    this.sha = template.get(1);
    this.keys = template.subList(3, 3 + count).toArray(String[]::new);
    this.args = template.subList(3 + count, template.size()).toArray(String[]::new);
    this.client = RedisClient.create(uri);
    this.connection = client.connect();
    this.redis = connection.sync();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean tryAcquire(String key) {
    List<Object> result =
        redis.evalsha(sha, ScriptOutputType.MULTI, with(keys, key), with(args, key));
    // Sluice's token-bucket script answers {allowed (1 or 0), remaining, wait, reset}.
    return Long.valueOf(1).equals(result.get(0));
  }

  /** The template's values with the key in place of its placeholder. */
  private static String[] with(String[] template, String key) {
    String[] values = new String[template.length];
    for (int i = 0; i < template.length; i++) {
      values[i] = template[i].replace(KEY, key);
    }
    return values;
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}

package dev.sluice.bench.load;

import dev.sluice.redis.RedisBackend;
import java.util.List;

/** Every contender of the Redis benchmark, by name. */
public final class Contenders {

  /**
   * The names, in report order; the last is the PING ceiling, and {@code lettuce-evalsha} before it
   * the bare script call that Sluice's own layers are measured against.
   */
  public static final List<String> NAMES =
      List.of(
          "sluice-lua",
          "sluice-transaction",
          "sluice-hybrid",
          "bucket4j",
          "bucket4j-batching",
          "redisson",
          "seed",
          LettuceEvalshaContender.NAME,
          "lettuce-ping");

  /** The contenders whose accuracy is measured (a ceiling admits everything). */
  public static final List<String> LIMITERS = NAMES.subList(0, NAMES.size() - 1);

  private Contenders() {}

  /**
   * Connects a contender.
   *
   * @param name one of {@link #NAMES}
   * @param uri the Redis URI
   * @param limit the limit every key gets
   * @param keys the keys the run will use (Redisson sets each one's rate first)
   * @return the contender, to be closed
   */
  public static Contender open(String name, String uri, LimitSpec limit, List<String> keys) {
    return switch (name) {
      case "sluice-lua" -> new SluiceContender(name, uri, RedisBackend.Mode.LUA, limit);
      case "sluice-transaction" ->
          new SluiceContender(name, uri, RedisBackend.Mode.TRANSACTION, limit);
      case "sluice-hybrid" -> new HybridContender(uri, limit);
      case "bucket4j" -> new Bucket4jContender(name, uri, false, limit);
      case "bucket4j-batching" -> new Bucket4jContender(name, uri, true, limit);
      case "redisson" -> new RedissonContender(uri, limit, keys);
      case "seed" -> new SeedContender(uri, limit);
      case LettuceEvalshaContender.NAME -> new LettuceEvalshaContender(uri, limit);
      case "lettuce-ping" -> new PingContender(uri);
      default ->
          throw new IllegalArgumentException("contender must be one of " + NAMES + ": " + name);
    };
  }
}

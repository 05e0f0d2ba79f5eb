package dev.sluice.server;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Durations;
import dev.sluice.Limit;
import dev.sluice.Rate;
import dev.sluice.RateLimiter;
import dev.sluice.ValidationException;
import dev.sluice.redis.RedisBackend;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice demo}: the seed's example, twelve requests against a bucket of ten. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Sends a burst of requests for one key and prints each decision.",
      "By default the seed's example: capacity 10, refill 1/s, 12 requests: 10 allowed, 2 blocked."
    })
final class DemoCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--capacity",
      paramLabel = "N",
      description = "Bucket capacity, or the limit per window (default: ${DEFAULT-VALUE}).")
  long capacity = 10;

  @Option(
      names = "--refill",
      paramLabel = "RATE",
      description =
          "Refill (or leak) rate such as 1/s, 100/m, 10000/d (default: ${DEFAULT-VALUE}).")
  String refill = "1/s";

  @Option(
      names = "--window",
      paramLabel = "DURATION",
      description =
          "Window of the window algorithms, such as 10s or 1m (default: capacity / refill).")
  String window;

  @Option(
      names = "--requests",
      paramLabel = "N",
      description = "How many requests to send (default: ${DEFAULT-VALUE}).")
  int requests = 12;

  @Option(
      names = "--key",
      paramLabel = "KEY",
      description = "The client key (default: ${DEFAULT-VALUE}).")
  String key = "user123";

  @Option(
      names = "--algorithm",
      paramLabel = "NAME",
      description =
          "token-bucket, fixed-window, sliding-window, sliding-log or leaky-bucket (default:"
              + " ${DEFAULT-VALUE}).")
  String algorithm = "token-bucket";

  @Option(
      names = "--redis",
      paramLabel = "URI",
      description =
          "Run against this Redis (redis://, rediss:// or redis-sentinel://) instead of in memory;"
              + " the key is reset first.")
  String redis;

  @Option(
      names = "--redis-cluster",
      description = "With --redis: the URI is a comma-separated list of Redis Cluster seeds.")
  boolean redisCluster;

  @Option(
      names = "--mode",
      paramLabel = "MODE",
      description =
          "With --redis: lua (one script call per decision) or transaction (no Lua) (default:"
              + " ${DEFAULT-VALUE}).")
  String mode = "lua";

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (requests < 1 || requests > 1_000_000) {
      throw new IllegalArgumentException("--requests must be between 1 and 1000000: " + requests);
    }
    Limit limit = limit();
    RedisBackend.Mode redisMode =
        StoreConfig.parseEnum("--mode", mode, StoreConfig.Mode.class) == StoreConfig.Mode.LUA
            ? RedisBackend.Mode.LUA
            : RedisBackend.Mode.TRANSACTION;
    RateLimiter.Builder builder = RateLimiter.builder().limits(limit);
    if (redis != null) {
      builder.backend(
          RedisBackend.builder()
              .uri(StoreConfig.checkUri("--redis", redis))
              .cluster(redisCluster)
              .mode(redisMode)
              .timeout(Duration.ofSeconds(2))
              .build());
    }
    out.println(
        "Limit: "
            + limit
            + ", key '"
            + key
            + "', "
            + requests
            + " requests at once, "
            + (redis == null
                ? "in memory"
                : "on Redis "
                    + RedisBackend.redacted(redis)
                    + " ("
                    + mode.toLowerCase(Locale.ROOT)
                    + ")"));
    try (RateLimiter limiter = builder.build()) {
      if (redis != null) {
        limiter.reset(key);
      }
      for (int i = 1; i <= requests; i++) {
        out.println(line(i, limiter.tryAcquire(key)));
      }
    }
    out.flush();
    return 0;
  }

  static String line(int request, Decision decision) {
    String text =
        "Request "
            + request
            + ": "
            + (decision.allowed() ? "Allowed" : "Blocked")
            + "  (remaining "
            + decision.remaining();
    if (!decision.allowed()) {
      text += ", retry in " + seconds(decision.retryAfter());
    }
    return text + ")";
  }

  private static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.3fs", duration.toNanos() / 1e9);
  }

  private Limit limit() {
    Algorithm chosen = option("--algorithm", "algorithm", () -> Algorithm.fromId(algorithm));
    Rate rate = option("--refill", "rate", () -> Rate.parse(refill));
    return option(
        "--capacity",
        chosen == Algorithm.TOKEN_BUCKET || chosen == Algorithm.LEAKY_BUCKET ? "capacity" : "limit",
        () -> {
          if (chosen == Algorithm.TOKEN_BUCKET) {
            return Limit.tokenBucket(capacity, rate);
          }
          if (chosen == Algorithm.LEAKY_BUCKET) {
            return Limit.leakyBucket(capacity, rate);
          }
          Duration length =
              window != null
                  ? option("--window", "window", () -> Durations.parse("window", window))
                  : Limit.tokenBucket(capacity, rate).window();
          return switch (chosen) {
            case FIXED_WINDOW -> Limit.fixedWindow(capacity, length);
            case SLIDING_WINDOW -> Limit.slidingWindow(capacity, length);
            default -> Limit.slidingLog(capacity, length);
          };
        });
  }

  /**
   * Runs a core validation and names the command-line option where the core names its parameter:
   * {@code rate tokens must ...} becomes {@code --refill tokens must ...}.
   */
  private static <T> T option(String option, String param, Supplier<T> check) {
    try {
      return check.get();
    } catch (ValidationException e) {
      ValidationException named =
          e.renamed(param, option)
              .renamed("window", "--window")
              .renamed("capacity x refill", "--capacity x --refill")
              .renamed("capacity x leak", "--capacity x --refill");
      throw named == e ? e : named;
    }
  }
}

package dev.sluice;

import dev.sluice.internal.Checks;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The rate-limiting algorithms Sluice implements, by the names used in configuration. */
public enum Algorithm {
  /** Token bucket: bursts up to the capacity, refilled at a steady rate. The default. */
  TOKEN_BUCKET("token-bucket"),
  /** Fixed window: at most a limit per aligned window; bursts at window edges. */
  FIXED_WINDOW("fixed-window"),
  /** Sliding window counter: Cloudflare's weighted estimate over two windows; O(1) memory. */
  SLIDING_WINDOW("sliding-window"),
  /** Sliding log: exact count over the last window; memory grows with the limit. */
  SLIDING_LOG("sliding-log"),
  /** Leaky bucket as a meter (GCRA): a level that drains at a constant rate. */
  LEAKY_BUCKET("leaky-bucket"),
  /**
   * Concurrency: at most a number of requests in flight, each holding a permit until it is released
   * or its lease runs out.
   */
  CONCURRENCY("concurrency");

  private final String id;

  Algorithm(String id) {
    this.id = id;
  }

  /**
   * The configuration name, such as {@code token-bucket}.
   *
   * @return the name
   */
  public String id() {
    return id;
  }

  /**
   * Finds an algorithm by its configuration name (case-insensitive).
   *
   * @param id a name such as {@code token-bucket}
   * @return the algorithm
   * @throws IllegalArgumentException if no algorithm has that name
   */
  public static Algorithm fromId(String id) {
    Checks.notNull("algorithm", id);
    for (Algorithm algorithm : values()) {
      if (algorithm.id.equals(id.trim().toLowerCase(Locale.ROOT))) {
        return algorithm;
      }
    }
    throw Checks.fail(
        "algorithm",
        "be one of " + Arrays.stream(values()).map(Algorithm::id).collect(Collectors.joining(", ")),
        "'" + id + "'");
  }

  @Override
  public String toString() {
    return id;
  }
}

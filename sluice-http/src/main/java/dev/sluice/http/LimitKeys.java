package dev.sluice.http;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import java.time.Duration;
import java.util.List;

/**
 * The keys a limit takes in Sluice's configuration, per algorithm: one vocabulary for the server's
 * YAML file ({@code policies.<name>}) and the Spring properties ({@code sluice.policies.<name>}),
 * and the words their errors use. The values' rules are the core's.
 */
public final class LimitKeys {

  private LimitKeys() {}

  /**
   * The keys of a limit of {@code algorithm}, beside its {@code id}: {@code algorithm} and its
   * parameters.
   *
   * @param algorithm the algorithm
   * @return the keys, in the order the docs list them
   */
  public static List<String> of(Algorithm algorithm) {
    return switch (algorithm) {
      case TOKEN_BUCKET -> List.of("algorithm", "capacity", "refill");
      case LEAKY_BUCKET -> List.of("algorithm", "capacity", "leak");
      case FIXED_WINDOW -> List.of("algorithm", "limit", "window", "align");
      case SLIDING_WINDOW, SLIDING_LOG -> List.of("algorithm", "limit", "window");
      case CONCURRENCY -> List.of("algorithm", "limit", "lease", "retry-hint");
    };
  }

  /**
   * What a limit of {@code algorithm} must be given, for an error about a missing key.
   *
   * @param algorithm the algorithm
   * @return such as {@code capacity and refill}
   */
  public static String needs(Algorithm algorithm) {
    return switch (algorithm) {
      case TOKEN_BUCKET -> "capacity and refill";
      case LEAKY_BUCKET -> "capacity and leak";
      case CONCURRENCY -> "limit and lease";
      case FIXED_WINDOW, SLIDING_WINDOW, SLIDING_LOG -> "limit and window";
    };
  }

  /**
   * The limit of a window algorithm: a fixed window aligned to the epoch, a sliding window or a
   * sliding log of {@code limit} requests per {@code window}.
   *
   * @param algorithm {@code FIXED_WINDOW}, {@code SLIDING_WINDOW} or {@code SLIDING_LOG}
   * @param limit the requests per window
   * @param window the window
   * @return the limit
   * @throws IllegalArgumentException if the algorithm has no window, or the core refuses a value
   */
  public static Limit window(Algorithm algorithm, long limit, Duration window) {
    return switch (algorithm) {
      case FIXED_WINDOW -> Limit.fixedWindow(limit, window);
      case SLIDING_WINDOW -> Limit.slidingWindow(limit, window);
      case SLIDING_LOG -> Limit.slidingLog(limit, window);
      default -> throw new IllegalArgumentException(algorithm + " has no window");
    };
  }
}

package dev.sluice.bench.local;

import java.util.SplittableRandom;

/**
 * Key tables and precomputed draws, so that a benchmark call spends no time on random numbers or on
 * building key strings.
 *
 * <ul>
 *   <li>{@code hot}: one key;
 *   <li>{@code uniform}: 1,000,000 keys, each equally likely;
 *   <li>{@code zipf}: 1,000,000 keys, rank r drawn with probability proportional to 1/r^0.99
 *       (YCSB's constant), ranks scattered over the keys.
 * </ul>
 */
public final class KeySequences {

  /** Keys of the uniform and Zipf sets. */
  public static final int KEYS = 1_000_000;

  /** Draws per sequence; callers cycle through it from different offsets. */
  public static final int DRAWS = 1 << 22;

  private KeySequences() {}

  /**
   * The key table of a set.
   *
   * @param set hot, uniform or zipf
   * @return the keys
   */
  public static String[] keys(String set) {
    if (set.equals("hot")) {
      return new String[] {"hot"};
    }
    String[] keys = new String[KEYS];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "user:" + i;
    }
    return keys;
  }

  /**
   * {@link #DRAWS} indexes into {@link #keys}.
   *
   * @param set hot, uniform or zipf
   * @param seed the random seed
   * @return the draws
   */
  public static int[] draws(String set, long seed) {
    int[] draws = new int[DRAWS];
    SplittableRandom random = new SplittableRandom(seed);
    switch (set) {
      case "hot" -> {}
      case "uniform" -> {
        for (int i = 0; i < DRAWS; i++) {
          draws[i] = random.nextInt(KEYS);
        }
      }
      case "zipf" -> {
        double[] cdf = zipfCdf(KEYS, 0.99);
        for (int i = 0; i < DRAWS; i++) {
          int rank = search(cdf, random.nextDouble());
          // A bijection of [0, KEYS): 2654435761 is coprime with 10^6.
          draws[i] = (int) ((rank * 2654435761L) % KEYS);
        }
      }
      default -> throw new IllegalArgumentException("set must be hot, uniform or zipf: " + set);
    }
    return draws;
  }

  static double[] zipfCdf(int n, double s) {
    double[] cdf = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += 1 / Math.pow(i + 1, s);
      cdf[i] = sum;
    }
    for (int i = 0; i < n; i++) {
      cdf[i] /= sum;
    }
    return cdf;
  }

  /** The first index whose cumulative probability reaches {@code u}. */
  static int search(double[] cdf, double u) {
    int lo = 0;
    int hi = cdf.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}

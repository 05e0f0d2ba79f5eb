package dev.sluice.internal.algorithm;

/**
 * Saturating integer arithmetic for time and token counts; no floating point anywhere. The one Java
 * implementation of the bucket arithmetic that every Java backend shares (the in-memory backend
 * through the models, the Redis transaction mode and the hybrid's local view).
 */
public final class Maths {

  private Maths() {}

  /**
   * {@code a + b}, clamped to the range of a long instead of overflowing.
   *
   * @param a a number
   * @param b a number
   * @return the saturated sum
   */
  public static long add(long a, long b) {
    long r = a + b;
    if (((a ^ r) & (b ^ r)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return r;
  }

  /**
   * {@code a - b}, clamped to the range of a long instead of overflowing.
   *
   * @param a a number
   * @param b a number
   * @return the saturated difference
   */
  public static long sub(long a, long b) {
    long r = a - b;
    if (((a ^ b) & (a ^ r)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return r;
  }

  /**
   * {@code a * b}, clamped to the range of a long instead of overflowing.
   *
   * @param a a number
   * @param b a number
   * @return the saturated product
   */
  public static long mul(long a, long b) {
    long high = Math.multiplyHigh(a, b);
    long low = a * b;
    if ((high == 0 && low >= 0) || (high == -1 && low < 0)) {
      return low;
    }
    return (a < 0) == (b < 0) ? Long.MAX_VALUE : Long.MIN_VALUE;
  }

  /**
   * {@code ceil(a / b)} for {@code a >= 0, b > 0}.
   *
   * @param a the dividend
   * @param b the divisor
   * @return the quotient rounded up
   */
  public static long ceilDiv(long a, long b) {
    long q = a / b;
    return q * b == a ? q : q + 1;
  }

  /** The start of the aligned window of length {@code window} that holds {@code now}. */
  static long windowStart(long now, long window) {
    return sub(now, Math.floorMod(now, window));
  }

  /**
   * What is left of {@code used} units of a bucket after {@code elapsed} microseconds at {@code
   * rate} units per microsecond: the refill of a token bucket, the leak of a leaky bucket. No
   * overflow however long the bucket was idle.
   *
   * @param used the units taken, at least 0
   * @param elapsed the microseconds passed, at least 0
   * @param rate units per microsecond, at least 1
   * @return the units still taken
   */
  public static long drain(long used, long elapsed, long rate) {
    return elapsed >= ceilDiv(used, rate) ? 0 : used - elapsed * rate;
  }

  /** The greatest common divisor of two positive numbers. */
  static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }
}

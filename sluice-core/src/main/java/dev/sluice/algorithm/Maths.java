package dev.sluice.algorithm;

/** Saturating integer arithmetic for time and token counts; no floating point anywhere. */
final class Maths {

  private Maths() {}

  /** {@code a + b}, clamped to the range of a long instead of overflowing. */
  static long add(long a, long b) {
    long r = a + b;
    if (((a ^ r) & (b ^ r)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return r;
  }

  /** {@code a - b}, clamped to the range of a long instead of overflowing. */
  static long sub(long a, long b) {
    long r = a - b;
    if (((a ^ b) & (a ^ r)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return r;
  }

  /** {@code ceil(a / b)} for {@code a >= 0, b > 0}. */
  static long ceilDiv(long a, long b) {
    long q = a / b;
    return q * b == a ? q : q + 1;
  }

  /** The start of the aligned window of length {@code window} that holds {@code now}. */
  static long windowStart(long now, long window) {
    return sub(now, Math.floorMod(now, window));
  }
}

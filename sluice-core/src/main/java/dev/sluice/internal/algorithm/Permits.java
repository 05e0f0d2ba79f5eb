package dev.sluice.internal.algorithm;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Permit ids: 128 random bits, so that no caller can guess another's. They come from a DRBG (NIST
 * SP 800-90A) seeded once, when the first policy that holds permits is built: a {@code NativePRNG}
 * would read {@code /dev/urandom} on every call, a blocking read on whatever thread decides (an
 * event loop included).
 */
public final class Permits {

  private static final SecureRandom RANDOM = seeded();
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

  private Permits() {}

  private static SecureRandom seeded() {
    try {
      SecureRandom random = SecureRandom.getInstance("DRBG");
      random.nextBytes(new byte[16]); // seeds it now, not on a decision's thread
      return random;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime since 9 has the DRBG", e);
    }
  }

  /** Seeds the generator, off the decision path: called where a policy holding permits is built. */
  public static void ready() {
    // Loading the class seeded it.
  }

  /**
   * A new permit id.
   *
   * @return 22 characters of URL-safe Base64
   */
  public static String next() {
    byte[] bits = new byte[16];
    RANDOM.nextBytes(bits);
    return ENCODER.encodeToString(bits);
  }
}

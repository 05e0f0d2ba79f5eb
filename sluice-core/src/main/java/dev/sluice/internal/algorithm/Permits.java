package dev.sluice.internal.algorithm;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * Permit ids: 128 random bits from a {@link SecureRandom}, so that no caller can guess another's.
 */
public final class Permits {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

  private Permits() {}

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

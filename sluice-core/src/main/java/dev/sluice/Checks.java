package dev.sluice;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Argument validation with one message shape: {@code <param> must <rule>: <actual>}.
 *
 * <p>Every check throws {@link IllegalArgumentException}; nothing is changed when one fails.
 */
final class Checks {

  /** The longest client key, in UTF-8 bytes. */
  static final int MAX_KEY_BYTES = 512;

  private Checks() {}

  static long range(String param, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          param + " must be between " + min + " and " + max + ": " + value);
    }
    return value;
  }

  static <T> T notNull(String param, T value) {
    if (value == null) {
      throw new IllegalArgumentException(param + " must not be null");
    }
    return value;
  }

  static String name(String param, String value) {
    notNull(param, value);
    if (!value.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
      throw new IllegalArgumentException(
          param
              + " must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or"
              + " digit: '"
              + value
              + "'");
    }
    return value;
  }

  /**
   * Checks a client key: non-empty, valid Unicode (no unpaired surrogate) and at most {@value
   * #MAX_KEY_BYTES} UTF-8 bytes. Keys of up to 170 chars cannot exceed the limit (a char is at most
   * 3 UTF-8 bytes), so they are not encoded.
   */
  static String key(String key) {
    if (key == null) {
      throw new IllegalArgumentException("key must not be null");
    }
    int length = key.length();
    if (length == 0) {
      throw new IllegalArgumentException("key must not be empty");
    }
    for (int i = 0; i < length; i++) {
      char c = key.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c)
            && i + 1 < length
            && Character.isLowSurrogate(key.charAt(i + 1))) {
          i++;
        } else {
          // Not Unicode: UTF-8 has no bytes for it, so it would share a stored key with '?'.
          throw new IllegalArgumentException(
              "key must be valid Unicode: an unpaired surrogate at index " + i);
        }
      }
    }
    if (length > MAX_KEY_BYTES / 3) {
      int bytes = key.getBytes(StandardCharsets.UTF_8).length;
      if (bytes > MAX_KEY_BYTES) {
        throw new IllegalArgumentException(
            "key must be at most " + MAX_KEY_BYTES + " UTF-8 bytes: " + bytes + " bytes");
      }
    }
    return key;
  }

  /** Converts a duration to whole microseconds within {@code [min, max]}. */
  static long micros(String param, Duration value, Duration min, Duration max) {
    notNull(param, value);
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          param
              + " must be between "
              + Durations.format(min)
              + " and "
              + Durations.format(max)
              + ": "
              + Durations.format(value));
    }
    if (value.getNano() % 1_000 != 0) {
      throw new IllegalArgumentException(
          param + " must be a whole number of microseconds: " + value);
    }
    return value.toNanos() / 1_000;
  }
}

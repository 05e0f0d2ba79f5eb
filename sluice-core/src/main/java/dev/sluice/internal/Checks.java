package dev.sluice.internal;

import dev.sluice.Acquire;
import dev.sluice.Durations;
import dev.sluice.RateLimiter;
import dev.sluice.ValidationException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Argument validation for every Sluice module, with one message shape: {@code <param> must <rule>:
 * <actual>}. Not API: an internal package, whose contents may change in any release.
 *
 * <p>Every check throws {@link ValidationException} (a null throws {@link NullPointerException}
 * naming the parameter); nothing is changed when one fails.
 */
public final class Checks {

  /** The longest client key, in UTF-8 bytes. */
  public static final int MAX_KEY_BYTES = 512;

  private Checks() {}

  /**
   * Checks a batch decided all or nothing: 1 to {@value RateLimiter#MAX_BATCH} requests, no two of
   * the same key under the same policy, and, when there are several, every policy in one group
   * (whose keys are stored together, so that one atomic step can reach them all).
   *
   * @param requests the requests (each already valid on its own)
   * @return the requests
   */
  public static List<Acquire> batch(List<Acquire> requests) {
    notNull("requests", requests);
    if (requests.isEmpty() || requests.size() > RateLimiter.MAX_BATCH) {
      throw fail("requests", "hold 1 to " + RateLimiter.MAX_BATCH + " requests", requests.size());
    }
    String group = notNull("requests[0]", requests.get(0)).policy().group();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < requests.size(); i++) {
      Acquire request = notNull("requests[" + i + "]", requests.get(i));
      if (requests.size() > 1 && (group == null || !group.equals(request.policy().group()))) {
        throw fail(
            "requests",
            "name policies of one group when there are several (see Policy.Builder.group)",
            "policy '"
                + request.policy().name()
                + "' is in "
                + (request.policy().group() == null
                    ? "no group"
                    : "group '" + request.policy().group() + "'")
                + (group == null ? "" : ", the first in group '" + group + "'"));
      }
      if (!seen.add(request.policy().name() + '\n' + request.key())) {
        throw fail(
            "requests",
            "name each key at most once per policy",
            "key '" + request.key() + "' of policy '" + request.policy().name() + "' twice");
      }
    }
    return requests;
  }

  /**
   * A failure to throw.
   *
   * @param param the parameter
   * @param rule what it must be, such as {@code be at least 1}
   * @param actual the value given, or {@code null}
   * @return the exception
   */
  public static ValidationException fail(String param, String rule, Object actual) {
    return new ValidationException(param, rule, actual == null ? null : String.valueOf(actual));
  }

  /**
   * Checks {@code min <= value <= max}.
   *
   * @param param the parameter
   * @param value the value
   * @param min the least allowed
   * @param max the most allowed
   * @return the value
   */
  public static long range(String param, long value, long min, long max) {
    if (value < min || value > max) {
      throw fail(param, "be between " + min + " and " + max, value);
    }
    return value;
  }

  /**
   * Checks that a value is given.
   *
   * @param param the parameter
   * @param value the value
   * @param <T> its type
   * @return the value
   * @throws NullPointerException naming the parameter if it is null
   */
  public static <T> T notNull(String param, T value) {
    return Objects.requireNonNull(value, () -> param + " must not be null");
  }

  /**
   * Checks a duration within {@code [min, max]}.
   *
   * @param param the parameter
   * @param value the duration
   * @param min the least allowed
   * @param max the most allowed
   * @return the duration
   */
  public static Duration duration(String param, Duration value, Duration min, Duration max) {
    notNull(param, value);
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw fail(
          param,
          "be between " + Durations.format(min) + " and " + Durations.format(max),
          Durations.format(value));
    }
    return value;
  }

  /**
   * Checks a name (of a policy, a limit): 1 to 64 letters, digits, '_', '.' or '-', starting with a
   * letter or digit.
   *
   * @param param the parameter
   * @param value the name
   * @return the name
   */
  public static String name(String param, String value) {
    notNull(param, value);
    if (!value.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
      throw fail(
          param,
          "be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit",
          "'" + value + "'");
    }
    return value;
  }

  /**
   * Checks a client key: non-empty, valid Unicode (no unpaired surrogate) and at most {@value
   * #MAX_KEY_BYTES} UTF-8 bytes. Keys of up to 170 chars cannot exceed the limit (a char is at most
   * 3 UTF-8 bytes), so they are not encoded.
   *
   * @param key the client key
   * @return the key
   */
  public static String key(String key) {
    notNull("key", key);
    int length = key.length();
    if (length == 0) {
      throw fail("key", "not be empty", null);
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
          throw fail("key", "be valid Unicode", "an unpaired surrogate at index " + i);
        }
      }
    }
    if (length > MAX_KEY_BYTES / 3) {
      int bytes = key.getBytes(StandardCharsets.UTF_8).length;
      if (bytes > MAX_KEY_BYTES) {
        throw fail("key", "be at most " + MAX_KEY_BYTES + " UTF-8 bytes", bytes + " bytes");
      }
    }
    return key;
  }

  /**
   * Converts a duration to whole microseconds within {@code [min, max]}.
   *
   * @param param the parameter
   * @param value the duration
   * @param min the least allowed
   * @param max the most allowed
   * @return the microseconds
   */
  public static long micros(String param, Duration value, Duration min, Duration max) {
    duration(param, value, min, max);
    if (value.toNanos() % 1_000 != 0) {
      throw fail(param, "be a whole number of microseconds", value);
    }
    return value.toNanos() / 1_000;
  }
}

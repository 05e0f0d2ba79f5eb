package dev.sluice.spring;

import dev.sluice.Durations;
import dev.sluice.http.Validation;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The checks every reader of the {@code sluice.*} properties shares: an {@link
 * InvalidPropertyException} naming the property, the core's validations renamed to the property's
 * path, and the parsing of durations and options.
 */
final class PropertyChecks {

  /** The shortest deadline of a store call. */
  static final Duration MIN_TIMEOUT = Duration.ofMillis(1);

  /** The longest deadline of a store call. */
  static final Duration MAX_TIMEOUT = Duration.ofSeconds(60);

  private PropertyChecks() {}

  static Duration duration(String path, String text, Duration min, Duration max) {
    Duration duration = check(path, () -> Durations.parse(path, text.trim()));
    if (duration.compareTo(min) < 0 || duration.compareTo(max) > 0) {
      throw invalid(
          path,
          path
              + " must be between "
              + Durations.format(min)
              + " and "
              + Durations.format(max)
              + ": "
              + text);
    }
    return duration;
  }

  static <E extends Enum<E>> E option(String path, String text, Class<E> type) {
    StringBuilder names = new StringBuilder();
    for (E value : type.getEnumConstants()) {
      String name = value.name().toLowerCase(Locale.ROOT).replace('_', '-');
      if (name.equals(text.trim().toLowerCase(Locale.ROOT))) {
        return value;
      }
      names.append(names.length() == 0 ? "" : ", ").append(name);
    }
    throw invalid(path, path + " must be one of " + names + ": '" + text + "'");
  }

  /** Runs a validation whose message already names {@code path}, or names its parameter. */
  static <T> T check(String path, Supplier<T> check) {
    try {
      return check.get();
    } catch (InvalidPropertyException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      String message = String.valueOf(e.getMessage());
      throw invalid(path, message.startsWith(path) ? message : path + ": " + message);
    }
  }

  /** Runs a core validation whose message names {@code param}, renamed to {@code path}. */
  static <T> T check(String path, Supplier<T> check, String param) {
    try {
      return check.get();
    } catch (IllegalArgumentException e) {
      throw invalid(path, Validation.renamed(e, param, path));
    }
  }

  static InvalidPropertyException invalid(String property, String message) {
    return new InvalidPropertyException(property, message);
  }
}

package dev.sluice.http;

import dev.sluice.ValidationException;

/**
 * Reads the core's validation errors: the one place where the web modules learn which parameter an
 * {@link IllegalArgumentException} of the core is about, to name the setting or the input at fault.
 *
 * <p>The parameter is the one a {@link ValidationException} carries; any other {@link
 * IllegalArgumentException} names none, and its message is shown after the setting's path.
 */
public final class Validation {

  private Validation() {}

  /**
   * The parameter a validation error is about.
   *
   * @param error the error
   * @return its parameter, such as {@code capacity}, or {@code ""} if it names none
   */
  public static String param(IllegalArgumentException error) {
    return error instanceof ValidationException invalid ? invalid.parameter() : "";
  }

  /**
   * Whether a validation error is about a parameter.
   *
   * @param error the error
   * @param param the parameter, such as {@code key}
   * @return true if the error names it or a part of it ({@code rate period} is a part of {@code
   *     rate})
   */
  public static boolean isAbout(IllegalArgumentException error, String param) {
    return error instanceof ValidationException invalid && invalid.concerns(param);
  }

  /**
   * The error's message with its parameter replaced by a setting's path: {@code capacity must be
   * ...} under {@code sluice.policies.free} reads {@code sluice.policies.free.capacity must be
   * ...}.
   *
   * @param error the error
   * @param param the parameter the error is expected to name
   * @param path the path to name instead
   * @return the message naming {@code path}; if the error names another parameter, {@code path}
   *     followed by the message
   */
  public static String renamed(IllegalArgumentException error, String param, String path) {
    return isAbout(error, param)
        ? ((ValidationException) error).renamed(param, path).getMessage()
        : path + ": " + error.getMessage();
  }

  /**
   * The error's message under a prefix, for errors whose parameter is the name of the setting
   * itself: {@code capacity must be ...} under {@code sluice.policies.free} reads {@code
   * sluice.policies.free.capacity must be ...}.
   *
   * @param error the error
   * @param prefix the path of the settings' parent
   * @return the message with the parameter's full path
   */
  public static String under(IllegalArgumentException error, String prefix) {
    String param = param(error);
    return param.isEmpty()
        ? prefix + ": " + error.getMessage()
        : renamed(error, param, prefix + "." + param);
  }
}

package dev.sluice.http;

/**
 * Reads the core's validation errors: the one place where the web modules learn which parameter an
 * {@link IllegalArgumentException} of the core is about, to name the setting or the input at fault.
 *
 * <p>Today the core names the parameter as the first word of its message ({@code capacity must be
 * between 1 and 1000000000: 0}); when the core's validation exception carries the name itself, only
 * this class changes.
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
    String message = error.getMessage();
    if (message == null) {
      return "";
    }
    int space = message.indexOf(' ');
    return space < 0 ? "" : message.substring(0, space);
  }

  /**
   * Whether a validation error is about a parameter.
   *
   * @param error the error
   * @param param the parameter, such as {@code key}
   * @return true if the error names it
   */
  public static boolean isAbout(IllegalArgumentException error, String param) {
    return param(error).equals(param);
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
    String message = String.valueOf(error.getMessage());
    return isAbout(error, param) ? path + message.substring(param.length()) : path + ": " + message;
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

package dev.sluice;

/**
 * An argument out of its allowed range: the one exception every module throws for bad input, before
 * anything is changed.
 *
 * <p>It names the parameter, the rule and the value given, and its message reads {@code <parameter>
 * must <rule>: <actual>}, such as {@code capacity must be between 1 and 1000000000: 0}. An edge
 * (the YAML loader, the HTTP API, the command line, a Spring property binder) maps {@link
 * #parameter()} to its own vocabulary with {@link #renamed}, never by reading the message. A
 * subclass of {@link IllegalArgumentException}, so callers that catch that keep working. Null
 * arguments are not validation failures: they raise a {@link NullPointerException} naming the
 * parameter.
 */
public final class ValidationException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  /** The name of the parameter that failed. */
  private final String parameter;

  /** What the value must be. */
  private final String rule;

  /** The value given, as shown to the user, or {@code null}. */
  private final String actual;

  /**
   * A validation failure.
   *
   * @param parameter the parameter's name, such as {@code capacity} or {@code rate period}
   * @param rule what the value must be, such as {@code be between 1 and 10}
   * @param actual the value given, as shown to the user; {@code null} to show none
   */
  public ValidationException(String parameter, String rule, String actual) {
    super(message(parameter, rule, actual));
    this.parameter = parameter;
    this.rule = rule;
    this.actual = actual;
  }

  private static String message(String parameter, String rule, String actual) {
    return parameter + " must " + rule + (actual == null ? "" : ": " + actual);
  }

  /**
   * The name of the parameter that failed.
   *
   * @return such as {@code capacity}
   */
  public String parameter() {
    return parameter;
  }

  /**
   * What the value must be.
   *
   * @return such as {@code be between 1 and 1000000000}
   */
  public String rule() {
    return rule;
  }

  /**
   * The value given, as shown in the message.
   *
   * @return the value, or {@code null} if none is shown
   */
  public String actual() {
    return actual;
  }

  /**
   * This failure under an edge's name for the parameter: {@code from} itself, or a part of it
   * ({@code from} followed by a space, as {@code rate period} is a part of {@code rate}), becomes
   * {@code to}.
   *
   * @param from the core's name, such as {@code rate}
   * @param to the edge's name, such as {@code --refill} or {@code policies.free.refill}
   * @return the renamed failure, or this one if {@link #parameter()} is not {@code from} or a part
   *     of it
   */
  public ValidationException renamed(String from, String to) {
    if (parameter.equals(from)) {
      return new ValidationException(to, rule, actual);
    }
    if (parameter.startsWith(from + " ")) {
      return new ValidationException(to + parameter.substring(from.length()), rule, actual);
    }
    return this;
  }

  /**
   * Whether the parameter is {@code name} or a part of it.
   *
   * @param name a parameter name
   * @return true if {@link #parameter()} is {@code name} or starts with {@code name} and a space
   */
  public boolean concerns(String name) {
    return parameter.equals(name) || parameter.startsWith(name + " ");
  }
}

package dev.sluice.spring;

/**
 * A {@code sluice.*} property that cannot be used: thrown while the application starts, which then
 * stops. The message names the property and the allowed values, such as {@code
 * sluice.policies.free.refill must be <tokens>/<period> such as 1/s, 100/m, 10000/d or 5/10s:
 * '20/x'}.
 */
public class InvalidPropertyException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  /** The property's full name. */
  private final String property;

  /**
   * An invalid property.
   *
   * @param property the property's full name, such as {@code sluice.policies.free.refill}
   * @param message the message, starting with the property's name
   */
  public InvalidPropertyException(String property, String message) {
    super(message);
    this.property = property;
  }

  /**
   * The property at fault.
   *
   * @return its full name, such as {@code sluice.policies.free.refill}
   */
  public String property() {
    return property;
  }
}

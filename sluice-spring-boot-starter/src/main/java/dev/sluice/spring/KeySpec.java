package dev.sluice.spring;

import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;

/**
 * A rule's {@code key} as written in the properties: {@code ip}, {@code header:NAME}, {@code
 * principal} or {@code spel:EXPRESSION}; each web stack resolves it its own way.
 */
sealed interface KeySpec {

  /** The client's address behind the trusted proxies. */
  record Ip() implements KeySpec {}

  /** A request header. */
  record Header(String name) implements KeySpec {}

  /** The authenticated principal's name. */
  record Principal() implements KeySpec {}

  /** A SpEL expression over the request. */
  record Spel(String source, Expression expression) implements KeySpec {}

  /**
   * Parses a key.
   *
   * @param property the property, for messages
   * @param text the key
   * @return the key
   * @throws InvalidPropertyException if it is none of the forms, or a bad header name or expression
   */
  static KeySpec parse(String property, String text) {
    String value = text.trim();
    if (value.equals("ip")) {
      return new Ip();
    }
    if (value.equals("principal")) {
      return new Principal();
    }
    if (value.startsWith("header:")) {
      String name = value.substring("header:".length()).trim();
      if (!name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}")) {
        throw new InvalidPropertyException(
            property, property + " must name a header, such as header:X-Api-Key: '" + text + "'");
      }
      return new Header(name);
    }
    if (value.startsWith("spel:")) {
      String source = value.substring("spel:".length()).trim();
      try {
        return new Spel(source, new SpelExpressionParser().parseExpression(source));
      } catch (ParseException | IllegalStateException e) {
        throw new InvalidPropertyException(
            property,
            property + " must be a valid SpEL expression: " + e.getMessage() + ": '" + text + "'");
      }
    }
    throw new InvalidPropertyException(
        property,
        property + " must be ip, header:NAME, principal or spel:EXPRESSION: '" + text + "'");
  }
}

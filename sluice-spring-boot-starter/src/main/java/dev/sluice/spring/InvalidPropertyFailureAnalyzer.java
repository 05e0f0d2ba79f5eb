package dev.sluice.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports an {@link InvalidPropertyException} at start-up as Boot reports its own binding errors:
 * the problem, then the property to fix.
 */
public class InvalidPropertyFailureAnalyzer
    extends AbstractFailureAnalyzer<InvalidPropertyException> {

  /** Creates the analyzer; Spring Boot calls it. */
  public InvalidPropertyFailureAnalyzer() {}

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, InvalidPropertyException cause) {
    return new FailureAnalysis(
        cause.getMessage(),
        "Update the property " + cause.property() + " (see docs/spring.md for its values).",
        cause);
  }
}

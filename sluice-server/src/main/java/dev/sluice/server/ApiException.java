package dev.sluice.server;

import com.linecorp.armeria.common.HttpStatus;

/**
 * A request the API refuses: the status and the {@code {"error", "field"}} body to answer with.
 * Never logged with a stack trace; it is the client's mistake, not the server's.
 */
final class ApiException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient HttpStatus status;
  private final String field;

  /**
   * A refusal.
   *
   * @param status the status
   * @param message what is wrong, as {@code <field> must <rule>: <actual>} where a field applies
   * @param field the request field at fault, or {@code null}
   */
  ApiException(HttpStatus status, String message, String field) {
    super(message, null, false, false);
    this.status = status;
    this.field = field;
  }

  /** A 400 Bad Request. */
  static ApiException badRequest(String message, String field) {
    return new ApiException(HttpStatus.BAD_REQUEST, message, field);
  }

  HttpStatus status() {
    return status;
  }

  String field() {
    return field;
  }
}

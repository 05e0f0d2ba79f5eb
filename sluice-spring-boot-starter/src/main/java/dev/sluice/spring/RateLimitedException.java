package dev.sluice.spring;

import dev.sluice.http.DecisionResponse;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.server.ResponseStatusException;

/**
 * A {@link RateLimited} call refused: denied (429), or without a key (the {@code
 * sluice.http.unresolved-key} status). The starter answers it with {@link #headers()} and {@link
 * #body()} in MVC and WebFlux alike; as a {@link ResponseStatusException} it keeps its status even
 * where an application's own exception handling gets it first.
 */
public class RateLimitedException extends ResponseStatusException {

  private static final long serialVersionUID = 1L;

  /** The rate-limit headers of the refusal (not serialized). */
  private final transient Map<String, String> sluiceHeaders;

  /** The JSON body of the refusal. */
  private final String body;

  /**
   * A refusal.
   *
   * @param status the status
   * @param headers the headers to send
   * @param body the JSON body
   */
  public RateLimitedException(int status, Map<String, String> headers, String body) {
    super(HttpStatusCode.valueOf(status), body);
    this.sluiceHeaders = Map.copyOf(headers);
    this.body = body;
  }

  /**
   * The refusal of a denial.
   *
   * @param answer the denial's answer
   * @return the exception
   */
  static RateLimitedException denied(DecisionResponse answer) {
    return new RateLimitedException(answer.status(), answer.headers(), answer.body());
  }

  /**
   * The headers of the refusal.
   *
   * @return the headers by name
   */
  public Map<String, String> headers() {
    return sluiceHeaders;
  }

  /**
   * The JSON body of the refusal.
   *
   * @return the body
   */
  public String body() {
    return body;
  }

  @Override
  public HttpHeaders getHeaders() {
    HttpHeaders headers = new HttpHeaders();
    sluiceHeaders.forEach(headers::set);
    return headers;
  }
}

package dev.sluice.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ClosedSessionException;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseCompleteException;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.stream.AbortedStreamException;
import com.linecorp.armeria.common.stream.ClosedStreamException;
import com.linecorp.armeria.server.HttpStatusException;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.sluice.ValidationException;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON bodies, and every error as {@code {"error": "...", "field": ...}}: the ones the API raises,
 * the ones Armeria answers before a service runs (404, 405, 413) and unexpected failures (logged,
 * answered 500 without details).
 */
final class JsonResponses implements ServerErrorHandler {

  /** The JSON mapper: strict about duplicate keys and trailing content. */
  static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private static final String ENDPOINTS =
      "POST /v1/acquire, GET or DELETE /v1/buckets/{key}, GET /metrics,"
          + " GET /health/live, GET /health/ready";

  private static final Logger log = LoggerFactory.getLogger(JsonResponses.class);
  private static final Set<String> REQUEST_FIELDS = Set.of("key", "policy", "cost");

  /** The body of an error. */
  record ErrorBody(String error, String field) {}

  /** A JSON response. */
  static HttpResponse json(ResponseHeaders headers, Object body) {
    return HttpResponse.of(headers, HttpData.wrap(bytes(body)));
  }

  /** A JSON response with only a status. */
  static HttpResponse json(HttpStatus status, Object body) {
    return json(ResponseHeaders.builder(status).contentType(MediaType.JSON_UTF_8).build(), body);
  }

  /**
   * The response to a failure of a request: a refusal, bad input, or an unexpected error. Armeria's
   * signals that the response is already complete (it answered 413 itself) or that the client went
   * away are passed on as failures for Armeria to drop.
   */
  static HttpResponse error(Throwable failure) {
    return isSignal(failure)
        ? HttpResponse.ofFailure(failure)
        : toResponse(failure).toHttpResponse();
  }

  /** The answer to a request that arrives while the server drains before stopping. */
  static HttpResponse shuttingDown() {
    return aggregated(
            HttpStatus.SERVICE_UNAVAILABLE,
            "the server is shutting down; retry on another instance",
            null)
        .toHttpResponse();
  }

  @Override
  public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
    return isSignal(cause) ? null : error(cause);
  }

  private static boolean isSignal(Throwable failure) {
    Throwable cause = unwrap(failure);
    return cause instanceof ResponseCompleteException
        || cause instanceof ClosedStreamException
        || cause instanceof ClosedSessionException
        || cause instanceof AbortedStreamException;
  }

  @Override
  public AggregatedHttpResponse renderStatus(
      ServiceRequestContext ctx,
      ServiceConfig config,
      RequestHeaders headers,
      HttpStatus status,
      String description,
      Throwable cause) {
    return render(headers, status, description);
  }

  @Override
  public AggregatedHttpResponse onProtocolViolation(
      ServiceConfig config,
      RequestHeaders headers,
      HttpStatus status,
      String description,
      Throwable cause) {
    return render(headers, status, description);
  }

  private static AggregatedHttpResponse render(
      RequestHeaders headers, HttpStatus status, String description) {
    String where = headers == null ? "" : ": " + headers.method() + " " + headers.path();
    String message;
    if (status.equals(HttpStatus.NOT_FOUND)) {
      message = "no such endpoint" + where + "; the endpoints are " + ENDPOINTS;
    } else if (status.equals(HttpStatus.METHOD_NOT_ALLOWED)) {
      message = "method not allowed" + where + "; the endpoints are " + ENDPOINTS;
    } else if (status.equals(HttpStatus.REQUEST_ENTITY_TOO_LARGE)) {
      message = "body must be at most " + HttpApi.MAX_BODY_BYTES + " bytes";
    } else if (status.equals(HttpStatus.SERVICE_UNAVAILABLE)) {
      message = "service unavailable: the server is shutting down or the request timed out; retry";
    } else {
      message = description != null ? description : status.reasonPhrase();
    }
    return aggregated(status, message, null);
  }

  private static AggregatedHttpResponse toResponse(Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof ApiException e) {
      AggregatedHttpResponse response = aggregated(e.status(), e.getMessage(), e.field());
      if (e.status().equals(HttpStatus.UNAUTHORIZED)) {
        return AggregatedHttpResponse.of(
            response.headers().toBuilder()
                .set("WWW-Authenticate", "Bearer realm=\"sluice admin\"")
                .build(),
            response.content());
      }
      return response;
    }
    if (cause instanceof ValidationException e) {
      // The parameter names a field of the request (key, policy, cost) when it is one.
      return aggregated(
          HttpStatus.BAD_REQUEST,
          e.getMessage(),
          REQUEST_FIELDS.contains(e.parameter()) ? e.parameter() : null);
    }
    if (cause instanceof IllegalArgumentException) {
      return aggregated(HttpStatus.BAD_REQUEST, cause.getMessage(), null);
    }
    if (cause instanceof ContentTooLargeException) {
      return render(null, HttpStatus.REQUEST_ENTITY_TOO_LARGE, null);
    }
    if (cause instanceof HttpStatusException e) {
      return render(null, e.httpStatus(), null);
    }
    log.error("unexpected failure of a request", cause);
    return aggregated(HttpStatus.INTERNAL_SERVER_ERROR, "internal error; see the server log", null);
  }

  private static AggregatedHttpResponse aggregated(
      HttpStatus status, String message, String field) {
    return AggregatedHttpResponse.of(
        ResponseHeaders.builder(status)
            .contentType(MediaType.JSON_UTF_8)
            .set("Cache-Control", "no-store")
            .build(),
        HttpData.wrap(bytes(new ErrorBody(message, field))));
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  private static byte[] bytes(Object body) {
    try {
      return JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "cannot write JSON for " + body.getClass().getSimpleName(), e);
    }
  }
}

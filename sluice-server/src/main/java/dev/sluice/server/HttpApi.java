package dev.sluice.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.common.util.TimeoutMode;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.sluice.Decision;
import dev.sluice.Durations;
import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.RateLimiter;
import dev.sluice.http.DecisionJson;
import dev.sluice.http.RateLimitHeaders;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API of {@code sluice serve}: acquire, the admin endpoints (peek and reset), metrics and
 * health. The contract is in {@code DESIGN.md}; every refusal is a 4xx with {@code {"error",
 * "field"}} and changes nothing in the store.
 *
 * <p>Acquire never blocks an event loop: it uses the limiter's asynchronous call. Peek, reset and
 * the readiness probe use the synchronous backend calls and run on the blocking-task executor.
 */
final class HttpApi {

  /** The largest accepted request body. */
  static final int MAX_BODY_BYTES = 64 * 1024;

  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
  private static final int MAX_KEY_BYTES = 512;
  private static final String KEY_EXAMPLE =
      "such as {\"key\": \"user123\", \"policy\": \"default\", \"cost\": 1}";

  private final RateLimiter limiter;
  private final ServerMetrics metrics;
  private final Supplier<String> adminToken;
  private final Supplier<Duration> maxWait;
  private final BooleanSupplier ready;

  /**
   * The API over a limiter.
   *
   * @param limiter the limiter (its backend already timed by {@code metrics})
   * @param metrics the metrics to serve
   * @param adminToken the admin token in force, or {@code null} when admin is off; read per request
   *     so that a reload can change it
   * @param maxWait the longest wait an acquire may ask for in its body ({@code server.max-wait}),
   *     read per request
   * @param ready whether the instance has finished warming up
   */
  HttpApi(
      RateLimiter limiter,
      ServerMetrics metrics,
      Supplier<String> adminToken,
      Supplier<Duration> maxWait,
      BooleanSupplier ready) {
    this.limiter = limiter;
    this.metrics = metrics;
    this.adminToken = adminToken;
    this.maxWait = maxWait;
    this.ready = ready;
  }

  /**
   * {@code POST /v1/acquire}: 200 when allowed, 429 when denied. With {@code maxWaitMs} (at most
   * {@code server.max-wait}), waits up to that long for the request to fit; the request's timeout
   * is extended by the wait.
   */
  HttpResponse acquire(ServiceRequestContext ctx, HttpRequest req) {
    return json(
        req,
        AcquireRequest.ACQUIRE_FIELDS,
        request -> {
          long waitMs = request.maxWaitMs();
          long allowedMs = maxWait.get().toMillis();
          if (waitMs > allowedMs) {
            throw ApiException.badRequest(
                "maxWaitMs must be at most "
                    + allowedMs
                    + " (server.max-wait "
                    + Durations.format(maxWait.get())
                    + "): "
                    + waitMs,
                "maxWaitMs");
          }
          if (waitMs == 0) {
            return limiter.tryAcquireAsync(request.key(), request.policy(), request.cost());
          }
          ctx.setRequestTimeout(TimeoutMode.EXTEND, Duration.ofMillis(waitMs));
          return limiter.acquireAsync(
              request.key(), request.policy(), request.cost(), Duration.ofMillis(waitMs));
        },
        true);
  }

  /**
   * {@code POST /v1/refund}: gives back {@code cost} of what a request took ({@code key}, {@code
   * policy}, {@code cost} as for an acquire); 200 with the state after the refund, as a peek.
   */
  HttpResponse refund(ServiceRequestContext ctx, HttpRequest req) {
    return json(
        req,
        AcquireRequest.REFUND_FIELDS,
        request -> limiter.refundAsync(request.key(), request.policy(), request.cost()),
        false);
  }

  /**
   * {@code POST /v1/release}: ends a permit ({@code key}, {@code policy}, {@code permit} as the
   * acquire answered it); 200 with the state after the release, as a peek. An unknown, expired or
   * already released permit is not an error: nothing changes.
   */
  HttpResponse release(ServiceRequestContext ctx, HttpRequest req) {
    return json(
        req,
        AcquireRequest.RELEASE_FIELDS,
        request ->
            limiter
                .releaseAsync(request.key(), request.policy(), request.permit())
                .thenCompose(ignored -> limiter.peekAsync(request.key(), request.policy())),
        false);
  }

  /** A JSON request answered with a decision. */
  private HttpResponse json(
      HttpRequest req,
      List<String> fields,
      Function<AcquireRequest, CompletionStage<Decision>> call,
      boolean acquire) {
    MediaType type = req.contentType();
    if (type == null || !type.isJson()) {
      throw new ApiException(
          HttpStatus.UNSUPPORTED_MEDIA_TYPE,
          "Content-Type must be application/json: " + (type == null ? "none" : type.toString()),
          null);
    }
    CompletionStage<HttpResponse> response =
        req.aggregate()
            .thenCompose(
                body ->
                    store(call.apply(AcquireRequest.parse(body.content().array(), fields)))
                        .thenApply(decision -> decision(decision, acquire)));
    return HttpResponse.of(response.exceptionally(JsonResponses::error));
  }

  /** {@code GET /v1/buckets/{key}?policy=}: the bucket's state, consuming nothing. */
  HttpResponse peek(ServiceRequestContext ctx, HttpRequest req) {
    authorize(req.headers());
    String key = ctx.pathParam("key");
    String policy = ctx.queryParam("policy");
    return blocking(ctx, () -> decision(limiter.peek(key, policy), false));
  }

  /** {@code DELETE /v1/buckets/{key}?policy=}: forgets the bucket; 204. */
  HttpResponse reset(ServiceRequestContext ctx, HttpRequest req) {
    authorize(req.headers());
    String key = ctx.pathParam("key");
    String policy = ctx.queryParam("policy");
    return blocking(
        ctx,
        () -> {
          limiter.reset(key, policy);
          return HttpResponse.of(
              ResponseHeaders.builder(HttpStatus.NO_CONTENT)
                  .set("Cache-Control", "no-store")
                  .build());
        });
  }

  /** {@code GET /metrics}: Prometheus text format. */
  HttpResponse metrics(ServiceRequestContext ctx, HttpRequest req) {
    return HttpResponse.of(
        HttpStatus.OK,
        MediaType.parse("text/plain; version=0.0.4; charset=utf-8"),
        metrics.scrape());
  }

  /** {@code GET /health/live}: 200 while the process serves HTTP. */
  HttpResponse live(ServiceRequestContext ctx, HttpRequest req) {
    return JsonResponses.json(HttpStatus.OK, Map.of("status", "live"));
  }

  /**
   * {@code GET /health/ready}: 200 once the instance decides at full speed (its warm-up is done),
   * 503 before, and 503 while it drains on SIGTERM (the drain answers every new request so). A
   * store that fails later does not make it unready: the failure policy still answers, and an
   * orchestrator must not take a whole fleet out of service during a Redis outage.
   */
  HttpResponse ready(ServiceRequestContext ctx, HttpRequest req) {
    if (ready.getAsBoolean()) {
      return JsonResponses.json(HttpStatus.OK, Map.of("status", "ready"));
    }
    return JsonResponses.json(
        HttpStatus.SERVICE_UNAVAILABLE,
        Map.of("status", "starting", "error", "warming up the store and the decision path"));
  }

  /**
   * The header that says who decided when it was not the store: {@code deny-cache}, {@code lease},
   * {@code fallback-timeout}, {@code fallback-error} or {@code fallback-circuit-open}.
   */
  static final String SOURCE_HEADER = RateLimitHeaders.SOURCE;

  /** The response to a decision: the body, the RateLimit headers, and Retry-After on a denial. */
  private HttpResponse decision(Decision decision, boolean acquire) {
    boolean denied = acquire && !decision.allowed();
    Policy policy = limiter.policies().get(decision.policy());
    ResponseHeadersBuilder headers =
        ResponseHeaders.builder(denied ? HttpStatus.TOO_MANY_REQUESTS : HttpStatus.OK)
            .contentType(MediaType.JSON_UTF_8)
            .set("Cache-Control", "no-store");
    if (policy != null) {
      headers.set("RateLimit-Policy", RateLimitHeaders.policy(policy));
    }
    headers.set("RateLimit", RateLimitHeaders.rateLimit(policy, decision));
    if (denied) {
      headers.set(HttpHeaderNames.RETRY_AFTER, RateLimitHeaders.retryAfter(decision));
    }
    String source = RateLimitHeaders.source(decision);
    if (source != null) {
      headers.set(SOURCE_HEADER, source);
    }
    return HttpResponse.of(headers.build(), HttpData.ofUtf8(DecisionJson.body(decision)));
  }

  /**
   * Checks the bearer token in constant time (comparing SHA-256 digests, so lengths do not leak
   * either).
   */
  private void authorize(RequestHeaders headers) {
    String token = adminToken.get();
    if (token == null) {
      throw new ApiException(
          HttpStatus.FORBIDDEN,
          "admin endpoints are disabled: set admin.token in the"
              + " configuration file or the SLUICE_ADMIN_TOKEN environment variable to enable them",
          null);
    }
    String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
    boolean bearer = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7);
    if (!bearer
        || !MessageDigest.isEqual(sha256(authorization.substring(7).trim()), sha256(token))) {
      throw new ApiException(
          HttpStatus.UNAUTHORIZED,
          "admin endpoints need the header Authorization: Bearer <admin token>"
              + (authorization == null ? "" : "; the token given is not the admin token"),
          null);
    }
  }

  /** Runs a synchronous limiter call on the blocking-task executor. */
  private static HttpResponse blocking(ServiceRequestContext ctx, Supplier<HttpResponse> call) {
    CompletableFuture<HttpResponse> response =
        CompletableFuture.supplyAsync(call, ctx.blockingTaskExecutor());
    return HttpResponse.of(store(response).exceptionally(JsonResponses::error));
  }

  /**
   * Turns a failure that is not the request's fault (the store failed or timed out) into a 503,
   * logged; invalid input stays an {@link IllegalArgumentException}.
   */
  private static <T> CompletionStage<T> store(CompletionStage<T> call) {
    return call.handle(
        (result, error) -> {
          if (error == null) {
            return result;
          }
          Throwable cause =
              error instanceof CompletionException && error.getCause() != null
                  ? error.getCause()
                  : error;
          if (cause instanceof IllegalArgumentException || cause instanceof ApiException) {
            throw new CompletionException(cause);
          }
          log.warn("store call failed: {}", cause.toString());
          throw new CompletionException(
              new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "the store failed: " + cause, null));
        });
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /**
   * A validated acquire, refund or release request.
   *
   * @param key the client key
   * @param policy the policy, or {@code null} for the client's
   * @param cost the cost, 1 by default
   * @param maxWaitMs how long an acquire may wait, 0 (the default) for not at all
   * @param permit the permit a release ends, or {@code null}
   */
  record AcquireRequest(String key, String policy, long cost, long maxWaitMs, String permit) {

    /** The fields of an acquire. */
    static final List<String> ACQUIRE_FIELDS = List.of("key", "policy", "cost", "maxWaitMs");

    /** The fields of a refund. */
    static final List<String> REFUND_FIELDS = List.of("key", "policy", "cost");

    /** The fields of a release. */
    static final List<String> RELEASE_FIELDS = List.of("key", "policy", "permit");

    /**
     * Parses and validates a body; the policy and the cost's upper bound are checked by the
     * limiter.
     *
     * @param fields the fields this endpoint takes
     * @throws ApiException if the body is not valid
     */
    static AcquireRequest parse(byte[] body, List<String> fields) {
      JsonNode root;
      try {
        root = JsonResponses.JSON.readTree(body);
      } catch (JsonProcessingException e) {
        throw ApiException.badRequest(
            "body must be a JSON object " + KEY_EXAMPLE + ": " + e.getOriginalMessage(), null);
      } catch (IOException e) {
        throw ApiException.badRequest("body must be a JSON object " + KEY_EXAMPLE, null);
      }
      if (root == null || !root.isObject()) {
        throw ApiException.badRequest("body must be a JSON object " + KEY_EXAMPLE, null);
      }
      for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        if (!fields.contains(name)) {
          throw ApiException.badRequest(
              "unknown field '"
                  + name
                  + "': the fields are "
                  + String.join(", ", fields.subList(0, fields.size() - 1))
                  + " and "
                  + fields.get(fields.size() - 1),
              name);
        }
      }
      JsonNode permit = root.get("permit");
      if (fields.contains("permit") && (permit == null || permit.isNull())) {
        throw ApiException.badRequest(
            "permit must be given: the permit of an allowed acquire on a concurrency limit",
            "permit");
      }
      return new AcquireRequest(
          key(root.get("key")),
          policy(root.get("policy")),
          cost(root.get("cost")),
          maxWaitMs(root.get("maxWaitMs")),
          permit(permit));
    }

    private static String permit(JsonNode node) {
      if (node == null || node.isNull()) {
        return null;
      }
      if (!node.isTextual() || node.textValue().isEmpty() || node.textValue().length() > 64) {
        throw ApiException.badRequest(
            "permit must be a string of 1 to 64 characters, as an acquire answered it: " + node,
            "permit");
      }
      return node.textValue();
    }

    private static long maxWaitMs(JsonNode node) {
      if (node == null || node.isNull()) {
        return 0;
      }
      if (!node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < 0) {
        throw ApiException.badRequest(
            "maxWaitMs must be a whole number of milliseconds, 0 or more: " + node, "maxWaitMs");
      }
      return node.longValue();
    }

    private static String key(JsonNode node) {
      if (node == null || node.isNull()) {
        throw ApiException.badRequest("key must be given, " + KEY_EXAMPLE, "key");
      }
      if (!node.isTextual()) {
        throw ApiException.badRequest("key must be a string: " + node, "key");
      }
      String key = node.textValue();
      if (key.isEmpty()) {
        throw ApiException.badRequest("key must not be empty", "key");
      }
      int bytes = key.getBytes(StandardCharsets.UTF_8).length;
      if (bytes > MAX_KEY_BYTES) {
        throw ApiException.badRequest(
            "key must be at most " + MAX_KEY_BYTES + " UTF-8 bytes: " + bytes + " bytes", "key");
      }
      return key;
    }

    private static String policy(JsonNode node) {
      if (node == null || node.isNull()) {
        return null;
      }
      if (!node.isTextual()) {
        throw ApiException.badRequest("policy must be a string: " + node, "policy");
      }
      return node.textValue();
    }

    private static long cost(JsonNode node) {
      if (node == null || node.isNull()) {
        return 1;
      }
      if (!node.isIntegralNumber()) {
        throw ApiException.badRequest("cost must be a whole number: " + node, "cost");
      }
      if (!node.canConvertToLong() || node.longValue() > Limit.MAX_CAPACITY) {
        throw ApiException.badRequest(
            "cost must be at most the capacity of the policy: " + node, "cost");
      }
      long cost = node.longValue();
      if (cost < 1) {
        throw ApiException.badRequest("cost must be at least 1: " + cost, "cost");
      }
      return cost;
    }
  }
}

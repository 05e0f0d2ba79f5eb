package dev.sluice.http;

import dev.sluice.Decision;
import dev.sluice.Policy;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a web filter answers for a decision: when allowed, headers to add to the application's
 * response; when denied, a complete 429 response in place of the application's.
 *
 * <pre>
 * HTTP/1.1 429 Too Many Requests
 * Content-Type: application/json; charset=utf-8
 * RateLimit-Policy: "default";q=10;w=10
 * RateLimit: "default";r=0;t=1
 * Retry-After: 1
 * Cache-Control: no-store
 *
 * {"allowed":false,"policy":"default","limit":10,"remaining":0,"retryAfterMs":734,"resetAfterMs":9734}
 * </pre>
 *
 * <p>The headers follow the {@link HeaderStyle}; {@code Retry-After} and {@code Cache-Control:
 * no-store} come with every denial, and {@code Sluice-Decision-Source} with every decision that the
 * store did not make, as {@code sluice serve} sends them. An allowed response gets no {@code
 * Cache-Control}: caching it is the application's business. Immutable.
 */
public final class DecisionResponse {

  /** The status of a denial. */
  public static final int TOO_MANY_REQUESTS = 429;

  /** The content type of every JSON body. */
  public static final String CONTENT_TYPE = "application/json; charset=utf-8";

  /** The cache directive of every denial. */
  public static final String NO_STORE = "no-store";

  private final Decision decision;
  private final Map<String, String> headers;

  private DecisionResponse(Decision decision, Map<String, String> headers) {
    this.decision = decision;
    this.headers = headers;
  }

  /**
   * The answer to a decision.
   *
   * @param decision the decision
   * @param policy the policy that decided (from the limiter's registry), or {@code null} if it is
   *     gone, in which case the headers that need it are left out
   * @param cost the cost the request asked for
   * @param style which rate-limit headers to send
   * @return the answer
   */
  public static DecisionResponse of(
      Decision decision, Policy policy, long cost, HeaderStyle style) {
    Map<String, String> headers = new LinkedHashMap<>();
    if (style.ietf()) {
      if (policy != null) {
        headers.put(RateLimitHeaders.POLICY, RateLimitHeaders.policy(policy));
      }
      headers.put(RateLimitHeaders.RATE_LIMIT, RateLimitHeaders.rateLimit(policy, decision));
    }
    if (style.legacy()) {
      headers.put(LegacyHeaders.REMAINING, Long.toString(decision.remaining()));
      headers.put(LegacyHeaders.BURST_CAPACITY, Long.toString(decision.limit()));
      String rate = LegacyHeaders.replenishRate(policy, decision);
      if (rate != null) {
        headers.put(LegacyHeaders.REPLENISH_RATE, rate);
      }
      headers.put(LegacyHeaders.REQUESTED_TOKENS, Long.toString(cost));
    }
    if (!decision.allowed()) {
      headers.put(RateLimitHeaders.RETRY_AFTER, RateLimitHeaders.retryAfter(decision));
      headers.put("Cache-Control", NO_STORE);
    }
    String source = RateLimitHeaders.source(decision);
    if (source != null) {
      headers.put(RateLimitHeaders.SOURCE, source);
    }
    return new DecisionResponse(decision, Collections.unmodifiableMap(headers));
  }

  /**
   * The decision answered.
   *
   * @return the decision
   */
  public Decision decision() {
    return decision;
  }

  /**
   * Whether the request is refused: then {@link #status()}, {@link #headers()} and {@link #body()}
   * replace the application's response.
   *
   * @return true when the decision denied the request
   */
  public boolean denied() {
    return !decision.allowed();
  }

  /**
   * The status of a denial.
   *
   * @return 429 when denied, 200 when allowed (the application's own status applies then)
   */
  public int status() {
    return denied() ? TOO_MANY_REQUESTS : 200;
  }

  /**
   * The headers to send, in order: the rate-limit headers of the style, then on a denial {@code
   * Retry-After} and {@code Cache-Control}, then {@code Sluice-Decision-Source} if the store did
   * not decide. {@code Content-Type} is not among them (see {@link #CONTENT_TYPE}).
   *
   * @return the headers by name, unmodifiable
   */
  public Map<String, String> headers() {
    return headers;
  }

  /**
   * The JSON body of the decision ({@link DecisionJson#body}).
   *
   * @return the body
   */
  public String body() {
    return DecisionJson.body(decision);
  }

  /**
   * {@link #body()} in UTF-8.
   *
   * @return the bytes
   */
  public byte[] bodyBytes() {
    return body().getBytes(StandardCharsets.UTF_8);
  }
}

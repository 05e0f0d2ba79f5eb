package dev.sluice.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Acquire;
import dev.sluice.Backend;
import dev.sluice.BackendException;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.ManualTimeSource;
import dev.sluice.Policy;
import dev.sluice.PolicyRegistry;
import dev.sluice.Rate;
import dev.sluice.RateLimiter;
import dev.sluice.http.HeaderStyle;
import dev.sluice.http.UnresolvedKey;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.Principal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The filter's behaviour over HTTP, on a real container (one subclass per container). The limiter
 * runs on a manual clock, so that each timeline is exact.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FilterContract {

  private final HttpClient http = HttpClient.newHttpClient();
  private final ManualTimeSource clock = new ManualTimeSource();
  private final Map<String, AtomicInteger> served = new ConcurrentHashMap<>();
  private final Map<String, Long> heldWhileServed = new ConcurrentHashMap<>();
  private RateLimiter limiter;
  private Container container;

  /** How this container is started. */
  abstract Container.Starter starter();

  @BeforeAll
  void start() throws Exception {
    PolicyRegistry policies =
        PolicyRegistry.builder()
            .policy(Policy.of("default", Limit.tokenBucket(10, Rate.perSecond(1))))
            .policy(Policy.of("premium", Limit.tokenBucket(100, Rate.perSecond(20))))
            .client("vip-key", "premium")
            .policy(Policy.of("flight", Limit.concurrency(1, Duration.ofHours(1))))
            .build();
    limiter = RateLimiter.builder().policies(policies).timeSource(clock).build();
    KeyResolver apiKey = KeyResolver.header("X-Api-Key");
    SluiceFilter main =
        SluiceFilter.builder(limiter)
            .rule(Rule.builder("/api/**").key(apiKey).build())
            .rule(Rule.builder("/ip/**").key(KeyResolver.ip(1)).build())
            .rule(Rule.builder("/me/**").key(KeyResolver.principal()).build())
            .rule(Rule.builder("/costly/**").key(apiKey).policy("default").cost(4).build())
            .rule(Rule.builder("/peer/**").build())
            .rule(Rule.builder("/flight/**").key(apiKey).policy("flight").build())
            .build();
    SluiceFilter legacy =
        SluiceFilter.builder(limiter)
            .rule(Rule.builder("/legacy/**").key(apiKey).build())
            .headers(HeaderStyle.LEGACY)
            .unresolvedKey(UnresolvedKey.ALLOW)
            .build();
    Backend broken =
        new Backend() {
          @Override
          public CompletionStage<Decision> tryAcquireAsync(Policy policy, String key, long cost) {
            return CompletableFuture.failedFuture(new BackendException("connection refused", null));
          }

          @Override
          public CompletionStage<List<Decision>> tryAcquireAllAsync(List<Acquire> requests) {
            return CompletableFuture.failedFuture(new BackendException("connection refused", null));
          }

          @Override
          public CompletionStage<Decision> peekAsync(Policy policy, String key) {
            throw new UnsupportedOperationException();
          }

          @Override
          public CompletionStage<Decision> refundAsync(Policy policy, String key, long cost) {
            throw new UnsupportedOperationException();
          }

          @Override
          public CompletionStage<Void> releaseAsync(Policy policy, String key, String permit) {
            throw new UnsupportedOperationException();
          }

          @Override
          public CompletionStage<Void> resetAsync(Policy policy, String key) {
            return CompletableFuture.completedFuture(null);
          }
        };
    SluiceFilter failing =
        SluiceFilter.builder(RateLimiter.builder().policies(policies).backend(broken).build())
            .rule(Rule.builder("/broken/**").key(apiKey).build())
            .build();
    Map<String, Filter> filters = new LinkedHashMap<>();
    filters.put("/*", (req, res, chain) -> chain.doFilter(authenticated(req), res));
    filters.put("/api/*", main);
    filters.put("/ip/*", main);
    filters.put("/me/*", main);
    filters.put("/costly/*", main);
    filters.put("/peer/*", main);
    filters.put("/flight/*", main);
    filters.put("/public/*", main);
    filters.put("/legacy/*", legacy);
    filters.put("/broken/*", failing);
    container = starter().start(filters, new App());
  }

  @AfterAll
  void stop() throws Exception {
    container.close();
  }

  @Test
  void theSeedsTenAllowedThenTwoDenied() throws Exception {
    for (int i = 1; i <= 10; i++) {
      HttpResponse<String> allowed = get("/api/orders", "X-Api-Key", "seed");
      assertThat(allowed.statusCode()).as("request %d", i).isEqualTo(200);
      assertThat(allowed.body()).isEqualTo("hello /api/orders");
      assertThat(allowed.headers().firstValue("RateLimit-Policy"))
          .hasValue("\"default\";q=10;w=10");
      assertThat(allowed.headers().firstValue("RateLimit"))
          .hasValue("\"default\";r=" + (10 - i) + ";t=" + i);
      assertThat(allowed.headers().firstValue("Cache-Control"))
          .as("the application's own headers stay")
          .hasValue("max-age=60");
    }
    for (int i = 11; i <= 12; i++) {
      HttpResponse<String> denied = get("/api/orders", "X-Api-Key", "seed");
      assertThat(denied.statusCode()).as("request %d", i).isEqualTo(429);
      assertThat(denied.headers().firstValue("Content-Type"))
          .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
      assertThat(denied.headers().firstValue("Retry-After")).hasValue("1");
      assertThat(denied.headers().firstValue("Cache-Control")).hasValue("no-store");
      assertThat(denied.headers().firstValue("RateLimit")).hasValue("\"default\";r=0;t=1");
      assertThat(denied.body())
          .isEqualTo(
              "{\"allowed\":false,\"policy\":\"default\",\"limit\":10,\"remaining\":0,"
                  + "\"retryAfterMs\":1000,\"resetAfterMs\":10000}");
    }
    assertThat(served.get("seed").get())
        .as("the application saw only the allowed ones")
        .isEqualTo(10);
    clock.advance(Duration.ofSeconds(1));
    assertThat(get("/api/orders", "X-Api-Key", "seed").statusCode()).isEqualTo(200);
  }

  @Test
  void aRequestOnAConcurrencyLimitHoldsItsPermitUntilItsResponseIsDone() throws Exception {
    for (int i = 1; i <= 3; i++) {
      HttpResponse<String> response = get("/flight/upload", "X-Api-Key", "uploader");
      assertThat(response.statusCode())
          .as("request %d: the last one's permit was released", i)
          .isEqualTo(200);
      assertThat(heldWhileServed.get("uploader")).as("held while served").isZero();
    }
    assertThat(limiter.peek("uploader", "flight").remaining()).isEqualTo(1);
  }

  @Test
  void aPremiumClientGetsItsTier() throws Exception {
    for (int i = 1; i <= 12; i++) {
      HttpResponse<String> response = get("/api/orders", "X-Api-Key", "vip-key");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("RateLimit-Policy"))
          .hasValue("\"premium\";q=100;w=5");
      assertThat(response.headers().firstValue("RateLimit").orElseThrow())
          .startsWith("\"premium\";r=" + (100 - i) + ";");
    }
  }

  @Test
  void aPathNoRuleMatchesIsUnlimited() throws Exception {
    for (int i = 0; i < 30; i++) {
      HttpResponse<String> response = get("/public/page", "X-Api-Key", "seed");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("RateLimit")).isEmpty();
    }
  }

  @Test
  void aRequestWithoutItsKeyIsForbidden() throws Exception {
    HttpResponse<String> none = get("/api/orders");
    assertThat(none.statusCode()).isEqualTo(403);
    assertThat(none.body())
        .isEqualTo(
            "{\"error\":\"the rate limit key of this request cannot be resolved: no value for"
                + " header:X-Api-Key\",\"field\":null}");
    HttpResponse<String> tooLong = get("/api/orders", "X-Api-Key", "k".repeat(513));
    assertThat(tooLong.statusCode()).isEqualTo(403);
    assertThat(tooLong.body()).contains("key must be at most 512 UTF-8 bytes");
    assertThat(get("/me/profile").statusCode()).as("anonymous, principal key").isEqualTo(403);
  }

  @Test
  void theClientBehindOneTrustedProxyIsTheRightmostForwardedEntry() throws Exception {
    for (int i = 0; i < 10; i++) {
      String spoofed = "6.6.6." + i + ", 203.0.113.9";
      assertThat(get("/ip/x", "X-Forwarded-For", spoofed).statusCode()).isEqualTo(200);
    }
    assertThat(get("/ip/x", "X-Forwarded-For", "1.2.3.4, 203.0.113.9").statusCode())
        .as("a new leftmost entry is no new client")
        .isEqualTo(429);
    assertThat(get("/ip/x", "Forwarded", "for=203.0.113.9").statusCode())
        .as("the same client by the standard header")
        .isEqualTo(429);
    assertThat(get("/ip/x", "X-Forwarded-For", "203.0.113.10").statusCode()).isEqualTo(200);
  }

  @Test
  void withoutTrustedProxiesTheHeadersAreIgnored() throws Exception {
    for (int i = 0; i < 10; i++) {
      assertThat(get("/peer/x", "X-Forwarded-For", "198.51.100." + i).statusCode()).isEqualTo(200);
    }
    assertThat(get("/peer/x", "X-Forwarded-For", "198.51.100.99").statusCode())
        .as("every request came from 127.0.0.1")
        .isEqualTo(429);
  }

  @Test
  void theAuthenticatedPrincipalIsTheKey() throws Exception {
    for (int i = 0; i < 10; i++) {
      assertThat(get("/me/profile", "X-User", "alice").statusCode()).isEqualTo(200);
    }
    assertThat(get("/me/profile", "X-User", "alice").statusCode()).isEqualTo(429);
    assertThat(get("/me/profile", "X-User", "bob").statusCode()).isEqualTo(200);
  }

  @Test
  void aRuleCostSpendsThatManyTokens() throws Exception {
    HttpResponse<String> first = get("/costly/report", "X-Api-Key", "cost");
    assertThat(first.headers().firstValue("RateLimit")).hasValue("\"default\";r=6;t=4");
    assertThat(get("/costly/report", "X-Api-Key", "cost").headers().firstValue("RateLimit"))
        .hasValue("\"default\";r=2;t=8");
    HttpResponse<String> denied = get("/costly/report", "X-Api-Key", "cost");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("Retry-After")).hasValue("2");
  }

  @Test
  void legacyHeadersAndAnExplicitAllowForUnresolvedKeys() throws Exception {
    HttpResponse<String> response = get("/legacy/x", "X-Api-Key", "legacy");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("X-RateLimit-Remaining")).hasValue("9");
    assertThat(response.headers().firstValue("X-RateLimit-Burst-Capacity")).hasValue("10");
    assertThat(response.headers().firstValue("X-RateLimit-Replenish-Rate")).hasValue("1");
    assertThat(response.headers().firstValue("X-RateLimit-Requested-Tokens")).hasValue("1");
    assertThat(response.headers().firstValue("RateLimit")).isEmpty();
    HttpResponse<String> anonymous = get("/legacy/x");
    assertThat(anonymous.statusCode()).isEqualTo(200);
    assertThat(anonymous.headers().firstValue("X-RateLimit-Remaining")).isEmpty();
  }

  @Test
  void aFailedStoreIs503() throws Exception {
    HttpResponse<String> response = get("/broken/x", "X-Api-Key", "k");
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.body())
        .isEqualTo("{\"error\":\"the rate limiter's store failed; retry\",\"field\":null}");
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(container.uri() + path)).timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Stands in for an authentication filter: the user named by X-User is the principal. */
  private static jakarta.servlet.ServletRequest authenticated(jakarta.servlet.ServletRequest req) {
    HttpServletRequest request = (HttpServletRequest) req;
    String user = request.getHeader("X-User");
    if (user == null) {
      return req;
    }
    Principal principal = () -> user;
    return new HttpServletRequestWrapper(request) {
      @Override
      public Principal getUserPrincipal() {
        return principal;
      }
    };
  }

  /** The application: counts what it serves per API key. */
  private final class App extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
        throws IOException {
      String key = request.getHeader("X-Api-Key");
      if (key != null) {
        served.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
      }
      if (request.getRequestURI().startsWith("/flight/")) {
        heldWhileServed.put(key, limiter.peek(key, "flight").remaining());
      }
      response.setHeader("Cache-Control", "max-age=60");
      response.setContentType("text/plain");
      response.getWriter().write("hello " + request.getRequestURI());
    }
  }
}

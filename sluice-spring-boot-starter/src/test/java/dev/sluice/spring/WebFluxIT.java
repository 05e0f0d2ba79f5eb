package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.userdetails.MapReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * A WebFlux application on Netty with Spring Cloud Gateway routing to a loopback stub, driven over
 * HTTP, with BlockHound watching the event loops: the rules, the annotation and the gateway decide
 * without blocking.
 */
@SpringBootTest(
    classes = WebFluxIT.App.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "spring.profiles.active=webflux")
class WebFluxIT {

  static final HttpServer STUB;
  static final AtomicInteger STUB_CALLS = new AtomicInteger();

  static {
    BlockingCheck.install();
    try {
      STUB = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    STUB.createContext(
        "/",
        exchange -> {
          STUB_CALLS.incrementAndGet();
          byte[] body = ("stub " + exchange.getRequestURI()).getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    STUB.start();
  }

  @DynamicPropertySource
  static void stub(DynamicPropertyRegistry registry) {
    registry.add("stub.uri", () -> "http://127.0.0.1:" + STUB.getAddress().getPort());
  }

  @AfterAll
  static void stopStub() {
    STUB.stop(0);
  }

  @LocalServerPort int port;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void blockHoundIsWatching() {
    BlockingCheck.assertActive();
  }

  @Test
  void theSeedsTenAllowedThenTwoDeniedPerKey() throws Exception {
    for (int i = 1; i <= 10; i++) {
      HttpResponse<String> allowed = get("/api/hello", "X-Api-Key", "seed");
      assertThat(allowed.statusCode()).as("request %d", i).isEqualTo(200);
      assertThat(allowed.body()).isEqualTo("hello");
      assertThat(allowed.headers().firstValue("RateLimit-Policy"))
          .hasValue("\"default\";q=10;w=600");
      assertThat(allowed.headers().firstValue("RateLimit").orElseThrow())
          .startsWith("\"default\";r=" + (10 - i) + ";");
      assertThat(allowed.headers().firstValue("X-RateLimit-Remaining")).hasValue("" + (10 - i));
      assertThat(allowed.headers().firstValue("X-RateLimit-Burst-Capacity")).hasValue("10");
    }
    for (int i = 11; i <= 12; i++) {
      HttpResponse<String> denied = get("/api/hello", "X-Api-Key", "seed");
      assertThat(denied.statusCode()).as("request %d", i).isEqualTo(429);
      assertThat(denied.headers().firstValue("Retry-After").orElseThrow()).matches("[1-6]?[0-9]");
      assertThat(denied.headers().firstValue("Cache-Control")).hasValue("no-store");
      assertThat(denied.headers().firstValue("Content-Type"))
          .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
      assertThat(denied.body())
          .startsWith(
              "{\"allowed\":false,\"policy\":\"default\",\"limit\":10,\"remaining\":0,"
                  + "\"retryAfterMs\":");
    }
    assertThat(get("/api/hello", "X-Api-Key", "other").statusCode()).isEqualTo(200);
  }

  @Test
  void aPremiumClientAnUnlimitedPathAndAMissingKey() throws Exception {
    assertThat(get("/api/hello", "X-Api-Key", "vip-key").headers().firstValue("RateLimit-Policy"))
        .hasValue("\"premium\";q=100;w=5");
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> open = get("/public/hello");
      assertThat(open.statusCode()).isEqualTo(200);
      assertThat(open.headers().firstValue("RateLimit")).isEmpty();
    }
    HttpResponse<String> none = get("/api/hello");
    assertThat(none.statusCode()).isEqualTo(403);
    assertThat(none.body())
        .isEqualTo(
            "{\"error\":\"the rate limit key of this request cannot be resolved: no value for"
                + " header:X-Api-Key\",\"field\":null}");
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
    assertThat(get("/ip/x", "Forwarded", "for=203.0.113.9").statusCode()).isEqualTo(429);
    assertThat(get("/ip/x", "X-Forwarded-For", "203.0.113.10").statusCode()).isEqualTo(200);
  }

  @Test
  void thePrincipalKeySeesSpringSecuritysAuthentication() throws Exception {
    for (int i = 0; i < 10; i++) {
      assertThat(get("/me", "Authorization", MvcIT.basic("alice")).statusCode()).isEqualTo(200);
    }
    assertThat(get("/me", "Authorization", MvcIT.basic("alice")).statusCode()).isEqualTo(429);
    assertThat(get("/me", "Authorization", MvcIT.basic("bob")).statusCode()).isEqualTo(200);
    assertThat(get("/me").statusCode()).as("anonymous: no principal").isEqualTo(403);
  }

  @Test
  void aConcurrencyPermitIsReleasedWhenTheRequestIsDone() throws Exception {
    for (int i = 1; i <= 3; i++) {
      assertThat(get("/flight/go", "X-Api-Key", "pilot").statusCode())
          .as("rule, request %d: the last one's permit was released", i)
          .isEqualTo(200);
      assertThat(get("/uploads/acme").statusCode())
          .as("annotation, request %d: the last one's permit was released", i)
          .isEqualTo(200);
    }
  }

  @Test
  void theAnnotationOnAMonoMethod() throws Exception {
    for (int i = 1; i <= 3; i++) {
      HttpResponse<String> allowed = get("/orders/acme");
      assertThat(allowed.statusCode()).isEqualTo(200);
      assertThat(allowed.body()).isEqualTo("orders of acme");
      assertThat(allowed.headers().firstValue("RateLimit").orElseThrow())
          .startsWith("\"orders\";r=" + (3 - i) + ";");
    }
    HttpResponse<String> denied = get("/orders/acme");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("Retry-After")).isPresent();
    assertThat(denied.body()).startsWith("{\"allowed\":false,\"policy\":\"orders\",\"limit\":3,");
  }

  @Test
  void theGatewayRoutesUnderTheRoutesPolicy() throws Exception {
    int before = STUB_CALLS.get();
    for (int i = 1; i <= 5; i++) {
      HttpResponse<String> allowed = get("/stub/data", "X-Api-Key", "gw");
      assertThat(allowed.statusCode()).as("request %d", i).isEqualTo(200);
      assertThat(allowed.body()).isEqualTo("stub /stub/data");
      assertThat(allowed.headers().firstValue("RateLimit-Policy"))
          .hasValue("\"gateway\";q=5;w=300");
      assertThat(allowed.headers().firstValue("X-RateLimit-Remaining")).hasValue("" + (5 - i));
    }
    HttpResponse<String> denied = get("/stub/data", "X-Api-Key", "gw");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("Retry-After")).isPresent();
    assertThat(denied.headers().firstValue("RateLimit").orElseThrow())
        .startsWith("\"gateway\";r=0;");
    assertThat(STUB_CALLS.get() - before)
        .as("the denied request never reached the stub")
        .isEqualTo(5);
    assertThat(get("/stub/data").statusCode()).as("the gateway's empty-key answer").isEqualTo(403);
  }

  @Test
  void theActuatorEndpointListsPoliciesAndPeeksWithoutConsuming() throws Exception {
    HttpResponse<String> policies = get("/actuator/sluice");
    assertThat(policies.statusCode()).isEqualTo(200);
    assertThat(policies.body())
        .contains("\"store\":\"memory\"")
        .contains("\"default\"")
        .contains("\"algorithm\":\"token-bucket\"");
    get("/api/hello", "X-Api-Key", "peeked");
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> peek = get("/actuator/sluice/peeked");
      assertThat(peek.statusCode()).isEqualTo(200);
      assertThat(peek.body()).contains("\"remaining\":9").contains("\"source\":\"backend\"");
    }
    assertThat(get("/actuator/sluice/peeked?policy=orders").body()).contains("\"remaining\":3");
    assertThat(get("/actuator/health").body()).contains("UP");
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(Endpoints.class)
  static class App {

    @Bean
    KeyResolver apiKeyResolver() {
      return exchange -> Mono.justOrEmpty(exchange.getRequest().getHeaders().getFirst("X-Api-Key"));
    }

    @Bean
    SecurityWebFilterChain security(ServerHttpSecurity http) {
      return http.authorizeExchange(exchanges -> exchanges.anyExchange().permitAll())
          .httpBasic(Customizer.withDefaults())
          .csrf(ServerHttpSecurity.CsrfSpec::disable)
          .build();
    }

    @Bean
    MapReactiveUserDetailsService users() {
      return new MapReactiveUserDetailsService(
          User.withUsername("alice").password("{noop}secret").roles("USER").build(),
          User.withUsername("bob").password("{noop}secret").roles("USER").build());
    }
  }

  @RestController
  static class Endpoints {

    @GetMapping({"/api/hello", "/public/hello", "/ip/x"})
    Mono<String> hello() {
      return Mono.just("hello");
    }

    @GetMapping("/me")
    Mono<String> me() {
      return Mono.just("me");
    }

    @GetMapping("/flight/go")
    Mono<String> flight() {
      return Mono.just("flown");
    }

    @GetMapping("/uploads/{tenant}")
    @RateLimited(policy = "flight", key = "#tenant")
    Mono<String> upload(@PathVariable String tenant) {
      return Mono.just("uploaded for " + tenant);
    }

    @GetMapping("/orders/{tenant}")
    @RateLimited(policy = "orders", key = "#tenant")
    Mono<String> orders(@PathVariable String tenant) {
      return Mono.just("orders of " + tenant);
    }
  }
}

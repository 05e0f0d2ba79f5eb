package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Backend;
import dev.sluice.InMemoryBackend;
import dev.sluice.ManualTimeSource;
import dev.sluice.RateLimiter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring MVC application on Tomcat, driven over HTTP. Its {@link Backend} bean (memory on a
 * manual clock, so that every timeline is exact) replaces the starter's.
 */
@SpringBootTest(
    classes = MvcIT.App.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "spring.profiles.active=mvc")
class MvcIT {

  static final ManualTimeSource CLOCK = new ManualTimeSource();

  @LocalServerPort int port;
  @Autowired RateLimiter limiter;
  @Autowired MeterRegistry meters;
  @Autowired SluiceHealthIndicator health;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void theSeedsTenAllowedThenTwoDeniedPerKey() throws Exception {
    for (int i = 1; i <= 10; i++) {
      HttpResponse<String> allowed = get("/api/hello", "X-Api-Key", "seed");
      assertThat(allowed.statusCode()).as("request %d", i).isEqualTo(200);
      assertThat(allowed.body()).isEqualTo("hello");
      assertThat(allowed.headers().firstValue("RateLimit-Policy"))
          .hasValue("\"default\";q=10;w=10");
      assertThat(allowed.headers().firstValue("RateLimit"))
          .hasValue("\"default\";r=" + (10 - i) + ";t=" + i);
    }
    for (int i = 11; i <= 12; i++) {
      HttpResponse<String> denied = get("/api/hello", "X-Api-Key", "seed");
      assertThat(denied.statusCode()).as("request %d", i).isEqualTo(429);
      assertThat(denied.headers().firstValue("Retry-After")).hasValue("1");
      assertThat(denied.headers().firstValue("Cache-Control")).hasValue("no-store");
      assertThat(denied.headers().firstValue("Content-Type"))
          .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
      assertThat(denied.body())
          .isEqualTo(
              "{\"allowed\":false,\"policy\":\"default\",\"limit\":10,\"remaining\":0,"
                  + "\"retryAfterMs\":1000,\"resetAfterMs\":10000}");
    }
    assertThat(get("/api/hello", "X-Api-Key", "other").statusCode()).isEqualTo(200);
    CLOCK.advance(Duration.ofSeconds(1));
    assertThat(get("/api/hello", "X-Api-Key", "seed").statusCode()).isEqualTo(200);
    assertThat(
            meters
                .get("sluice.decisions")
                .tags("policy", "default", "outcome", "denied", "source", "backend")
                .counter()
                .count())
        .isGreaterThanOrEqualTo(2);
  }

  @Test
  void aPremiumClientGetsItsTier() throws Exception {
    for (int i = 1; i <= 12; i++) {
      HttpResponse<String> response = get("/api/hello", "X-Api-Key", "vip-key");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("RateLimit-Policy"))
          .hasValue("\"premium\";q=100;w=5");
    }
  }

  @Test
  void aPathNoRuleMatchesIsUnlimited() throws Exception {
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> response = get("/public/hello");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("RateLimit")).isEmpty();
    }
  }

  @Test
  void aRequestWithoutItsKeyIsForbidden() throws Exception {
    HttpResponse<String> response = get("/api/hello");
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.body())
        .isEqualTo(
            "{\"error\":\"the rate limit key of this request cannot be resolved: no value for"
                + " header:X-Api-Key\",\"field\":null}");
  }

  @Test
  void thePrincipalKeySeesSpringSecuritysAuthentication() throws Exception {
    for (int i = 0; i < 10; i++) {
      assertThat(get("/me", "Authorization", basic("alice")).statusCode()).isEqualTo(200);
    }
    assertThat(get("/me", "Authorization", basic("alice")).statusCode()).isEqualTo(429);
    assertThat(get("/me", "Authorization", basic("bob")).statusCode()).isEqualTo(200);
    assertThat(get("/me").statusCode()).as("anonymous: no principal").isEqualTo(403);
  }

  @Test
  void aSpelRuleKeyWithACost() throws Exception {
    HttpResponse<String> first = get("/tenant/report", "X-Tenant", "acme");
    assertThat(first.headers().firstValue("RateLimit")).hasValue("\"default\";r=8;t=2");
    assertThat(get("/tenant/report", "X-Tenant", "acme").headers().firstValue("RateLimit"))
        .hasValue("\"default\";r=6;t=4");
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
  void theAnnotationLimitsOneEndpointWithTheSame429() throws Exception {
    for (int i = 1; i <= 3; i++) {
      HttpResponse<String> allowed = get("/orders/acme");
      assertThat(allowed.statusCode()).isEqualTo(200);
      assertThat(allowed.body()).isEqualTo("orders of acme");
      assertThat(allowed.headers().firstValue("RateLimit"))
          .hasValue("\"orders\";r=" + (3 - i) + ";t=" + (60 * i));
    }
    HttpResponse<String> denied = get("/orders/acme");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("Retry-After")).hasValue("60");
    assertThat(denied.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
    assertThat(denied.body())
        .isEqualTo(
            "{\"allowed\":false,\"policy\":\"orders\",\"limit\":3,\"remaining\":0,"
                + "\"retryAfterMs\":60000,\"resetAfterMs\":180000}");
    assertThat(get("/orders/globex").statusCode())
        .as("the key is the path variable")
        .isEqualTo(200);
    assertThat(get("/by-request", "X-Api-Key", "r1").headers().firstValue("RateLimit"))
        .as("#request in the key")
        .hasValue("\"orders\";r=2;t=60");
    assertThat(get("/by-request").statusCode())
        .as("a key that evaluates to nothing")
        .isEqualTo(403);
  }

  @Test
  void actuatorHealthIsUpAndTheEndpointIsNotExposedByDefault() throws Exception {
    assertThat(health.health().getStatus().getCode()).isEqualTo("UP");
    assertThat(health.health().getDetails()).containsEntry("store", "InMemoryBackend");
    assertThat(get("/actuator/health").statusCode()).isEqualTo(200);
    assertThat(get("/actuator/sluice").statusCode()).isEqualTo(404);
  }

  @Test
  void theApplicationsBackendBeanReplacedTheDefault() {
    assertThat(limiter.backend()).isInstanceOf(InMemoryBackend.class);
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

  static String basic(String user) {
    return "Basic "
        + Base64.getEncoder().encodeToString((user + ":secret").getBytes(StandardCharsets.UTF_8));
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(Endpoints.class)
  static class App {

    @Bean
    Backend backend() {
      return InMemoryBackend.builder().timeSource(CLOCK).build();
    }

    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
      return http.authorizeHttpRequests(requests -> requests.anyRequest().permitAll())
          .httpBasic(Customizer.withDefaults())
          .csrf(csrf -> csrf.disable())
          .build();
    }

    @Bean
    InMemoryUserDetailsManager users() {
      return new InMemoryUserDetailsManager(
          User.withUsername("alice").password("{noop}secret").roles("USER").build(),
          User.withUsername("bob").password("{noop}secret").roles("USER").build());
    }
  }

  @RestController
  static class Endpoints {

    @GetMapping({"/api/hello", "/public/hello", "/tenant/report"})
    String hello() {
      return "hello";
    }

    @GetMapping("/me")
    String me(HttpServletRequest request) {
      return "me " + request.getUserPrincipal();
    }

    @GetMapping("/flight/go")
    String flight() {
      return "flown";
    }

    @GetMapping("/uploads/{tenant}")
    @RateLimited(policy = "flight", key = "#tenant")
    String upload(@PathVariable String tenant) {
      return "uploaded for " + tenant;
    }

    @GetMapping("/orders/{tenant}")
    @RateLimited(policy = "orders", key = "#tenant")
    String orders(@PathVariable String tenant) {
      return "orders of " + tenant;
    }

    @GetMapping("/by-request")
    @RateLimited(policy = "orders", key = "#request.getHeader('X-Api-Key')")
    String byRequest() {
      return "ok";
    }
  }
}

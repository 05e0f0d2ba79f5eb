package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.RedisExtension;
import dev.sluice.testkit.RedisNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * {@code store.type: redis} with the starter alone, on a real Redis: two WebFlux applications share
 * one limit (exact, asynchronous, watched by BlockHound), and a Redis outage is answered by the
 * failure policy while the application stays ready.
 */
class RedisIT {

  @RegisterExtension static final RedisExtension<RedisNode> REDIS = RedisExtension.single();

  static {
    BlockingCheck.install();
  }

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void twoApplicationsShareOneLimit() throws Exception {
    String key = "shared-" + UUID.randomUUID();
    try (ConfigurableApplicationContext a = start();
        ConfigurableApplicationContext b = start()) {
      List<Integer> ports = List.of(port(a), port(b));
      for (int i = 0; i < 10; i++) {
        HttpResponse<String> allowed = get(ports.get(i % 2), "/api/hello", "X-Api-Key", key);
        assertThat(allowed.statusCode()).as("request %d", i + 1).isEqualTo(200);
        assertThat(allowed.headers().firstValue("RateLimit").orElseThrow())
            .as("one bucket for both")
            .startsWith("\"default\";r=" + (9 - i) + ";");
        assertThat(allowed.headers().firstValue("Sluice-Decision-Source"))
            .as("decided by Redis")
            .isEmpty();
      }
      for (int port : ports) {
        HttpResponse<String> denied = get(port, "/api/hello", "X-Api-Key", key);
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.headers().firstValue("Retry-After")).isPresent();
      }
    }
  }

  @Test
  void anOutageIsAnsweredByTheFailurePolicyAndTheApplicationStaysReady() throws Exception {
    try (ConfigurableApplicationContext app = start()) {
      int port = port(app);
      assertThat(get(port, "/actuator/health/sluice").statusCode()).isEqualTo(200);
      REDIS.get().pause();
      try {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        HttpResponse<String> answer;
        do {
          answer = get(port, "/api/hello", "X-Api-Key", "outage");
        } while (!answer
                .headers()
                .firstValue("Sluice-Decision-Source")
                .orElse("")
                .equals("fallback-circuit-open")
            && System.nanoTime() < deadline);
        assertThat(answer.statusCode()).as("the local fallback admits").isEqualTo(200);
        assertThat(answer.headers().firstValue("Sluice-Decision-Source"))
            .hasValue("fallback-circuit-open");
        HttpResponse<String> store = get(port, "/actuator/health/sluice");
        assertThat(store.statusCode()).isEqualTo(503);
        assertThat(store.body()).contains("\"status\":\"DOWN\"").contains("\"circuit\":\"open\"");
        HttpResponse<String> readiness = get(port, "/actuator/health/readiness");
        assertThat(readiness.statusCode())
            .as("not out of service for a Redis outage")
            .isEqualTo(200);
      } finally {
        REDIS.get().resume();
      }
    }
  }

  private ConfigurableApplicationContext start() {
    return new SpringApplicationBuilder(App.class)
        .properties(
            "server.port=0",
            "server.address=127.0.0.1",
            "spring.main.web-application-type=reactive",
            "spring.main.banner-mode=off",
            "spring.cloud.gateway.server.webflux.enabled=false",
            "management.endpoint.health.probes.enabled=true",
            "management.endpoint.health.show-details=always",
            "sluice.policies.default.capacity=10",
            "sluice.policies.default.refill=1/m",
            "sluice.store.type=redis",
            "sluice.store.uri=" + REDIS.get().uri(),
            "sluice.http.rules[0].path=/api/**",
            "sluice.http.rules[0].key=header:X-Api-Key")
        .run();
  }

  private static int port(ConfigurableApplicationContext context) {
    return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
  }

  private HttpResponse<String> get(int port, String path, String... headers) throws Exception {
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
  @Import(Hello.class)
  static class App {
    @Bean
    SecurityWebFilterChain security(ServerHttpSecurity http) {
      return http.authorizeExchange(exchanges -> exchanges.anyExchange().permitAll()).build();
    }
  }

  @RestController
  static class Hello {
    @GetMapping("/api/hello")
    Mono<String> hello() {
      return Mono.just("hello");
    }
  }
}

package dev.sluice.spring;

import dev.sluice.Decision;
import dev.sluice.Policy;
import dev.sluice.RateLimiter;
import dev.sluice.http.DecisionJson;
import dev.sluice.http.DecisionResponse;
import dev.sluice.http.UnresolvedKey;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * The rules of {@code sluice.http} in WebFlux, as the servlet filter applies them (first match, the
 * same keys, headers, 429 and unresolved-key answer), on the limiter's asynchronous call: the event
 * loop never waits for the store. Ordered after Spring Security's {@code WebFilterChainProxy} so
 * that a {@code principal} key sees the authentication.
 */
final class SluiceWebFilter implements WebFilter, Ordered {

  private static final Log LOG = LogFactory.getLog(SluiceWebFilter.class);

  /** A rule with its key resolver. */
  record Rule(Settings.Rule rule, ReactiveKeyResolver key, String describe) {}

  private final RateLimiter limiter;
  private final List<Rule> rules;
  private final Settings.Http http;

  SluiceWebFilter(RateLimiter limiter, List<Rule> rules, Settings.Http http) {
    this.limiter = limiter;
    this.rules = List.copyOf(rules);
    this.http = http;
  }

  @Override
  public int getOrder() {
    return http.order();
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    ServerHttpRequest request = exchange.getRequest();
    Rule rule = match(request);
    if (rule == null) {
      return chain.filter(exchange);
    }
    return rule.key()
        .resolve(exchange)
        .filter(key -> !key.isEmpty())
        .map(Optional::of)
        .defaultIfEmpty(Optional.empty())
        .flatMap(
            key ->
                key.isEmpty()
                    ? unresolved(exchange, chain, "no value for " + rule.describe())
                    : decide(exchange, chain, rule.rule(), key.get()));
  }

  private Mono<Void> decide(
      ServerWebExchange exchange, WebFilterChain chain, Settings.Rule rule, String key) {
    Mono<Supplier<Mono<Void>>> next =
        Mono.fromCompletionStage(() -> limiter.tryAcquireAsync(key, rule.policy(), rule.cost()))
            .map(
                decision -> {
                  Policy policy = limiter.policies().get(decision.policy());
                  DecisionResponse answer =
                      DecisionResponse.of(decision, policy, rule.cost(), http.headers());
                  return () -> answer(exchange, chain, answer, key, rule.policy(), decision);
                });
    // Only the decision's failures are answered here; the application's pass through untouched.
    return next.onErrorResume(e -> Mono.just(() -> failed(exchange, chain, rule, e)))
        .flatMap(Supplier::get);
  }

  private Mono<Void> answer(
      ServerWebExchange exchange,
      WebFilterChain chain,
      DecisionResponse answer,
      String key,
      String policy,
      Decision decision) {
    if (answer.denied()) {
      return write(exchange.getResponse(), answer.status(), answer.headers(), answer.body());
    }
    answer.headers().forEach(exchange.getResponse().getHeaders()::set);
    String permit = decision.permit();
    if (permit == null) {
      return chain.filter(exchange);
    }
    // A permit of a concurrency limit ends with the exchange, however it ends.
    return chain
        .filter(exchange)
        .doFinally(signal -> Permits.release(limiter, key, policy, permit));
  }

  /** A decision that failed: no key (an invalid one), a bad rule (500), or the store (503). */
  private Mono<Void> failed(
      ServerWebExchange exchange, WebFilterChain chain, Settings.Rule rule, Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (RateLimitedSupport.aboutKey(cause)) {
      return unresolved(exchange, chain, cause.getMessage());
    }
    Map<String, String> noStore = Map.of("Cache-Control", DecisionResponse.NO_STORE);
    if (cause instanceof IllegalArgumentException) {
      LOG.error("rate limit rule " + rule.matcher() + " cannot be applied: " + cause.getMessage());
      return write(
          exchange.getResponse(),
          500,
          noStore,
          DecisionJson.error("the rate limit rule cannot be applied", null));
    }
    LOG.warn("the rate limiter's store failed: " + cause);
    return write(
        exchange.getResponse(),
        503,
        noStore,
        DecisionJson.error("the rate limiter's store failed; retry", null));
  }

  private Mono<Void> unresolved(ServerWebExchange exchange, WebFilterChain chain, String why) {
    UnresolvedKey answer = http.unresolvedKey();
    if (answer.allow()) {
      return chain.filter(exchange);
    }
    return write(
        exchange.getResponse(),
        answer.status(),
        Map.of("Cache-Control", DecisionResponse.NO_STORE),
        answer.body(why));
  }

  private Rule match(ServerHttpRequest request) {
    StringBuilder path = new StringBuilder();
    for (PathContainer.Element element : request.getPath().pathWithinApplication().elements()) {
      if (element instanceof PathContainer.PathSegment segment) {
        path.append('/').append(segment.valueToMatch());
      }
    }
    String method = request.getMethod().name();
    for (Rule rule : rules) {
      if (rule.rule().matcher().matches(method, path.toString())) {
        return rule;
      }
    }
    return null;
  }

  /** Answers in place of the application. */
  static Mono<Void> write(
      ServerHttpResponse response, int status, Map<String, String> headers, String body) {
    response.setStatusCode(HttpStatusCode.valueOf(status));
    headers.forEach(response.getHeaders()::set);
    response.getHeaders().set("Content-Type", DecisionResponse.CONTENT_TYPE);
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    response.getHeaders().setContentLength(bytes.length);
    return response.writeWith(Mono.just(response.bufferFactory().wrap(bytes)));
  }
}

package dev.sluice.spring;

import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Finds the rate-limit key of a WebFlux request, without blocking: the WebFlux counterpart of
 * {@link dev.sluice.servlet.KeyResolver}. The starter's default bean resolves the client address
 * (behind {@code sluice.http.trusted-proxies}); an application's own bean of this type replaces it,
 * for the rules without a {@code key} and for {@link RateLimited} without one.
 */
@FunctionalInterface
public interface ReactiveKeyResolver {

  /**
   * The key of a request.
   *
   * @param exchange the exchange
   * @return the key (1 to 512 UTF-8 bytes), or an empty {@code Mono} when the request has none
   */
  Mono<String> resolve(ServerWebExchange exchange);
}

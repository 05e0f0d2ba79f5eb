package dev.sluice.spring;

import dev.sluice.Policy;
import dev.sluice.http.DecisionResponse;
import dev.sluice.http.HeaderStyle;
import dev.sluice.http.Validation;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter;
import reactor.core.publisher.Mono;

/**
 * Spring Cloud Gateway's {@link RateLimiter} on Sluice: the standard {@code RequestRateLimiter}
 * filter asks it, with the key from the route's {@code KeyResolver}.
 *
 * <pre>
 * filters:
 *   - name: RequestRateLimiter
 *     args:
 *       rate-limiter: "#{&#64;sluiceRateLimiter}"
 *       key-resolver: "#{&#64;apiKeyResolver}"
 * </pre>
 *
 * <p>Each route's policy and cost come from {@code sluice.gateway.routes.<route id>} (a route
 * without one spends 1 token under the client's override, else {@code default}); decisions are
 * Sluice's (exact on Redis, asynchronous: never blocking the event loop), and the response carries
 * the headers of {@code sluice.http.headers}, with {@code Retry-After} on a denial. The filter
 * itself answers a denial (429, no body) and an empty key (403). Thread-safe.
 */
public final class SluiceGatewayRateLimiter
    implements RateLimiter<SluiceGatewayRateLimiter.Config> {

  private static final Log LOG = LogFactory.getLog(SluiceGatewayRateLimiter.class);

  private final dev.sluice.RateLimiter limiter;
  private final Map<String, Config> routes = new ConcurrentHashMap<>();
  private final HeaderStyle headers;

  /**
   * A gateway rate limiter.
   *
   * @param limiter Sluice's limiter
   * @param routes each route's policy and cost, by route id
   * @param headers which rate-limit headers to send
   */
  public SluiceGatewayRateLimiter(
      dev.sluice.RateLimiter limiter, Map<String, Config> routes, HeaderStyle headers) {
    this.limiter = limiter;
    this.routes.putAll(routes);
    this.headers = headers;
  }

  @Override
  public Mono<Response> isAllowed(String routeId, String id) {
    Config route = routes.getOrDefault(routeId, Config.DEFAULT);
    return Mono.fromCompletionStage(() -> limiter.tryAcquireAsync(id, route.policy(), route.cost()))
        .map(
            decision -> {
              Policy policy = limiter.policies().get(decision.policy());
              DecisionResponse answer =
                  DecisionResponse.of(decision, policy, route.cost(), headers);
              return new Response(decision.allowed(), answer.headers());
            })
        .onErrorResume(
            error -> {
              Throwable cause =
                  error instanceof CompletionException && error.getCause() != null
                      ? error.getCause()
                      : error;
              if (cause instanceof IllegalArgumentException e && Validation.isAbout(e, "key")) {
                LOG.warn(
                    "route "
                        + routeId
                        + ": the key resolver gave an unusable key: "
                        + e.getMessage());
                return Mono.just(new Response(false, Map.of()));
              }
              return Mono.error(cause);
            });
  }

  @Override
  public Map<String, Config> getConfig() {
    return routes;
  }

  @Override
  public Class<Config> getConfigClass() {
    return Config.class;
  }

  @Override
  public Config newConfig() {
    return Config.DEFAULT;
  }

  /**
   * A route's policy and cost.
   *
   * @param policy the policy, or {@code null} for the client's override, else {@code default}
   * @param cost the tokens each request spends
   */
  public record Config(String policy, long cost) {
    /** The client's override, else {@code default}, at cost 1. */
    public static final Config DEFAULT = new Config(null, 1);
  }
}

package dev.sluice.spring;

import dev.sluice.RateLimiter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Spring Cloud Gateway: the {@code sluiceRateLimiter} bean, when the gateway (server WebFlux) is on
 * the class path. Registered before the gateway's own configuration, so that the {@code
 * RequestRateLimiter} filter finds it as its default rate limiter too.
 */
@AutoConfiguration(
    after = SluiceAutoConfiguration.class,
    beforeName = "org.springframework.cloud.gateway.config.GatewayAutoConfiguration")
@ConditionalOnClass(org.springframework.cloud.gateway.filter.ratelimit.RateLimiter.class)
public class SluiceGatewayAutoConfiguration {

  /** Creates the configuration; Spring calls it. */
  public SluiceGatewayAutoConfiguration() {}

  /**
   * The gateway rate limiter, with the routes of {@code sluice.gateway.routes} (checked against the
   * policies when the application starts).
   *
   * @param limiter Sluice's limiter
   * @param settings the settings
   * @return the rate limiter
   */
  @Bean
  @ConditionalOnMissingBean(SluiceGatewayRateLimiter.class)
  SluiceGatewayRateLimiter sluiceRateLimiter(RateLimiter limiter, Settings settings) {
    Map<String, SluiceGatewayRateLimiter.Config> routes = new LinkedHashMap<>();
    settings
        .routes()
        .forEach(
            (id, route) ->
                routes.put(id, new SluiceGatewayRateLimiter.Config(route.policy(), route.cost())));
    return new SluiceGatewayRateLimiter(limiter, routes, settings.http().headers());
  }
}

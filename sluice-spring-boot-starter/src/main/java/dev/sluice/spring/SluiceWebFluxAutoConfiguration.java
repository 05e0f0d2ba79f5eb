package dev.sluice.spring;

import dev.sluice.RateLimiter;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.web.filter.reactive.ServerWebExchangeContextFilter;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import org.springframework.web.server.WebFilter;
import reactor.core.publisher.Mono;

/**
 * Spring WebFlux: the rules of {@code sluice.http} as a {@link WebFilter} on the asynchronous
 * decision path, {@link RateLimited} on controller methods returning {@code Mono} or {@code Flux},
 * and the 429 of a refused call. The default {@link ReactiveKeyResolver} bean is the client address
 * behind {@code sluice.http.trusted-proxies}; an application's own replaces it.
 */
@AutoConfiguration(after = SluiceAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({WebFilter.class, Mono.class})
public class SluiceWebFluxAutoConfiguration {

  /** Creates the configuration; Spring calls it. */
  public SluiceWebFluxAutoConfiguration() {}

  /**
   * The key of the rules and annotations that name none.
   *
   * @param settings the settings
   * @return the client address
   */
  @Bean
  @ConditionalOnMissingBean(ReactiveKeyResolver.class)
  ReactiveKeyResolver sluiceReactiveKeyResolver(Settings settings) {
    return ReactiveKeys.ip(
        settings.http().forwardedByServer() ? 0 : settings.http().trustedProxies());
  }

  /**
   * The rules' filter.
   *
   * @param limiter the limiter
   * @param settings the settings
   * @param keyResolver the default key
   * @return the filter
   */
  @Bean
  @ConditionalOnProperty(name = "sluice.http.enabled", matchIfMissing = true)
  WebFilter sluiceWebFilter(
      RateLimiter limiter, Settings settings, ReactiveKeyResolver keyResolver) {
    List<SluiceWebFilter.Rule> rules = new ArrayList<>();
    for (Settings.Rule rule : settings.http().rules()) {
      rules.add(
          new SluiceWebFilter.Rule(
              rule,
              rule.key() == null ? keyResolver : ReactiveKeys.resolver(rule.key(), settings),
              ReactiveKeys.describe(rule.key())));
    }
    return new SluiceWebFilter(limiter, rules, settings.http());
  }

  /**
   * Puts the exchange in the Reactor context, where {@link RateLimited} finds the request.
   *
   * @return the filter
   */
  @Bean
  @ConditionalOnMissingBean(ServerWebExchangeContextFilter.class)
  ServerWebExchangeContextFilter sluiceExchangeContextFilter() {
    return new ServerWebExchangeContextFilter();
  }

  /**
   * Checks and applies {@link RateLimited}.
   *
   * @param beans the bean factory, for the limiter, settings and key resolver when first needed
   * @return the post-processor
   */
  @Bean
  static RateLimitedPostProcessor sluiceRateLimitedPostProcessor(BeanFactory beans) {
    return new RateLimitedPostProcessor(new ReactiveRateLimitedInterceptor(beans));
  }

  /**
   * Answers a refused {@link RateLimited} call, before Boot's error handling.
   *
   * @return the handler
   */
  @Bean
  WebExceptionHandler sluiceRateLimitedExceptionHandler() {
    return new RefusalHandler();
  }

  /** Writes a {@link RateLimitedException} as the filter writes its refusals. */
  private static final class RefusalHandler implements WebExceptionHandler, Ordered {
    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
      if (!(ex instanceof RateLimitedException refusal) || exchange.getResponse().isCommitted()) {
        return Mono.error(ex);
      }
      return SluiceWebFilter.write(
          exchange.getResponse(),
          refusal.getStatusCode().value(),
          refusal.headers(),
          refusal.body());
    }

    @Override
    public int getOrder() {
      return -2;
    }
  }
}

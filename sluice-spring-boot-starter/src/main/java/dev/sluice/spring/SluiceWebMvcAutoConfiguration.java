package dev.sluice.spring;

import dev.sluice.RateLimiter;
import dev.sluice.http.DecisionResponse;
import dev.sluice.servlet.KeyResolver;
import dev.sluice.servlet.Rule;
import dev.sluice.servlet.SluiceFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.expression.spel.support.SimpleEvaluationContext;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Spring MVC: the rules of {@code sluice.http} as a {@link SluiceFilter} (ordered after Spring
 * Security's filter chain), {@link RateLimited} on controller methods, and the 429 of a refused
 * call. The default {@link KeyResolver} bean is the client address behind {@code
 * sluice.http.trusted-proxies} (the address as the server resolved it when {@code
 * server.forward-headers-strategy} is set); an application's own replaces it.
 */
@AutoConfiguration(after = SluiceAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({Filter.class, DispatcherServlet.class, SluiceFilter.class})
public class SluiceWebMvcAutoConfiguration {

  /** Creates the configuration; Spring calls it. */
  public SluiceWebMvcAutoConfiguration() {}

  /**
   * The key of the rules and annotations that name none.
   *
   * @param settings the settings
   * @return the client address
   */
  @Bean
  @ConditionalOnMissingBean(KeyResolver.class)
  KeyResolver sluiceKeyResolver(Settings settings) {
    return KeyResolver.ip(
        settings.http().forwardedByServer() ? 0 : settings.http().trustedProxies());
  }

  /**
   * The rules' filter, on every request path.
   *
   * @param limiter the limiter
   * @param settings the settings
   * @param keyResolver the default key
   * @return the registration
   */
  @Bean
  @ConditionalOnProperty(name = "sluice.http.enabled", matchIfMissing = true)
  FilterRegistrationBean<SluiceFilter> sluiceFilter(
      RateLimiter limiter, Settings settings, KeyResolver keyResolver) {
    Settings.Http http = settings.http();
    SluiceFilter.Builder filter =
        SluiceFilter.builder(limiter)
            .defaultKey(keyResolver)
            .headers(http.headers())
            .unresolvedKey(http.unresolvedKey());
    for (Settings.Rule rule : http.rules()) {
      Rule.Builder builder =
          Rule.builder(rule.matcher().patterns().toArray(new String[0]))
              .methods(rule.matcher().methods().toArray(new String[0]))
              .policy(rule.policy())
              .cost(rule.cost());
      if (rule.key() != null) {
        builder.key(resolver(rule.key(), settings));
      }
      filter.rule(builder.build());
    }
    FilterRegistrationBean<SluiceFilter> registration =
        new FilterRegistrationBean<>(filter.build());
    registration.setName("sluiceFilter");
    registration.setOrder(http.order());
    registration.addUrlPatterns("/*");
    registration.setDispatcherTypes(DispatcherType.REQUEST);
    return registration;
  }

  /** A rule's key as a servlet key resolver. */
  static KeyResolver resolver(KeySpec key, Settings settings) {
    if (key instanceof KeySpec.Ip) {
      return KeyResolver.ip(
          settings.http().forwardedByServer() ? 0 : settings.http().trustedProxies());
    }
    if (key instanceof KeySpec.Header header) {
      return KeyResolver.header(header.name());
    }
    if (key instanceof KeySpec.Principal) {
      return KeyResolver.principal();
    }
    return new SpelKey((KeySpec.Spel) key);
  }

  /**
   * Checks and applies {@link RateLimited}.
   *
   * @param beans the bean factory, for the limiter, settings and key resolver when first needed
   * @return the post-processor
   */
  @Bean
  static RateLimitedPostProcessor sluiceRateLimitedPostProcessor(BeanFactory beans) {
    return new RateLimitedPostProcessor(new ServletRateLimitedInterceptor(beans));
  }

  /**
   * Answers a refused {@link RateLimited} call, before the application's exception handlers.
   *
   * @return the resolver
   */
  @Bean
  HandlerExceptionResolver sluiceRateLimitedExceptionResolver() {
    return new RefusalResolver();
  }

  /** A {@code spel:} key over the {@code HttpServletRequest}. */
  private record SpelKey(KeySpec.Spel spel) implements KeyResolver {
    @Override
    public String resolve(HttpServletRequest request) {
      Object value =
          spel.expression()
              .getValue(
                  SimpleEvaluationContext.forReadOnlyDataBinding()
                      .withInstanceMethods()
                      .withRootObject(request)
                      .build());
      return value == null ? null : value.toString();
    }

    @Override
    public String toString() {
      return "spel:" + spel.source();
    }
  }

  /** Writes a {@link RateLimitedException} as the filter writes its refusals. */
  private static final class RefusalResolver implements HandlerExceptionResolver, Ordered {
    @Override
    public ModelAndView resolveException(
        HttpServletRequest request, HttpServletResponse response, Object handler, Exception ex) {
      if (!(ex instanceof RateLimitedException refusal) || response.isCommitted()) {
        return null;
      }
      try {
        response.resetBuffer();
        response.setStatus(refusal.getStatusCode().value());
        refusal.headers().forEach(response::setHeader);
        byte[] body = refusal.body().getBytes(StandardCharsets.UTF_8);
        response.setContentType(DecisionResponse.CONTENT_TYPE);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        response.flushBuffer();
      } catch (IOException e) {
        return null;
      }
      return new ModelAndView();
    }

    @Override
    public int getOrder() {
      return Ordered.HIGHEST_PRECEDENCE;
    }
  }
}

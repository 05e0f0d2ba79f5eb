package dev.sluice.spring;

import dev.sluice.Backend;
import dev.sluice.RateLimiter;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Actuator: the {@code sluice} health indicator for the store, and the {@code sluice} endpoint
 * (policies, and peeking a key), each when its Actuator module is on the class path.
 */
@AutoConfiguration(after = SluiceAutoConfiguration.class)
public class SluiceActuatorAutoConfiguration {

  /** Creates the configuration; Spring calls it. */
  public SluiceActuatorAutoConfiguration() {}

  /** The health indicator. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
  static class HealthConfiguration {

    /**
     * The store's health, named {@code sluice}.
     *
     * @param backend the limiter's backend
     * @return the indicator
     */
    @Bean
    @ConditionalOnMissingBean(name = "sluiceHealthIndicator")
    @ConditionalOnEnabledHealthIndicator("sluice")
    SluiceHealthIndicator sluiceHealthIndicator(Backend backend) {
      return new SluiceHealthIndicator(backend, describe(backend));
    }
  }

  /** The endpoint. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
  static class EndpointConfiguration {

    /**
     * The {@code sluice} endpoint, when exposed.
     *
     * @param limiter the limiter
     * @return the endpoint
     */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint
    SluiceEndpoint sluiceEndpoint(RateLimiter limiter) {
      return new SluiceEndpoint(limiter, describe(limiter.backend()));
    }
  }

  static String describe(Backend backend) {
    return backend instanceof SluiceStore store
        ? store.describe()
        : backend.getClass().getSimpleName();
  }
}

package dev.sluice.spring;

import dev.sluice.Backend;
import dev.sluice.DecisionListener;
import dev.sluice.RateLimiter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The core of the starter: the validated {@code sluice.*} settings, the {@link Backend} ({@code
 * sluice.store}), and the {@link RateLimiter} bean ({@code sluiceLimiter}), with the decision
 * counters in the application's {@link MeterRegistry} when Micrometer is there. An application's
 * own {@code Backend} or {@code RateLimiter} bean replaces the default one (a {@code RateLimiter}
 * of the application's own keeps its own listeners and backend).
 */
@AutoConfiguration
@EnableConfigurationProperties(SluiceProperties.class)
public class SluiceAutoConfiguration {

  /** Creates the configuration; Spring calls it. */
  public SluiceAutoConfiguration() {}

  /**
   * The validated settings.
   *
   * @param properties the bound properties
   * @param environment for {@code server.forward-headers-strategy}
   * @return the settings
   * @throws InvalidPropertyException for the first invalid property
   */
  @Bean
  Settings sluiceSettings(SluiceProperties properties, Environment environment) {
    return SettingsReader.read(
        properties, environment.getProperty("server.forward-headers-strategy"));
  }

  /**
   * The backend of {@code sluice.store}.
   *
   * @param settings the settings
   * @return the memory backend, or Redis with its failure handling
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean(Backend.class)
  Backend sluiceBackend(Settings settings) {
    return SluiceStore.open(settings);
  }

  /**
   * The limiter.
   *
   * @param settings the settings
   * @param backend the backend
   * @param listeners every {@link DecisionListener} bean, such as the Micrometer counters
   * @return the limiter, not closed by Spring: the backend bean owns the store
   */
  @Bean(destroyMethod = "")
  @ConditionalOnMissingBean(RateLimiter.class)
  RateLimiter sluiceLimiter(
      Settings settings, Backend backend, ObjectProvider<DecisionListener> listeners) {
    return RateLimiter.builder()
        .policies(settings.policies())
        .backend(backend)
        .listener(CompositeDecisionListener.of(listeners.orderedStream().toList()))
        .build();
  }

  /** The decision counters, when Micrometer is on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterRegistry.class)
  static class Metrics {

    /**
     * The counters, in the application's registry (none, and no counting, without one).
     *
     * @param registry the registry, if the application has one
     * @return the listener
     */
    @Bean
    DecisionListener sluiceMetrics(ObjectProvider<MeterRegistry> registry) {
      MeterRegistry meters = registry.getIfAvailable();
      return meters == null ? DecisionListener.NONE : new MicrometerDecisionListener(meters);
    }
  }
}

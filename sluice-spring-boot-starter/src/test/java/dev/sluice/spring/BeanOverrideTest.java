package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Backend;
import dev.sluice.InMemoryBackend;
import dev.sluice.Limit;
import dev.sluice.Rate;
import dev.sluice.RateLimiter;
import dev.sluice.servlet.KeyResolver;
import dev.sluice.servlet.SluiceFilter;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import reactor.core.publisher.Mono;

/**
 * An application's own {@code RateLimiter}, {@code Backend} or key resolver replaces the default.
 */
class BeanOverrideTest {

  private static final AutoConfigurations ALL =
      AutoConfigurations.of(
          SluiceAutoConfiguration.class,
          SluiceWebMvcAutoConfiguration.class,
          SluiceWebFluxAutoConfiguration.class);

  @Test
  void theDefaultsFromProperties() {
    new ApplicationContextRunner()
        .withConfiguration(ALL)
        .withPropertyValues("sluice.policies.free.capacity=5", "sluice.policies.free.refill=1/s")
        .run(
            context -> {
              RateLimiter limiter = context.getBean(RateLimiter.class);
              assertThat(limiter.policies().policies()).containsOnlyKeys("free");
              assertThat(limiter.backend()).isInstanceOf(SluiceStore.class);
              assertThat(((SluiceStore) limiter.backend()).describe()).isEqualTo("memory");
            });
    new ApplicationContextRunner()
        .withConfiguration(ALL)
        .run(
            context ->
                assertThat(context.getBean(RateLimiter.class).policies().get("default").limits())
                    .as("without policies, the seed's default")
                    .containsExactly(Limit.tokenBucket(10, Rate.perSecond(1))));
  }

  @Test
  void aRateLimiterBeanReplacesTheDefault() {
    RateLimiter own = RateLimiter.create(Limit.tokenBucket(3, Rate.perSecond(1)));
    new WebApplicationContextRunner()
        .withConfiguration(ALL)
        .withBean(RateLimiter.class, () -> own)
        .run(
            context -> {
              assertThat(context).hasSingleBean(RateLimiter.class);
              assertThat(context.getBean(RateLimiter.class)).isSameAs(own);
              assertThat(context).doesNotHaveBean("sluiceLimiter");
              assertThat(context).hasBean("sluiceFilter");
            });
  }

  @Test
  void aBackendBeanReplacesTheDefault() {
    InMemoryBackend own = InMemoryBackend.create();
    new ApplicationContextRunner()
        .withConfiguration(ALL)
        .withBean(Backend.class, () -> own)
        .run(context -> assertThat(context.getBean(RateLimiter.class).backend()).isSameAs(own));
  }

  @Test
  void keyResolverBeansReplaceTheDefaults() {
    KeyResolver servlet = request -> "k";
    new WebApplicationContextRunner()
        .withConfiguration(ALL)
        .withBean(KeyResolver.class, () -> servlet)
        .run(
            context -> {
              assertThat(context.getBean(KeyResolver.class)).isSameAs(servlet);
              @SuppressWarnings("unchecked")
              FilterRegistrationBean<SluiceFilter> filter =
                  context.getBean("sluiceFilter", FilterRegistrationBean.class);
              assertThat(filter.getOrder()).isEqualTo(-90);
            });
    ReactiveKeyResolver reactive = exchange -> Mono.just("k");
    new ReactiveWebApplicationContextRunner()
        .withConfiguration(ALL)
        .withBean(ReactiveKeyResolver.class, () -> reactive)
        .run(
            context -> {
              assertThat(context.getBean(ReactiveKeyResolver.class)).isSameAs(reactive);
              assertThat(context).hasBean("sluiceWebFilter");
              assertThat(context).doesNotHaveBean("sluiceFilter");
            });
  }

  @Test
  void theRulesCanBeSwitchedOff() {
    new WebApplicationContextRunner()
        .withConfiguration(ALL)
        .withPropertyValues("sluice.http.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean("sluiceFilter"));
  }
}

package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Bad {@code sluice.*} properties and annotations stop the start-up, naming what to fix. */
@ExtendWith(OutputCaptureExtension.class)
class BadPropertiesTest {

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(SluiceAutoConfiguration.class));

  private void fails(String message, String... properties) {
    runner
        .withPropertyValues(properties)
        .run(
            context -> {
              assertThat(context).hasFailed();
              assertThat(context.getStartupFailure())
                  .rootCause()
                  .isInstanceOf(InvalidPropertyException.class)
                  .hasMessage(message);
            });
  }

  @Test
  void policies() {
    fails(
        "sluice.policies.free.refill must be <tokens>/<period> such as 1/s, 100/m, 10000/d or"
            + " 5/10s: '20/x'",
        "sluice.policies.free.capacity=10",
        "sluice.policies.free.refill=20/x");
    fails(
        "sluice.policies.free.capacity must be between 1 and 1000000000: 0",
        "sluice.policies.free.capacity=0",
        "sluice.policies.free.refill=1/s");
    fails(
        "sluice.policies.free.refill must be set: token-bucket needs capacity and refill",
        "sluice.policies.free.capacity=10");
    fails(
        "sluice.policies.free.window does not apply to token-bucket, which takes capacity and"
            + " refill",
        "sluice.policies.free.capacity=10",
        "sluice.policies.free.refill=1/s",
        "sluice.policies.free.window=1m");
    fails(
        "sluice.policies.day.window must be a whole number followed by one of us, ms, s, m, h, d"
            + " (like 50ms or 1m): '1 day'",
        "sluice.policies.day.algorithm=fixed-window",
        "sluice.policies.day.limit=1000",
        "sluice.policies.day.window=1 day");
    fails(
        "sluice.policies.day.window must be 1d, 1w, 1mo or 1y for a window aligned to the"
            + " calendar: '24h'",
        "sluice.policies.day.algorithm=fixed-window",
        "sluice.policies.day.limit=1000",
        "sluice.policies.day.window=24h",
        "sluice.policies.day.align=calendar");
    fails(
        "sluice.policies.day.align must be calendar or epoch: 'utc'",
        "sluice.policies.day.algorithm=fixed-window",
        "sluice.policies.day.limit=1000",
        "sluice.policies.day.window=1d",
        "sluice.policies.day.align=utc");
    fails(
        "sluice.policies.log.align does not apply to sliding-log, which takes limit and window",
        "sluice.policies.log.algorithm=sliding-log",
        "sluice.policies.log.limit=10",
        "sluice.policies.log.window=1d",
        "sluice.policies.log.align=calendar");
    fails(
        "sluice.policies.flight.lease must be set: concurrency needs limit and lease",
        "sluice.policies.flight.algorithm=concurrency",
        "sluice.policies.flight.limit=10");
    fails(
        "sluice.policies.flight.retry-hint must be between 1ms and 1s: 5s",
        "sluice.policies.flight.algorithm=concurrency",
        "sluice.policies.flight.limit=10",
        "sluice.policies.flight.lease=1s",
        "sluice.policies.flight.retry-hint=5s");
    fails(
        "sluice.policies.x.algorithm must be one of token-bucket, fixed-window, sliding-window,"
            + " sliding-log, leaky-bucket, concurrency: 'gcra'",
        "sluice.policies.x.algorithm=gcra");
    fails(
        "sluice.policies.both.limits[1].id must be unique within the policy: 'a'",
        "sluice.policies.both.limits[0].id=a",
        "sluice.policies.both.limits[0].capacity=10",
        "sluice.policies.both.limits[0].refill=1/s",
        "sluice.policies.both.limits[1].id=a",
        "sluice.policies.both.limits[1].capacity=5",
        "sluice.policies.both.limits[1].refill=1/s");
    fails(
        "sluice.clients.vip must name a policy, one of [default]: 'gold'",
        "sluice.clients.vip=gold");
  }

  @Test
  void store() {
    fails("sluice.store.type must be one of memory, redis: 'disk'", "sluice.store.type=disk");
    fails(
        "sluice.store.uri must be set for the redis store, such as redis://127.0.0.1:6379",
        "sluice.store.type=redis");
    fails(
        "sluice.store.timeout must be between 1ms and 1m: 2m",
        "sluice.store.type=redis",
        "sluice.store.uri=redis://127.0.0.1:1",
        "sluice.store.timeout=2m");
    fails(
        "sluice.store.on-failure must be one of allow, deny, local: 'open'",
        "sluice.store.type=redis",
        "sluice.store.uri=redis://127.0.0.1:1",
        "sluice.store.on-failure=open");
    fails(
        "sluice.store.instances must be auto or a whole number between 1 and 10000: '0'",
        "sluice.store.type=redis",
        "sluice.store.uri=redis://127.0.0.1:1",
        "sluice.store.instances=0");
    fails(
        "sluice.store.uri does not apply to the memory store, which takes only max-keys",
        "sluice.store.uri=redis://127.0.0.1:1");
    fails(
        "sluice.policies.api.hybrid needs sluice.store.mode lua: leases are taken by a script",
        "sluice.policies.api.capacity=100",
        "sluice.policies.api.refill=10/s",
        "sluice.policies.api.hybrid=true",
        "sluice.store.type=redis",
        "sluice.store.uri=redis://127.0.0.1:1",
        "sluice.store.mode=transaction");
  }

  @Test
  void http() {
    fails(
        "sluice.http.rules[0].key must be ip, header:NAME, principal or spel:EXPRESSION:"
            + " 'cookie:id'",
        "sluice.http.rules[0].path=/api/**",
        "sluice.http.rules[0].key=cookie:id");
    fails(
        "sluice.http.rules[0].policy must name a policy, one of [default]: 'gold'",
        "sluice.http.rules[0].path=/api/**",
        "sluice.http.rules[0].policy=gold");
    fails(
        "sluice.http.rules[0].cost must be between 1 and 10, the smallest capacity of policy"
            + " default: 11",
        "sluice.http.rules[0].path=/api/**",
        "sluice.http.rules[0].cost=11");
    fails(
        "sluice.http.rules[0].path must start with / and have no spaces, such as /api/**:"
            + " 'api/**'",
        "sluice.http.rules[0].path=api/**");
    fails(
        "sluice.http.trusted-proxies must be between 0 and 32: 40",
        "sluice.http.trusted-proxies=40");
    fails(
        "sluice.http.headers must be one of ietf, legacy, both, none: 'draft'",
        "sluice.http.headers=draft");
    fails(
        "sluice.http.unresolved-key must be allow or a status from 400 to 599, such as 403: '200'",
        "sluice.http.unresolved-key=200");
    fails(
        "sluice.http.trusted-proxies must be 0 when server.forward-headers-strategy is native: the"
            + " server already resolves the client address from the forwarded headers: 1",
        "server.forward-headers-strategy=native",
        "sluice.http.trusted-proxies=1");
    fails(
        "sluice.gateway.routes.orders.cost must be between 1 and 10, the smallest capacity of"
            + " policy default: 11",
        "sluice.gateway.routes.orders.cost=11");
    fails(
        "sluice.gateway.routes.uploads.policy must not have a concurrency limit: the gateway's"
            + " RequestRateLimiter has no end of request to release a permit at: 'flight'",
        "sluice.policies.flight.algorithm=concurrency",
        "sluice.policies.flight.limit=5",
        "sluice.policies.flight.lease=1m",
        "sluice.gateway.routes.uploads.policy=flight");
  }

  @Test
  void aBadAnnotationStopsTheStartUp() {
    new WebApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                SluiceAutoConfiguration.class, SluiceWebMvcAutoConfiguration.class))
        .withBean(BadController.class)
        .run(
            context -> {
              assertThat(context).hasFailed();
              assertThat(context.getStartupFailure())
                  .rootCause()
                  .hasMessage(
                      "@RateLimited on dev.sluice.spring.BadPropertiesTest$BadController.orders:"
                          + " policy must name a policy, one of [default]: 'gold'");
            });
  }

  @Test
  void theFailureReportNamesThePropertyToFix(CapturedOutput output) {
    SpringApplication app = new SpringApplication(Minimal.class);
    app.setWebApplicationType(WebApplicationType.NONE);
    try {
      app.run("--sluice.policies.free.capacity=10", "--sluice.policies.free.refill=20/x");
    } catch (RuntimeException expected) {
      // the start-up fails; Boot prints the analysis
    }
    assertThat(output)
        .contains("APPLICATION FAILED TO START")
        .contains("sluice.policies.free.refill must be <tokens>/<period>")
        .contains("Update the property sluice.policies.free.refill");
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class Minimal {}

  @RestController
  static class BadController {
    @GetMapping("/orders")
    @RateLimited(policy = "gold")
    String orders() {
      return "orders";
    }
  }
}

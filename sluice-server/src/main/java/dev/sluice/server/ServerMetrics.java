package dev.sluice.server;

import dev.sluice.Acquire;
import dev.sluice.Backend;
import dev.sluice.Decision;
import dev.sluice.DecisionListener;
import dev.sluice.Policy;
import dev.sluice.ResilientBackend;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The server's metrics in a Prometheus registry: decisions by policy and outcome, store latency and
 * errors, configuration reloads, and the JVM's basics.
 *
 * <p>Never tagged by client key: the tags are the policy (a bounded set from the configuration),
 * the outcome and the store operation. Thread-safe.
 */
final class ServerMetrics implements AutoCloseable {

  private static final String[] OUTCOMES = {"allowed", "denied", "error"};

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final Map<String, Counter[]> decisions = new ConcurrentHashMap<>();

  /**
   * Per policy, the counters of decisions not made by the store, by source ordinal, made on first
   * use.
   */
  private final Map<String, Map<Decision.Source, Counter>> unstored = new ConcurrentHashMap<>();

  private final Counter reloadSuccesses;
  private final Counter reloadFailures;

  ServerMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    reloadSuccesses = reloads("success");
    reloadFailures = reloads("failure");
  }

  /** The registry, also given to the HTTP server for its own connection and request metrics. */
  MeterRegistry registry() {
    return registry;
  }

  /** The metrics in the Prometheus text format. */
  String scrape() {
    return registry.scrape();
  }

  /** The listener that counts every decision of the limiter by policy and outcome. */
  DecisionListener decisionListener() {
    return new DecisionListener() {
      @Override
      public void onDecision(Policy policy, String key, long cost, Decision decision) {
        decisions(policy.name())[decision.allowed() ? 0 : 1].increment();
        if (decision.source() != Decision.Source.BACKEND) {
          sources(policy.name(), decision.source()).increment();
        }
      }

      @Override
      public void onError(Policy policy, String key, long cost, Throwable error) {
        decisions(policy.name())[2].increment();
      }
    };
  }

  /**
   * Publishes the state of a Redis store's failure handling: the circuit breaker's position ({@code
   * sluice_store_circuit_state}: 0 closed, 1 open, 2 half-open) and the store calls the deny cache
   * saved ({@code sluice_deny_cache_saved_calls_total}).
   */
  void watch(ResilientBackend backend) {
    Gauge.builder("sluice.store.circuit.state", backend, b -> gaugeValue(b.circuitState()))
        .description(
            "The store's circuit breaker: 0 closed (calling the store), 1 open (failure policy"
                + " answers), 2 half-open (probing)")
        .register(registry);
    FunctionCounter.builder("sluice.deny.cache.saved.calls", backend, ResilientBackend::savedCalls)
        .description("Store calls saved by repeating a recent denial locally until its retry time")
        .register(registry);
  }

  /** The circuit state as the gauge documents it. */
  private static int gaugeValue(ResilientBackend.CircuitState state) {
    return switch (state) {
      case CLOSED -> 0;
      case OPEN -> 1;
      case HALF_OPEN -> 2;
    };
  }

  private Counter sources(String policy, Decision.Source source) {
    Map<Decision.Source, Counter> counters = unstored.get(policy);
    if (counters == null) {
      counters =
          unstored.computeIfAbsent(
              policy, name -> Collections.synchronizedMap(new EnumMap<>(Decision.Source.class)));
    }
    Counter counter = counters.get(source);
    if (counter == null) {
      counter =
          Counter.builder("sluice.decisions.unstored")
              .description(
                  "Decisions not made by the store, by policy and source: deny-cache, lease (hybrid"
                      + " mode), or a fallback after a timeout, an error or an open circuit")
              .tag("policy", policy)
              .tag("source", source.label())
              .register(registry);
      counters.put(source, counter);
    }
    return counter;
  }

  /** Counts a configuration reload. */
  void reloaded(boolean success) {
    (success ? reloadSuccesses : reloadFailures).increment();
  }

  /** Wraps a backend so that every call's latency and every failure is recorded. */
  Backend timed(Backend backend) {
    return new TimedBackend(backend, registry);
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }

  private Counter[] decisions(String policy) {
    Counter[] counters = decisions.get(policy);
    return counters != null
        ? counters
        : decisions.computeIfAbsent(
            policy,
            name -> {
              Counter[] created = new Counter[OUTCOMES.length];
              for (int i = 0; i < OUTCOMES.length; i++) {
                created[i] =
                    Counter.builder("sluice.decisions")
                        .description(
                            "Rate-limit decisions by policy and outcome (allowed, denied, or error"
                                + " when the store failed)")
                        .tag("policy", name)
                        .tag("outcome", OUTCOMES[i])
                        .register(registry);
              }
              return created;
            });
  }

  private Counter reloads(String outcome) {
    return Counter.builder("sluice.config.reloads")
        .description(
            "Configuration reloads after the file changed, by outcome; a failed one keeps the"
                + " running configuration")
        .tag("outcome", outcome)
        .register(registry);
  }

  /** A backend that times each call and counts failures, by operation. */
  private static final class TimedBackend implements Backend {
    private final Backend backend;
    private final Operation acquire;
    private final Operation batch;
    private final Operation peek;
    private final Operation refund;
    private final Operation release;
    private final Operation reset;

    TimedBackend(Backend backend, MeterRegistry registry) {
      this.backend = backend;
      this.acquire = new Operation("acquire", registry);
      this.batch = new Operation("batch", registry);
      this.peek = new Operation("peek", registry);
      this.refund = new Operation("refund", registry);
      this.release = new Operation("release", registry);
      this.reset = new Operation("reset", registry);
    }

    @Override
    public CompletionStage<Decision> tryAcquireAsync(Policy policy, String key, long cost) {
      return acquire.timed(() -> backend.tryAcquireAsync(policy, key, cost));
    }

    @Override
    public CompletionStage<List<Decision>> tryAcquireAllAsync(List<Acquire> requests) {
      return batch.timed(() -> backend.tryAcquireAllAsync(requests));
    }

    @Override
    public CompletionStage<Decision> peekAsync(Policy policy, String key) {
      return peek.timed(() -> backend.peekAsync(policy, key));
    }

    @Override
    public CompletionStage<Decision> refundAsync(Policy policy, String key, long cost) {
      return refund.timed(() -> backend.refundAsync(policy, key, cost));
    }

    @Override
    public CompletionStage<Void> releaseAsync(Policy policy, String key, String permit) {
      return release.timed(() -> backend.releaseAsync(policy, key, permit));
    }

    @Override
    public CompletionStage<Void> resetAsync(Policy policy, String key) {
      return reset.timed(() -> backend.resetAsync(policy, key));
    }

    @Override
    public void close() {
      backend.close();
    }
  }

  /** The timer and error counter of one store operation. */
  private static final class Operation {
    private final Timer latency;
    private final Counter errors;

    Operation(String name, MeterRegistry registry) {
      latency =
          Timer.builder("sluice.store.latency")
              .description("Latency of store calls, by operation")
              .tag("operation", name)
              .publishPercentileHistogram()
              .minimumExpectedValue(Duration.ofNanos(10_000))
              .maximumExpectedValue(Duration.ofSeconds(10))
              .register(registry);
      errors =
          Counter.builder("sluice.store.errors")
              .description("Store calls that failed, by operation")
              .tag("operation", name)
              .register(registry);
    }

    /** Times an asynchronous call until its stage completes; a throw or a failure counts. */
    <T> CompletionStage<T> timed(Supplier<CompletionStage<T>> call) {
      long start = System.nanoTime();
      CompletionStage<T> stage;
      try {
        stage = call.get();
      } catch (RuntimeException e) {
        done(start, false);
        throw e;
      }
      return stage.whenComplete((result, error) -> done(start, error == null));
    }

    void done(long start, boolean ok) {
      latency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      if (!ok) {
        errors.increment();
      }
    }
  }
}

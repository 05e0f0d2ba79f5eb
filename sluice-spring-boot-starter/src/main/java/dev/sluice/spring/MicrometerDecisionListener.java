package dev.sluice.spring;

import dev.sluice.Decision;
import dev.sluice.DecisionListener;
import dev.sluice.Policy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts decisions in the application's {@link MeterRegistry}: {@code sluice.decisions} (Prometheus
 * {@code sluice_decisions_total}) by {@code policy}, {@code outcome} ({@code allowed}, {@code
 * denied}, {@code error}) and {@code source} ({@code backend}, {@code deny-cache}, {@code lease},
 * {@code fallback-*}; {@code none} for an error). No tag per client key. Thread-safe.
 */
final class MicrometerDecisionListener implements DecisionListener {

  /** The counter's name. */
  static final String NAME = "sluice.decisions";

  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

  MicrometerDecisionListener(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void onDecision(Policy policy, String key, long cost, Decision decision) {
    counter(decision.policy(), decision.allowed() ? "allowed" : "denied", decision.source().label())
        .increment();
  }

  @Override
  public void onError(Policy policy, String key, long cost, Throwable error) {
    counter(policy.name(), "error", "none").increment();
  }

  private Counter counter(String policy, String outcome, String source) {
    return counters.computeIfAbsent(
        policy + '\n' + outcome + '\n' + source,
        id ->
            Counter.builder(NAME)
                .description("Rate limit decisions")
                .tag("policy", policy)
                .tag("outcome", outcome)
                .tag("source", source)
                .register(registry));
  }
}

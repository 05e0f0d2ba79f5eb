package dev.sluice.server;

import dev.sluice.envoy.RlsListener;
import dev.sluice.envoy.RlsMatch;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * envoyproxy/ratelimit's per-rule series, under the names its dashboards query: {@code
 * ratelimit_service_rate_limit_total_hits}, {@code _over_limit}, {@code _near_limit} (more than 80%
 * used), {@code _within_limit} and {@code _shadow_mode}, labelled {@code domain} and {@code key1}
 * to {@code key4} (the configured keys of each level, empty below the rule's depth; the request's
 * values only where {@code detailed_metric} or {@code value_to_metric} asks).
 *
 * <p>They count hits, as envoyproxy/ratelimit's do. They are exposed as gauges of monotonic totals
 * rather than Micrometer counters, since the Prometheus registry appends {@code _total} to every
 * counter's name and the dashboards ask for the names without it; {@code rate()} and {@code
 * increase()} work on them alike. Cardinality is bounded by the configuration, except with {@code
 * detailed_metric} or {@code value_to_metric} on a key-only or wildcard rule, which adds one series
 * per value the clients send.
 *
 * <p>Sluice's own series gain {@code sluice_rls_near_limit_total} and {@code
 * sluice_rls_shadow_total} by domain: decisions (not hits) that were near the limit, or over it and
 * answered OK by shadow mode. They are series of their own, so the sums of {@code
 * sluice_decisions_total} stay what they were.
 */
final class RlsMetrics implements RlsListener {

  /** How many levels the labels name. */
  static final int LEVELS = 4;

  private static final String PREFIX = "ratelimit.service.rate_limit.";

  private final MeterRegistry registry;
  private final Map<List<String>, AtomicLong[]> series = new ConcurrentHashMap<>();

  RlsMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void onDescriptor(RlsMatch match, long hits, Outcome outcome) {
    String[] values = new String[LEVELS + 1];
    values[0] = match.rule().domain();
    for (int i = 0; i < LEVELS; i++) {
      values[i + 1] = i < match.metricKeys().size() ? match.metricKeys().get(i) : "";
    }
    List<String> labels = List.of(values);
    AtomicLong[] totals = series.computeIfAbsent(labels, this::register);
    totals[0].addAndGet(hits);
    if (outcome.overLimit()) {
      totals[1].addAndGet(hits);
    } else {
      totals[3].addAndGet(hits);
      if (outcome.nearLimit()) {
        totals[2].addAndGet(hits);
      }
    }
    if (outcome.shadow()) {
      totals[4].addAndGet(hits);
      registry.counter("sluice.rls.shadow", "domain", labels.get(0)).increment();
    }
    if (outcome.nearLimit()) {
      registry.counter("sluice.rls.near.limit", "domain", labels.get(0)).increment();
    }
  }

  private AtomicLong[] register(List<String> labels) {
    Tags tags = Tags.of("domain", labels.get(0));
    for (int i = 0; i < LEVELS; i++) {
      tags = tags.and("key" + (i + 1), labels.get(i + 1));
    }
    String[] names = {"total_hits", "over_limit", "near_limit", "within_limit", "shadow_mode"};
    AtomicLong[] totals = new AtomicLong[names.length];
    for (int i = 0; i < names.length; i++) {
      AtomicLong total = new AtomicLong();
      totals[i] = total;
      Gauge.builder(PREFIX + names[i], total, AtomicLong::get)
          .description("envoyproxy/ratelimit's " + names[i] + " of a rule, in hits")
          .tags(tags)
          .strongReference(true)
          .register(registry);
    }
    return totals;
  }
}

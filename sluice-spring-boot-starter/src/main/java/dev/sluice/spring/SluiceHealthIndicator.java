package dev.sluice.spring;

import dev.sluice.Backend;
import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.Rate;
import dev.sluice.ResilientBackend;
import java.util.Locale;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The health of the limiter's store ({@code sluice} in {@code /actuator/health}): up when a peek on
 * a reserved key answers within the store's deadline, down when it fails or the circuit breaker is
 * open, with the store and the breaker's state as details.
 *
 * <p>It is not part of the readiness group (Boot's readiness group holds only the readiness state
 * unless the application adds more): a Redis outage is answered by the failure policy, and must not
 * take every instance out of service at once.
 */
public class SluiceHealthIndicator extends AbstractHealthIndicator {

  /** The policy of the probe: only ever peeked, so it reads a key and never writes one. */
  private static final Policy PROBE =
      Policy.of("sluice-health", Limit.tokenBucket(1, Rate.perSecond(1)));

  private final Backend backend;
  private final String store;

  /**
   * The health of a backend.
   *
   * @param backend the limiter's backend
   * @param store a description of it, such as {@code redis redis://host:6379}
   */
  public SluiceHealthIndicator(Backend backend, String store) {
    super("the rate limiter's store is not healthy");
    this.backend = backend;
    this.store = store;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    builder.withDetail("store", store);
    ResilientBackend resilient =
        backend instanceof SluiceStore sluice
            ? sluice.resilient()
            : backend instanceof ResilientBackend direct ? direct : null;
    if (resilient != null) {
      ResilientBackend.CircuitState circuit = resilient.circuitState();
      builder.withDetail("circuit", circuit.name().toLowerCase(Locale.ROOT).replace('_', '-'));
      if (circuit == ResilientBackend.CircuitState.OPEN) {
        builder.down();
        return;
      }
    }
    backend.peek(PROBE, "probe");
    builder.up();
  }
}

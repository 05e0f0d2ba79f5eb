package dev.sluice;

import dev.sluice.tck.BackendBehaviourSuite;

/**
 * The shared behaviour suite through a {@link ResilientBackend} in front of an in-memory backend:
 * while the backend answers, the failure handling (deadline, breaker, failure policy) changes no
 * decision. The deny cache is off here: its denials carry their own source and the retry time of
 * the denial they repeat, which {@code ResilientBackendTest} checks on their own.
 */
class ResilientBackendBehaviourTest extends BackendBehaviourSuite {

  @Override
  protected Backend createBackend(ManualTimeSource clock) {
    return ResilientBackend.builder(InMemoryBackend.builder().timeSource(clock).build())
        .timeSource(clock)
        .denyCache(false)
        .build();
  }
}

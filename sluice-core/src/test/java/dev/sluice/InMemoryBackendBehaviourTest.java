package dev.sluice;

import dev.sluice.tck.BackendBehaviourSuite;

/** The shared behaviour suite, run for every algorithm on the {@link InMemoryBackend}. */
class InMemoryBackendBehaviourTest extends BackendBehaviourSuite {

  @Override
  protected Backend createBackend(ManualTimeSource clock) {
    return InMemoryBackend.builder().timeSource(clock).build();
  }
}

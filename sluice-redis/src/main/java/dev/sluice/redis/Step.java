package dev.sluice.redis;

import dev.sluice.Decision;
import java.util.concurrent.CompletableFuture;

/** What the hybrid's local step found for a request: one of three kinds, never an untyped union. */
sealed interface Step {

  /** Decided locally, from the lease or a local denial, with no call. */
  record Decided(Decision decision) implements Step {}

  /** Decided by a lease call in flight (this request's own, or one it waits for). */
  record Called(CompletableFuture<Decision> decision) implements Step {}

  /** For the wrapped backend to decide: a cold key, or a policy that is not leased. */
  record Delegated() implements Step {}

  /** The one {@link Delegated}. */
  Step DELEGATED = new Delegated();
}

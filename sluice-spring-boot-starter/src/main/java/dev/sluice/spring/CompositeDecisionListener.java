package dev.sluice.spring;

import dev.sluice.Decision;
import dev.sluice.DecisionListener;
import dev.sluice.Policy;
import java.util.List;

/** Every {@link DecisionListener} bean of the application, in order. */
final class CompositeDecisionListener implements DecisionListener {

  private final List<DecisionListener> listeners;

  private CompositeDecisionListener(List<DecisionListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  static DecisionListener of(List<DecisionListener> listeners) {
    return listeners.isEmpty()
        ? DecisionListener.NONE
        : listeners.size() == 1 ? listeners.get(0) : new CompositeDecisionListener(listeners);
  }

  @Override
  public void onDecision(Policy policy, String key, long cost, Decision decision) {
    for (DecisionListener listener : listeners) {
      try {
        listener.onDecision(policy, key, cost, decision);
      } catch (RuntimeException ignored) {
        // One listener must not keep the others from hearing.
      }
    }
  }

  @Override
  public void onError(Policy policy, String key, long cost, Throwable error) {
    for (DecisionListener listener : listeners) {
      try {
        listener.onError(policy, key, cost, error);
      } catch (RuntimeException ignored) {
        // One listener must not keep the others from hearing.
      }
    }
  }
}

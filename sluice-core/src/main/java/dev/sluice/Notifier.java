package dev.sluice;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Tells a {@link RateLimiter}'s {@link DecisionListener} about each decision it makes and each
 * failure of its backend, around the call itself. A listener that throws changes nothing for the
 * caller. Thread-safe if the listener is.
 */
final class Notifier {
  private final DecisionListener listener;

  Notifier(DecisionListener listener) {
    this.listener = listener;
  }

  /** Runs {@code call} for one request and tells the listener its decision or its failure. */
  Decision decide(Policy policy, String key, long cost, Supplier<Decision> call) {
    Decision decision;
    try {
      decision = call.get();
    } catch (RuntimeException e) {
      error(policy, key, cost, e);
      throw e;
    }
    decision(policy, key, cost, decision);
    return decision;
  }

  /** {@code stage}, whose outcome the listener hears when it completes. */
  CompletionStage<Decision> decideAsync(
      Policy policy, String key, long cost, CompletionStage<Decision> stage) {
    return stage.whenComplete(
        (decision, error) -> {
          if (error != null) {
            error(policy, key, cost, error);
          } else {
            decision(policy, key, cost, decision);
          }
        });
  }

  /**
   * Runs {@code call} for a batch and tells the listener each decision, or the failure each time.
   */
  List<Decision> decideAll(List<Acquire> requests, Supplier<List<Decision>> call) {
    List<Decision> decisions;
    try {
      decisions = call.get();
    } catch (RuntimeException e) {
      requests.forEach(r -> error(r.policy(), r.key(), r.cost(), e));
      throw e;
    }
    decisions(requests, decisions);
    return decisions;
  }

  /** {@code stage} of a batch, whose outcome the listener hears when it completes. */
  CompletionStage<List<Decision>> decideAllAsync(
      List<Acquire> requests, CompletionStage<List<Decision>> stage) {
    return stage.whenComplete(
        (decisions, error) -> {
          if (error != null) {
            requests.forEach(r -> error(r.policy(), r.key(), r.cost(), error));
          } else {
            decisions(requests, decisions);
          }
        });
  }

  private void decision(Policy policy, String key, long cost, Decision decision) {
    if (listener != DecisionListener.NONE) {
      try {
        listener.onDecision(policy, key, cost, decision);
      } catch (RuntimeException ignored) {
        // A listener must not change the caller's answer.
      }
    }
  }

  private void decisions(List<Acquire> requests, List<Decision> decisions) {
    for (int i = 0; i < requests.size(); i++) {
      Acquire request = requests.get(i);
      decision(request.policy(), request.key(), request.cost(), decisions.get(i));
    }
  }

  private void error(Policy policy, String key, long cost, Throwable error) {
    if (listener != DecisionListener.NONE) {
      try {
        listener.onError(policy, key, cost, error);
      } catch (RuntimeException ignored) {
        // A listener must not change the caller's answer.
      }
    }
  }
}

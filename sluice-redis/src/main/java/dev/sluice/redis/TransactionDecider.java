package dev.sluice.redis;

import dev.sluice.Acquire;
import dev.sluice.Algorithm;
import dev.sluice.Policy;
import dev.sluice.TimeSource;
import dev.sluice.internal.algorithm.Decide;
import dev.sluice.internal.algorithm.Model;
import dev.sluice.internal.algorithm.Outcome;
import dev.sluice.internal.algorithm.State;
import dev.sluice.redis.StateCommands.Read;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Transaction mode, for Redis deployments that forbid scripts: WATCH the keys, read them and TIME
 * in one pipelined round trip on a dedicated connection, decide with the core's reference models,
 * then MULTI/EXEC the new states (what the scripts write, {@link StateCodec}). A conflicting write
 * aborts the EXEC, and the decision is retried with jittered back-off, at most {@code maxRetries}
 * times; then the configured {@link RedisBackend.Contention} is answered rather than a guess. A
 * denial costs one round trip and writes nothing. A batch is one transaction over the keys of all
 * its requests (one hash tag: one connection, one node), decided by {@link Decide#batch}; a single
 * request is a batch of one.
 */
final class TransactionDecider {

  private final Connections<?> pool;
  private final StateCommands states;
  private final int maxRetries;
  private final RedisBackend.Contention contention;
  private final Map<Policy, Model[]> models = new ConcurrentHashMap<>();

  TransactionDecider(
      Connections<?> pool,
      TimeSource clock,
      long minimumTtlMillis,
      int maxRetries,
      RedisBackend.Contention contention) {
    this.pool = pool;
    this.states = new StateCommands(clock, minimumTtlMillis);
    this.maxRetries = maxRetries;
    this.contention = contention;
  }

  /** What a transaction decided from its reads: its answer, and the writes that make it true. */
  private record Plan<T>(T answer, Writes writes) {}

  /** Queues the writes of a transaction inside MULTI; none: the answer needs no EXEC. */
  @FunctionalInterface
  private interface Writes {
    List<RedisFuture<?>> queue(RedisAsyncCommands<String, String> commands);
  }

  /**
   * Decides one request.
   *
   * @param policy the policy
   * @param keys the policy's Redis keys for the client ({@link Keys#of})
   * @param cost the cost
   * @param permit the permit the request holds if allowed, or {@code null}
   * @return one outcome per limit
   */
  CompletionStage<Outcome[]> acquire(Policy policy, String[] keys, long cost, String permit) {
    return attempt(
            new Policy[] {policy},
            new String[][] {keys},
            new long[] {cost},
            permit == null ? null : new String[] {permit},
            0)
        .thenApply(outcomes -> outcomes[0]);
  }

  /**
   * Decides a batch in one transaction.
   *
   * @param requests the requests, a valid batch
   * @param prefix the prefix of the keys
   * @param permits per request, its permit if allowed, or {@code null} if none holds one
   * @return per request, one outcome per limit
   */
  CompletionStage<Outcome[][]> acquireAll(List<Acquire> requests, String prefix, String[] permits) {
    Policy[] policies = new Policy[requests.size()];
    String[][] keys = new String[requests.size()][];
    long[] costs = new long[requests.size()];
    for (int r = 0; r < policies.length; r++) {
      Acquire request = requests.get(r);
      policies[r] = request.policy();
      keys[r] = Keys.of(prefix, request.policy(), request.key());
      costs[r] = request.cost();
    }
    return attempt(policies, keys, costs, permits, 0);
  }

  /**
   * Gives {@code cost} back to every limit of a request, in one transaction (retried on conflict
   * like a decision); then what a peek answers.
   *
   * @param policy the policy
   * @param keys the policy's Redis keys for the client
   * @param cost what to give back
   * @return one outcome per limit, as a peek after the refund
   */
  CompletionStage<Outcome[]> refund(Policy policy, String[] keys, long cost) {
    return refund(policy, keys, cost, 0);
  }

  private CompletionStage<Outcome[]> refund(Policy policy, String[] keys, long cost, int attempt) {
    Policy[] policies = {policy};
    String[][] request = {keys};
    return transact(
        keys,
        commands -> states.read(policies, request, commands),
        read -> {
          Model[] models = models(policy);
          Outcome[] after = new Outcome[models.length];
          List<String> changedKeys = new ArrayList<>();
          List<Outcome> changed = new ArrayList<>();
          int k = 0;
          for (int i = 0; i < models.length; i++) {
            State stored = read.states()[0][i];
            State refunded = models[i].refund(stored, read.now(), cost);
            after[i] = models[i].peek(refunded != null ? refunded : stored, read.now());
            int width = policy.limits().get(i).algorithm() == Algorithm.SLIDING_LOG ? 2 : 1;
            if (refunded != null) {
              changedKeys.addAll(Arrays.asList(keys).subList(k, k + width));
              changed.add(new Outcome(refunded, true, 0, 0, after[i].resetAfter()));
            }
            k += width;
          }
          return new Plan<>(
              after,
              changed.isEmpty()
                  ? null
                  : commands ->
                      states.write(
                          changedKeys.toArray(String[]::new),
                          changed.toArray(Outcome[]::new),
                          commands));
        },
        after -> {
          throw new IllegalStateException(
              "the refund lost " + (maxRetries + 1) + " times to concurrent writers");
        },
        attempt);
  }

  /**
   * A look: the outcome of a cost-1 request with the state as it is; writes nothing.
   *
   * @param policy the policy
   * @param keys the policy's Redis keys for the client
   * @return one outcome per limit
   */
  CompletionStage<Outcome[]> peek(Policy policy, String[] keys) {
    return pool.borrow(keys[0])
        .thenCompose(
            borrowed ->
                states
                    .read(new Policy[] {policy}, new String[][] {keys}, borrowed.commands())
                    .whenComplete(
                        (read, error) -> {
                          if (error != null) {
                            borrowed.discard();
                          } else {
                            borrowed.release();
                          }
                        }))
        .thenApply(
            read -> {
              Model[] models = models(policy);
              Outcome[] outcomes = new Outcome[models.length];
              for (int i = 0; i < models.length; i++) {
                outcomes[i] = models[i].peek(read.states()[0][i], read.now());
              }
              return outcomes;
            });
  }

  private Model[] models(Policy policy) {
    return models.computeIfAbsent(
        policy, p -> p.limits().stream().map(Model::of).toArray(Model[]::new));
  }

  private CompletionStage<Outcome[][]> attempt(
      Policy[] policies, String[][] keys, long[] costs, String[] permits, int attempt) {
    return transact(
        flat(keys),
        commands -> states.read(policies, keys, commands),
        read -> {
          Model[][] models = new Model[policies.length][];
          for (int r = 0; r < policies.length; r++) {
            models[r] = models(policies[r]);
          }
          Outcome[][] outcomes =
              Decide.batch(models, read.states(), read.now(), costs, true, permits);
          if (!Decide.allowed(outcomes)) {
            return new Plan<>(outcomes, null);
          }
          return new Plan<>(
              outcomes,
              commands -> {
                List<RedisFuture<?>> queued = new ArrayList<>();
                for (int r = 0; r < policies.length; r++) {
                  if (costs[r] > 0) {
                    queued.addAll(states.write(keys[r], outcomes[r], commands));
                  }
                }
                return queued;
              });
        },
        this::contended,
        attempt);
  }

  /**
   * One optimistic transaction: WATCH the keys, read, decide, and MULTI/EXEC the plan's writes; an
   * EXEC aborted by a concurrent writer is retried from the reads after a jittered back-off, at
   * most {@code maxRetries} times, then the answer is {@code contended} (which may throw).
   */
  private <T> CompletionStage<T> transact(
      String[] watched,
      Function<RedisAsyncCommands<String, String>, CompletableFuture<Read>> reads,
      Function<Read, Plan<T>> decide,
      Function<T, T> contended,
      int attempt) {
    return pool.borrow(watched[0])
        .thenCompose(
            borrowed -> {
              RedisAsyncCommands<String, String> commands = borrowed.commands();
              CompletableFuture<T> result = new CompletableFuture<>();
              // WATCH, MULTI and UNWATCH fail only with the connection, which fails the EXEC or the
              // reads that follow on it: their own stages are not needed.
              var unusedWatch = commands.watch(watched);
              var unusedDecided =
                  reads
                      .apply(commands)
                      .thenApply(decide)
                      .whenComplete(
                          (plan, error) -> {
                            if (error != null) {
                              borrowed.discard();
                              result.completeExceptionally(error);
                            } else if (plan.writes() == null) {
                              var unusedUnwatch = commands.unwatch();
                              borrowed.release();
                              result.complete(plan.answer());
                            } else {
                              var unusedMulti = commands.multi();
                              List<RedisFuture<?>> queued = plan.writes().queue(commands);
                              var unusedExec =
                                  commands
                                      .exec()
                                      .whenComplete(
                                          (exec, failed) -> {
                                            if (failed != null) {
                                              borrowed.discard();
                                              result.completeExceptionally(failed);
                                              return;
                                            }
                                            borrowed.release();
                                            committed(
                                                exec.wasDiscarded(),
                                                queued,
                                                plan.answer(),
                                                () ->
                                                    backoff(attempt + 1)
                                                        .thenCompose(
                                                            ignored ->
                                                                transact(
                                                                    watched,
                                                                    reads,
                                                                    decide,
                                                                    contended,
                                                                    attempt + 1)),
                                                attempt < maxRetries ? null : contended,
                                                result);
                                          });
                            }
                          });
              return result;
            });
  }

  /** Completes a transaction's result from its EXEC: the answer, a retry, or the contended one. */
  private static <T> void committed(
      boolean discarded,
      List<RedisFuture<?>> queued,
      T answer,
      Supplier<CompletionStage<T>> retry,
      Function<T, T> contended,
      CompletableFuture<T> result) {
    RuntimeException partial = failedWrite(discarded, queued);
    if (partial != null) {
      result.completeExceptionally(partial);
    } else if (!discarded) {
      result.complete(answer);
    } else if (contended == null) {
      var unusedRetry =
          retry
              .get()
              .whenComplete(
                  (again, e) -> {
                    if (e != null) {
                      result.completeExceptionally(e);
                    } else {
                      result.complete(again);
                    }
                  });
    } else {
      try {
        result.complete(contended.apply(answer));
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    }
  }

  private static String[] flat(String[][] keys) {
    List<String> all = new ArrayList<>();
    for (String[] request : keys) {
      all.addAll(Arrays.asList(request));
    }
    return all.toArray(String[]::new);
  }

  /** A jittered pause before the {@code attempt}th try of a transaction that lost to a writer. */
  private static CompletableFuture<Void> backoff(int attempt) {
    long micros = ThreadLocalRandom.current().nextLong(100L << Math.min(attempt, 6));
    return CompletableFuture.runAsync(
        () -> {}, CompletableFuture.delayedExecutor(micros, TimeUnit.MICROSECONDS));
  }

  private Outcome[][] contended(Outcome[][] wouldBe) {
    Outcome[][] outcomes = new Outcome[wouldBe.length][];
    for (int r = 0; r < outcomes.length; r++) {
      outcomes[r] = new Outcome[wouldBe[r].length];
      for (int i = 0; i < outcomes[r].length; i++) {
        Outcome o = wouldBe[r][i];
        outcomes[r][i] =
            contention == RedisBackend.Contention.ALLOW
                ? new Outcome(null, true, o.remaining(), 0, o.resetAfter())
                : new Outcome(null, false, 0, 1_000, o.resetAfter());
      }
    }
    return outcomes;
  }

  /**
   * Whether a command of a committed transaction failed: Redis runs the others of an EXEC anyway (a
   * key of another type, say), so the decision is reported as a failure, not as made.
   */
  private static RuntimeException failedWrite(boolean discarded, List<RedisFuture<?>> queued) {
    if (discarded) {
      return null;
    }
    for (RedisFuture<?> command : queued) {
      if (command.toCompletableFuture().isCompletedExceptionally()) {
        try {
          command.toCompletableFuture().join();
        } catch (RuntimeException e) {
          return new IllegalStateException("a write of the transaction failed: " + e, e);
        }
      }
    }
    return null;
  }
}

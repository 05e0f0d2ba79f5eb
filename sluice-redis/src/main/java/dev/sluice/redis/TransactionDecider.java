package dev.sluice.redis;

import dev.sluice.Acquire;
import dev.sluice.Algorithm;
import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.TimeSource;
import dev.sluice.internal.algorithm.Decide;
import dev.sluice.internal.algorithm.Model;
import dev.sluice.internal.algorithm.Outcome;
import dev.sluice.internal.algorithm.State;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SetArgs;
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
  private final TimeSource clock;
  private final long minimumTtlMillis;
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
    this.clock = clock;
    this.minimumTtlMillis = minimumTtlMillis;
    this.maxRetries = maxRetries;
    this.contention = contention;
  }

  /** The states of the requests' limits as read, and the time they were read at. */
  private static final class Read {
    private final State[][] states;
    private final long now;

    Read(State[][] states, long now) {
      this.states = states;
      this.now = now;
    }

    State[][] states() {
      return states;
    }

    long now() {
      return now;
    }
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
        commands -> read(policies, request, commands),
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
                      write(
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
                read(new Policy[] {policy}, new String[][] {keys}, borrowed.commands())
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
        commands -> read(policies, keys, commands),
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
                    queued.addAll(write(keys[r], outcomes[r], commands));
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

  /** Reads every limit's state of every request and the time, in one pipelined round trip. */
  private CompletableFuture<Read> read(
      Policy[] policies, String[][] keys, RedisAsyncCommands<String, String> commands) {
    List<CompletableFuture<State[]>> reads = new ArrayList<>(policies.length);
    for (int r = 0; r < policies.length; r++) {
      reads.add(states(policies[r], keys[r], commands));
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .thenCombine(
            now(commands),
            (ignored, now) ->
                new Read(reads.stream().map(CompletableFuture::join).toArray(State[][]::new), now));
  }

  /** Reads every limit's state of one request (pipelined). */
  private CompletableFuture<State[]> states(
      Policy policy, String[] keys, RedisAsyncCommands<String, String> commands) {
    List<Limit> limits = policy.limits();
    List<CompletableFuture<State>> states = new ArrayList<>(limits.size());
    int k = 0;
    for (Limit limit : limits) {
      String key = keys[k++];
      if (limit.algorithm() == Algorithm.CONCURRENCY) {
        states.add(
            commands
                .zrangeWithScores(key, 0, -1)
                .toCompletableFuture()
                .thenApply(StateCodec::decodePermits));
      } else if (limit.algorithm() == Algorithm.SLIDING_LOG) {
        RedisFuture<List<String>> times = commands.zrange(key, 0, -1);
        RedisFuture<Map<String, String>> costs = commands.hgetall(keys[k++]);
        long window = StateCodec.windowMicros(limit);
        states.add(
            times
                .toCompletableFuture()
                .thenCombine(costs, (t, c) -> StateCodec.decodeLog(window, t, c)));
      } else {
        states.add(
            commands
                .get(key)
                .toCompletableFuture()
                .thenApply(value -> StateCodec.decode(limit.algorithm(), value)));
      }
    }
    return CompletableFuture.allOf(states.toArray(CompletableFuture[]::new))
        .thenApply(ignored -> states.stream().map(CompletableFuture::join).toArray(State[]::new));
  }

  /** The time the decision is made at: Redis's clock, or the client clock if one is set. */
  private CompletableFuture<Long> now(RedisAsyncCommands<String, String> commands) {
    return clock == null
        ? commands
            .time()
            .toCompletableFuture()
            .thenApply(t -> Long.parseLong(t.get(0)) * 1_000_000 + Long.parseLong(t.get(1)))
        : CompletableFuture.completedFuture(clock.nowMicros());
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

  /**
   * Queues the new states inside MULTI: what the script writes ({@link StateCodec}).
   *
   * @return the queued commands, completed when EXEC answers
   */
  private List<RedisFuture<?>> write(
      String[] keys, Outcome[] outcomes, RedisAsyncCommands<String, String> commands) {
    List<RedisFuture<?>> queued = new ArrayList<>();
    int k = 0;
    for (Outcome outcome : outcomes) {
      State state = outcome.state();
      String key = keys[k++];
      long ttl = Math.max(minimumTtlMillis, (outcome.resetAfter() + 999) / 1_000);
      if (state instanceof State.Permits permits) {
        // The live permits replace the set: the ended ones go, the new one comes.
        queued.add(commands.del(key));
        if (permits.ids().length > 0) {
          Object[] members = new Object[2 * permits.ids().length];
          for (int i = 0; i < permits.ids().length; i++) {
            members[2 * i] = (double) permits.expiries()[i];
            members[2 * i + 1] = permits.ids()[i];
          }
          queued.add(commands.zadd(key, members));
          queued.add(commands.pexpire(key, ttl));
        }
      } else if (state instanceof State.Log log) {
        String costsKey = keys[k++];
        queued.add(commands.del(key, costsKey));
        if (log.times().length > 0) {
          Object[] members = new Object[2 * log.times().length];
          for (int i = 0; i < log.times().length; i++) {
            members[2 * i] = (double) log.times()[i];
            members[2 * i + 1] = Long.toString(log.times()[i]);
          }
          queued.add(commands.zadd(key, members));
          queued.add(commands.pexpire(key, ttl));
        }
        queued.add(commands.hset(costsKey, StateCodec.logFields(log)));
        queued.add(commands.pexpire(costsKey, ttl));
      } else {
        queued.add(commands.set(key, StateCodec.encode(state), SetArgs.Builder.px(ttl)));
      }
    }
    return queued;
  }
}

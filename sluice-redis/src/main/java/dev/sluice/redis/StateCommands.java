package dev.sluice.redis;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.TimeSource;
import dev.sluice.internal.algorithm.Outcome;
import dev.sluice.internal.algorithm.State;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The commands of transaction mode that read and write the states of a request's limits, in the
 * scripts' format ({@link StateCodec}): one GET per bucket or window, ZRANGE and HGETALL per
 * sliding log, ZRANGE per concurrency limit, and TIME; on commit, the SET, ZADD, HSET and PEXPIRE
 * that the scripts would have sent. Only queues commands on a connection it is given; the
 * transaction around them is {@link TransactionDecider}'s. Thread-safe.
 */
final class StateCommands {
  private final TimeSource clock;
  private final long minimumTtlMillis;

  StateCommands(TimeSource clock, long minimumTtlMillis) {
    this.clock = clock;
    this.minimumTtlMillis = minimumTtlMillis;
  }

  /** The states of the requests' limits as read, and the time they were read at. */
  static final class Read {
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

  /** Reads every limit's state of every request and the time, in one pipelined round trip. */
  CompletableFuture<Read> read(
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
   * Queues the new states inside MULTI: what the script writes ({@link StateCodec}).
   *
   * @return the queued commands, completed when EXEC answers
   */
  List<RedisFuture<?>> write(
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

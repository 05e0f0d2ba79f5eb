package dev.sluice.redis;

import dev.sluice.Acquire;
import dev.sluice.Algorithm;
import dev.sluice.Policy;
import dev.sluice.TimeSource;
import dev.sluice.internal.algorithm.Model;
import dev.sluice.internal.algorithm.Outcome;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lua mode: one EVALSHA per decision, of {@code token_bucket.lua} for a policy of one token bucket
 * (the common shape, with less work in Redis) or of {@code acquire.lua} for any policy and for
 * batches. The script reads the server's clock, takes over states of other versions of the policy,
 * decides every limit and writes all of them or none (see {@link StateCodec}).
 */
final class LuaDecider {

  private static final Script ACQUIRE = Script.load("/dev/sluice/redis/acquire.lua");
  private static final Script TOKEN_BUCKET = Script.load("/dev/sluice/redis/token_bucket.lua");

  private final RedisClusterAsyncCommands<String, String> redis;
  private final String prefix;
  private final TimeSource clock;
  private final String minimumTtl;
  private final Map<Policy, ScriptCall> calls = new ConcurrentHashMap<>();

  LuaDecider(
      RedisClusterAsyncCommands<String, String> redis,
      String prefix,
      TimeSource clock,
      long minimumTtlMillis) {
    this.redis = redis;
    this.prefix = prefix;
    this.clock = clock;
    this.minimumTtl = Long.toString(minimumTtlMillis);
  }

  /**
   * The script a policy's decisions run, the constant tail of its arguments, and the policy's part
   * of {@code acquire.lua}'s arguments (for batches).
   */
  private static final class ScriptCall {
    final Script script;
    final String[] tail;
    final String[] limits;

    ScriptCall(Script script, String[] tail, String[] limits) {
      this.script = script;
      this.tail = tail;
      this.limits = limits;
    }

    static ScriptCall of(Policy policy) {
      List<Model> models = policy.limits().stream().map(Model::of).toList();
      List<String> args = new ArrayList<>();
      args.add(Integer.toString(models.size()));
      for (Model model : models) {
        args.add(Integer.toString(StateCodec.scriptKind(model.limit().algorithm())));
        long[] parameters = model.parameters();
        for (int i = 0; i < 3; i++) {
          args.add(Long.toString(i < parameters.length ? parameters[i] : 0));
        }
      }
      String[] limits = args.toArray(String[]::new);
      if (models.size() == 1 && policy.limits().get(0).algorithm() == Algorithm.TOKEN_BUCKET) {
        long[] bucket = models.get(0).parameters();
        return new ScriptCall(
            TOKEN_BUCKET,
            new String[] {
              Long.toString(bucket[0]), Long.toString(bucket[1]), Long.toString(bucket[2])
            },
            limits);
      }
      return new ScriptCall(ACQUIRE, limits, limits);
    }
  }

  /**
   * One script call.
   *
   * @param policy the policy
   * @param key the client key
   * @param cost the cost; 0 only looks
   * @param commit whether to consume when every limit allows
   * @param permit the permit the request holds if allowed, or {@code null} if its policy holds none
   *     (or for a look)
   * @return one outcome per limit (without state: the state stays in Redis)
   */
  CompletionStage<Outcome[]> run(
      Policy policy, String key, long cost, boolean commit, String permit) {
    ScriptCall call = calls.computeIfAbsent(policy, ScriptCall::of);
    String[] tail = call.tail;
    String now = clock == null ? "" : Long.toString(clock.nowMicros());
    String[] args;
    if (call.script == TOKEN_BUCKET) {
      args = new String[4 + tail.length];
      args[0] = now;
      args[1] = Long.toString(cost);
      args[2] = commit ? "1" : "0";
      args[3] = minimumTtl;
      System.arraycopy(tail, 0, args, 4, tail.length);
    } else {
      args = new String[6 + tail.length];
      args[0] = now;
      args[1] = commit ? "1" : "0";
      args[2] = minimumTtl;
      args[3] = "1";
      args[4] = Long.toString(cost);
      args[5] = permit == null ? "" : permit;
      System.arraycopy(tail, 0, args, 6, tail.length);
    }
    return call.script
        .run(redis, Keys.of(prefix, policy, key), args)
        .thenApply(reply -> outcomes(reply, 0, reply.size() / 4));
  }

  /**
   * Gives {@code cost} back to every limit of a request in one script call ({@code acquire.lua}'s
   * refund mode), answered as a peek after it.
   *
   * @param policy the policy
   * @param key the client key
   * @param cost what to give back
   * @return one outcome per limit
   */
  CompletionStage<Outcome[]> refund(Policy policy, String key, long cost) {
    String[] limits = calls.computeIfAbsent(policy, ScriptCall::of).limits;
    String[] args = new String[6 + limits.length];
    args[0] = clock == null ? "" : Long.toString(clock.nowMicros());
    args[1] = "r";
    args[2] = minimumTtl;
    args[3] = "1";
    args[4] = Long.toString(cost);
    args[5] = "";
    System.arraycopy(limits, 0, args, 6, limits.length);
    return ACQUIRE
        .run(redis, Keys.of(prefix, policy, key), args)
        .thenApply(reply -> outcomes(reply, 0, reply.size() / 4));
  }

  /**
   * One script call for a batch ({@code acquire.lua}), consuming if every request is allowed.
   *
   * @param requests the requests, a valid batch
   * @param permits per request, its permit if allowed, or {@code null} if none holds one
   * @return per request, one outcome per limit (without state)
   */
  CompletionStage<Outcome[][]> runAll(List<Acquire> requests, String[] permits) {
    List<String> args = new ArrayList<>();
    args.add(clock == null ? "" : Long.toString(clock.nowMicros()));
    args.add("1");
    args.add(minimumTtl);
    args.add(Integer.toString(requests.size()));
    List<String> keys = new ArrayList<>();
    for (int r = 0; r < requests.size(); r++) {
      Acquire request = requests.get(r);
      args.add(Long.toString(request.cost()));
      args.add(permits == null || permits[r] == null ? "" : permits[r]);
      args.addAll(Arrays.asList(calls.computeIfAbsent(request.policy(), ScriptCall::of).limits));
      keys.addAll(Arrays.asList(Keys.of(prefix, request.policy(), request.key())));
    }
    return ACQUIRE
        .run(redis, keys.toArray(String[]::new), args.toArray(String[]::new))
        .thenApply(
            reply -> {
              Outcome[][] outcomes = new Outcome[requests.size()][];
              int at = 0;
              for (int r = 0; r < outcomes.length; r++) {
                int limits = requests.get(r).policy().limits().size();
                outcomes[r] = outcomes(reply, at, limits);
                at += limits;
              }
              return outcomes;
            });
  }

  /** The outcomes of {@code count} limits in a script's reply, from limit {@code first} on. */
  private static Outcome[] outcomes(List<Long> reply, int first, int count) {
    Outcome[] outcomes = new Outcome[count];
    for (int i = 0; i < count; i++) {
      int at = 4 * (first + i);
      outcomes[i] =
          new Outcome(
              null, reply.get(at) == 1, reply.get(at + 1), reply.get(at + 2), reply.get(at + 3));
    }
    return outcomes;
  }

  /**
   * A look: what a cost-1 request would get, with the remaining and reset of the state as it is
   * (two script calls that write nothing).
   *
   * @param policy the policy
   * @param key the client key
   * @return one outcome per limit
   */
  CompletionStage<Outcome[]> peek(Policy policy, String key) {
    return run(policy, key, 0, false, null)
        .thenCombine(
            run(policy, key, 1, false, null),
            (current, one) -> {
              Outcome[] peeked = new Outcome[current.length];
              for (int i = 0; i < current.length; i++) {
                peeked[i] =
                    new Outcome(
                        null,
                        one[i].allowed(),
                        current[i].remaining(),
                        one[i].retryAfter(),
                        current[i].resetAfter());
              }
              return peeked;
            });
  }
}

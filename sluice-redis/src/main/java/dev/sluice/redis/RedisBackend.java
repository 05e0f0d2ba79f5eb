package dev.sluice.redis;

import dev.sluice.Algorithm;
import dev.sluice.Backend;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.StoreException;
import dev.sluice.TimeSource;
import dev.sluice.algorithm.Model;
import dev.sluice.algorithm.Outcome;
import dev.sluice.algorithm.State;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Buckets in Redis, shared by every instance that points at the same Redis: one limit per client
 * across a fleet.
 *
 * <p>Two modes, both atomic:
 *
 * <ul>
 *   <li>{@link Mode#LUA} (default): one EVALSHA per decision. The script reads the server clock
 *       (TIME), refills, checks every limit of the policy, and consumes from all of them or none.
 *   <li>{@link Mode#TRANSACTION}, for deployments that forbid scripts: WATCH the keys, read them
 *       and TIME in one pipelined round trip, decide with the core's reference model, then
 *       MULTI/EXEC the new state in a second round trip. A conflicting write aborts the EXEC, and
 *       the decision is retried with jittered back-off, at most {@code maxRetries} times; then the
 *       configured {@link Builder#onContention outcome} (deny by default) is returned rather than a
 *       guess. A denial costs one round trip and writes nothing.
 * </ul>
 *
 * <p>Both modes store the same hashes under the same keys (see {@code docs/redis.md}), so they can
 * be mixed. Keys expire when their bucket would be full again (the lossless TTL), but never sooner
 * than {@link Builder#minimumTtl}.
 *
 * <p>Failure semantics: every command has a deadline ({@link Builder#timeout}, 50 ms by default),
 * applied by Lettuce; a transaction also has it as a whole. A Lua decision is one command (two only
 * when the script must be sent again after NOSCRIPT). A missed deadline or a failed store raises
 * {@link StoreException}; for a hard deadline on every call, whatever happens, and a failure
 * policy, put the backend behind a {@link dev.sluice.ResilientBackend}. Commands are never replayed
 * after a reconnect (Lettuce's default would re-send them, consuming twice): commands in flight
 * when a connection drops fail, and commands issued while it is down are rejected at once. A call
 * that timed out may still have been carried out by Redis.
 *
 * <p>Thread-safe. Standalone ({@code redis://}, {@code rediss://}), Sentinel ({@code
 * redis-sentinel://}) and Cluster (see {@link Builder#cluster}) deployments.
 */
public final class RedisBackend implements Backend {

  /** How decisions are made atomic. */
  public enum Mode {
    /** One EVALSHA of a Lua script per decision. */
    LUA,
    /** WATCH/MULTI/EXEC with bounded retries: no scripts. */
    TRANSACTION
  }

  /** What a transaction answers when it keeps losing to concurrent writers. */
  public enum Contention {
    /** Deny the request (the default): never over-admit. */
    DENY,
    /** Allow the request without consuming: never under-admit. */
    ALLOW
  }

  private static final Script ACQUIRE = Script.load("/dev/sluice/redis/acquire.lua");

  /**
   * The same decision as {@link #ACQUIRE} for a policy of one token bucket, with less work in
   * Redis.
   */
  private static final Script TOKEN_BUCKET = Script.load("/dev/sluice/redis/token_bucket.lua");

  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final StatefulConnection<String, String> connection;
  private final RedisClusterAsyncCommands<String, String> redis;
  private final Connections<?> transactions;
  private final Mode mode;
  private final Duration timeout;
  private final TimeSource clock;
  private final String prefix;
  private final long minimumTtlMillis;

  /** {@link #minimumTtlMillis} as the script argument. */
  private final String minimumTtl;

  private final int maxRetries;
  private final Contention contention;
  private final Map<Policy, ScriptCall> scriptCalls = new ConcurrentHashMap<>();

  private RedisBackend(Builder b) {
    this.mode = b.mode;
    this.timeout = b.timeout;
    this.clock = b.clock;
    this.prefix = b.prefix;
    this.minimumTtlMillis = b.minimumTtl.toMillis();
    this.minimumTtl = Long.toString(minimumTtlMillis);
    this.maxRetries = b.maxRetries;
    this.contention = b.contention;
    this.resources =
        DefaultClientResources.builder()
            .reconnectDelay(
                Delay.exponential(
                    Duration.ofMillis(10), b.maxReconnectDelay, 2, TimeUnit.MILLISECONDS))
            .build();
    ClientOptions options =
        ClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .replayFilter(command -> true)
            .socketOptions(SocketOptions.builder().connectTimeout(b.connectTimeout).build())
            .timeoutOptions(TimeoutOptions.enabled(timeout))
            .build();
    if (b.cluster) {
      List<RedisURI> seeds =
          Arrays.stream(b.uri.split(",")).map(String::trim).map(RedisURI::create).toList();
      RedisClusterClient cluster = RedisClusterClient.create(resources, seeds);
      // The topology is read again every second, and at once on redirects and reconnect attempts:
      // after a failover, decisions on the moved slots resume within about a second.
      cluster.setOptions(
          ClusterClientOptions.builder(options)
              .topologyRefreshOptions(
                  ClusterTopologyRefreshOptions.builder()
                      .enablePeriodicRefresh(Duration.ofSeconds(1))
                      .enableAllAdaptiveRefreshTriggers()
                      .adaptiveRefreshTriggersTimeout(Duration.ofMillis(500))
                      .build())
              .build());
      this.client = cluster;
      var connected = connect(() -> cluster.connect(StringCodec.UTF8), b.uri);
      this.connection = connected;
      this.redis = connected.async();
      this.transactions =
          mode == Mode.TRANSACTION ? Connections.cluster(cluster, b.maxConnections) : null;
    } else {
      RedisURI uri = RedisURI.create(b.uri);
      RedisClient standalone = RedisClient.create(resources);
      standalone.setOptions(options);
      this.client = standalone;
      var connected = connect(() -> standalone.connect(StringCodec.UTF8, uri), b.uri);
      this.connection = connected;
      this.redis = connected.async();
      this.transactions =
          mode == Mode.TRANSACTION
              ? Connections.standalone(standalone, uri, b.maxConnections)
              : null;
    }
  }

  private <C extends StatefulConnection<String, String>> C connect(
      java.util.function.Supplier<C> connect, String uri) {
    try {
      return connect.get();
    } catch (RuntimeException e) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      resources.shutdown(0, 2, TimeUnit.SECONDS);
      throw new StoreException(
          "cannot connect to Redis at " + redacted(uri) + ": " + e.getMessage(), e);
    }
  }

  /**
   * A Redis URI (or comma-separated list) fit for logs: each password replaced, as in {@code
   * redis://***@host:6379}.
   *
   * @param uri the URI
   * @return the URI without credentials
   */
  public static String redacted(String uri) {
    return uri.replaceAll("://[^@/,]*@", "://***@");
  }

  /**
   * A builder; {@link Builder#uri} is required.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The mode.
   *
   * @return the mode
   */
  public Mode mode() {
    return mode;
  }

  @Override
  public Decision tryAcquire(Policy policy, String key, long cost) {
    return await(tryAcquireAsync(policy, key, cost).toCompletableFuture());
  }

  @Override
  public CompletionStage<Decision> tryAcquireAsync(Policy policy, String key, long cost) {
    // A script call is one command, already bounded by Lettuce's command timeout (no second timer
    // per call); a transaction is several, and gets a deadline as a whole.
    return mode == Mode.LUA
        ? lua(policy, key, cost, true).thenApply(policy::decide)
        : deadline(
            transaction(policy, Keys.of(prefix, policy, key), cost, 0).thenApply(policy::decide));
  }

  @Override
  public Decision peek(Policy policy, String key) {
    CompletionStage<Outcome[]> peeked;
    if (mode == Mode.LUA) {
      peeked =
          lua(policy, key, 0, false).thenCombine(lua(policy, key, 1, false), RedisBackend::peekOf);
    } else {
      peeked =
          read(policy, Keys.of(prefix, policy, key), false)
              .thenApply(
                  read -> {
                    Model[] models = policy.models().toArray(Model[]::new);
                    Outcome[] outcomes = new Outcome[models.length];
                    for (int i = 0; i < models.length; i++) {
                      outcomes[i] = models[i].peek(read.states[i], read.now);
                    }
                    return outcomes;
                  });
    }
    return await(deadline(peeked.thenApply(policy::decide)));
  }

  @Override
  public void reset(Policy policy, String key) {
    await(deadline(redis.del(Keys.of(prefix, policy, key)).toCompletableFuture()));
  }

  /** Closes the connections and the client. */
  @Override
  public void close() {
    if (transactions != null) {
      transactions.close();
    }
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }

  private static Outcome[] peekOf(Outcome[] current, Outcome[] one) {
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
  }

  // ---- Lua mode

  /** The script a policy's decisions run, and the constant tail of its arguments. */
  private record ScriptCall(Script script, String[] tail) {
    static ScriptCall of(Policy policy) {
      List<Model> models = policy.models();
      if (models.size() == 1 && policy.limits().get(0).algorithm() == Algorithm.TOKEN_BUCKET) {
        return new ScriptCall(
            TOKEN_BUCKET,
            Arrays.stream(models.get(0).parameters())
                .mapToObj(Long::toString)
                .toArray(String[]::new));
      }
      List<String> args = new ArrayList<>();
      args.add(Integer.toString(models.size()));
      for (Model model : models) {
        args.add(Integer.toString(StateCodec.scriptKind(model.limit().algorithm())));
        for (long parameter : Arrays.copyOf(model.parameters(), 3)) {
          args.add(Long.toString(parameter));
        }
      }
      return new ScriptCall(ACQUIRE, args.toArray(String[]::new));
    }
  }

  private CompletionStage<Outcome[]> lua(Policy policy, String key, long cost, boolean commit) {
    ScriptCall call = scriptCalls.computeIfAbsent(policy, ScriptCall::of);
    String[] tail = call.tail();
    String[] args = new String[4 + tail.length];
    args[0] = clock == null ? "" : Long.toString(clock.nowMicros());
    args[1] = Long.toString(cost);
    args[2] = commit ? "1" : "0";
    args[3] = minimumTtl;
    System.arraycopy(tail, 0, args, 4, tail.length);
    return call.script()
        .run(redis, Keys.of(prefix, policy, key), args)
        .thenApply(
            reply -> {
              Outcome[] outcomes = new Outcome[reply.size() / 4];
              for (int i = 0; i < outcomes.length; i++) {
                outcomes[i] =
                    new Outcome(
                        null,
                        reply.get(4 * i) == 1,
                        reply.get(4 * i + 1),
                        reply.get(4 * i + 2),
                        reply.get(4 * i + 3));
              }
              return outcomes;
            });
  }

  // ---- Transaction mode

  /** The states of a policy's limits as read, and the time they were read at. */
  private static final class Read {
    final State[] states;
    final long now;

    Read(State[] states, long now) {
      this.states = states;
      this.now = now;
    }
  }

  private CompletionStage<Outcome[]> transaction(
      Policy policy, String[] keys, long cost, int attempt) {
    return transactions
        .lease(keys[0])
        .thenCompose(
            lease -> {
              RedisAsyncCommands<String, String> commands = lease.commands();
              CompletableFuture<Outcome[]> result = new CompletableFuture<>();
              commands.watch(keys);
              readStates(policy, keys, commands, true)
                  .whenComplete(
                      (read, error) -> {
                        if (error != null) {
                          lease.discard();
                          result.completeExceptionally(error);
                          return;
                        }
                        Model[] models = policy.models().toArray(Model[]::new);
                        Outcome[] outcomes = new Outcome[models.length];
                        boolean allowed = true;
                        for (int i = 0; i < models.length; i++) {
                          outcomes[i] = models[i].step(read.states[i], read.now, cost);
                          allowed &= outcomes[i].allowed();
                        }
                        if (!allowed) {
                          for (int i = 0; i < models.length; i++) {
                            if (outcomes[i].allowed()) {
                              outcomes[i] = models[i].step(read.states[i], read.now, 0);
                            }
                          }
                          commands.unwatch();
                          lease.release();
                          result.complete(outcomes);
                          return;
                        }
                        commands.multi();
                        write(keys, outcomes, commands);
                        commands
                            .exec()
                            .whenComplete(
                                (exec, failed) -> {
                                  if (failed != null) {
                                    lease.discard();
                                    result.completeExceptionally(failed);
                                  } else {
                                    lease.release();
                                    if (!exec.wasDiscarded()) {
                                      result.complete(outcomes);
                                    } else if (attempt < maxRetries) {
                                      retry(policy, keys, cost, attempt + 1)
                                          .whenComplete(
                                              (again, e) -> {
                                                if (e != null) {
                                                  result.completeExceptionally(e);
                                                } else {
                                                  result.complete(again);
                                                }
                                              });
                                    } else {
                                      result.complete(contended(policy, outcomes));
                                    }
                                  }
                                });
                      });
              return result;
            });
  }

  private CompletionStage<Outcome[]> retry(Policy policy, String[] keys, long cost, int attempt) {
    long backoffMicros = ThreadLocalRandom.current().nextLong(100L << Math.min(attempt, 6));
    return CompletableFuture.supplyAsync(
            () -> null, CompletableFuture.delayedExecutor(backoffMicros, TimeUnit.MICROSECONDS))
        .thenCompose(ignored -> transaction(policy, keys, cost, attempt));
  }

  private Outcome[] contended(Policy policy, Outcome[] wouldBe) {
    Outcome[] outcomes = new Outcome[wouldBe.length];
    for (int i = 0; i < outcomes.length; i++) {
      Outcome o = wouldBe[i];
      outcomes[i] =
          contention == Contention.ALLOW
              ? new Outcome(null, true, o.remaining(), 0, o.resetAfter())
              : new Outcome(null, false, 0, 1_000, o.resetAfter());
    }
    return outcomes;
  }

  private CompletionStage<Read> read(Policy policy, String[] keys, boolean watch) {
    return transactions
        .lease(keys[0])
        .thenCompose(
            lease ->
                readStates(policy, keys, lease.commands(), watch)
                    .whenComplete(
                        (read, error) -> {
                          if (error != null) {
                            lease.discard();
                          } else {
                            lease.release();
                          }
                        }));
  }

  /** Reads every limit's state and the time in one pipelined round trip. */
  private CompletionStage<Read> readStates(
      Policy policy, String[] keys, RedisAsyncCommands<String, String> commands, boolean watched) {
    List<Limit> limits = policy.limits();
    List<CompletableFuture<State>> states = new ArrayList<>(limits.size());
    int k = 0;
    for (Limit limit : limits) {
      String key = keys[k++];
      if (limit.algorithm() == Algorithm.SLIDING_LOG) {
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
    CompletableFuture<Long> now =
        clock == null
            ? commands
                .time()
                .toCompletableFuture()
                .thenApply(t -> Long.parseLong(t.get(0)) * 1_000_000 + Long.parseLong(t.get(1)))
            : CompletableFuture.completedFuture(clock.nowMicros());
    return CompletableFuture.allOf(states.toArray(CompletableFuture[]::new))
        .thenCombine(
            now,
            (ignored, time) ->
                new Read(states.stream().map(CompletableFuture::join).toArray(State[]::new), time));
  }

  /** Queues the new states inside MULTI: what the script writes ({@link StateCodec}). */
  private void write(
      String[] keys, Outcome[] outcomes, RedisAsyncCommands<String, String> commands) {
    int k = 0;
    for (Outcome outcome : outcomes) {
      State state = outcome.state();
      String key = keys[k++];
      long ttl = Math.max(minimumTtlMillis, (outcome.resetAfter() + 999) / 1_000);
      if (state instanceof State.Log log) {
        String costsKey = keys[k++];
        commands.del(key, costsKey);
        List<ScoredValue<String>> members = new ArrayList<>();
        for (long time : log.times()) {
          members.add(ScoredValue.just(time, Long.toString(time)));
        }
        commands.zadd(key, members.toArray(ScoredValue[]::new));
        commands.hset(costsKey, StateCodec.logFields(log));
        commands.pexpire(key, ttl);
        commands.pexpire(costsKey, ttl);
      } else {
        commands.set(key, StateCodec.encode(state), SetArgs.Builder.px(ttl));
      }
    }
  }

  // ---- For HybridBackend, which runs its lease script on this backend's connection, keys and
  // clock

  /** The shared (multiplexed) connection the scripts run on. */
  RedisClusterAsyncCommands<String, String> commands() {
    return redis;
  }

  /** The prefix of every key. */
  String keyPrefix() {
    return prefix;
  }

  /** A script's time argument: the client clock's reading, or "" for the server's TIME. */
  String nowArgument() {
    return clock == null ? "" : Long.toString(clock.nowMicros());
  }

  /** The shortest TTL of a written key, in milliseconds. */
  long minimumTtlMillis() {
    return minimumTtlMillis;
  }

  /** The deadline of every call. */
  Duration timeout() {
    return timeout;
  }

  // ---- Deadlines

  private <T> CompletableFuture<T> deadline(CompletionStage<T> stage) {
    return stage.toCompletableFuture().orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while waiting for Redis", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof TimeoutException || cause instanceof RedisCommandTimeoutException) {
        throw new StoreException(
            "Redis did not answer within " + timeout.toMillis() + " ms", cause);
      }
      throw new StoreException("Redis failed: " + cause.getMessage(), cause);
    }
  }

  /** Builds a {@link RedisBackend}; each setter validates its argument. Not thread-safe. */
  public static final class Builder {
    private String uri;
    private boolean cluster;
    private Mode mode = Mode.LUA;
    private Duration timeout = Duration.ofMillis(50);
    private Duration connectTimeout = Duration.ofSeconds(2);
    private TimeSource clock;
    private String prefix = "sluice:";
    private Duration minimumTtl = Duration.ofSeconds(1);
    private int maxRetries = 10;
    private Contention contention = Contention.DENY;
    private int maxConnections = 64;
    private Duration maxReconnectDelay = Duration.ofMillis(500);

    private Builder() {}

    /**
     * The most dedicated connections transaction mode opens (one per transaction in flight; more
     * transactions wait for a free one); 64 by default. Lua mode shares one connection.
     *
     * @param maxConnections from 1 to 1024
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder maxConnections(int maxConnections) {
      if (maxConnections < 1 || maxConnections > 1024) {
        throw new IllegalArgumentException(
            "maxConnections must be between 1 and 1024: " + maxConnections);
      }
      this.maxConnections = maxConnections;
      return this;
    }

    /**
     * Where Redis is: {@code redis://host:port}, {@code rediss://...}, {@code
     * redis-sentinel://...}, or for a cluster a comma-separated list of seed URIs.
     *
     * @param uri the URI
     * @return this builder
     * @throws IllegalArgumentException if it is not a Redis URI
     */
    public Builder uri(String uri) {
      if (uri == null || !uri.matches("(?i)(redis|rediss|redis-sentinel)://.+")) {
        throw new IllegalArgumentException(
            "uri must start with redis://, rediss:// or redis-sentinel://: " + uri);
      }
      this.uri = uri;
      return this;
    }

    /**
     * Whether {@link #uri} names Redis Cluster seeds; {@code false} by default.
     *
     * @param cluster true for Redis Cluster
     * @return this builder
     */
    public Builder cluster(boolean cluster) {
      this.cluster = cluster;
      return this;
    }

    /**
     * The mode: {@link Mode#LUA} (default) or {@link Mode#TRANSACTION}.
     *
     * @param mode the mode
     * @return this builder
     */
    public Builder mode(Mode mode) {
      this.mode = Objects.requireNonNull(mode, "mode must not be null");
      return this;
    }

    /**
     * The deadline of every decision; 50 ms by default.
     *
     * @param timeout from 1 ms to 60 s
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder timeout(Duration timeout) {
      this.timeout = range("timeout", timeout, Duration.ofMillis(1), Duration.ofSeconds(60));
      return this;
    }

    /**
     * How long to wait for the first connection; 2 s by default.
     *
     * @param connectTimeout from 1 ms to 60 s
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout =
          range("connectTimeout", connectTimeout, Duration.ofMillis(1), Duration.ofSeconds(60));
      return this;
    }

    /**
     * The longest wait between two attempts to reconnect a lost connection (attempts start at 10 ms
     * and double); 500 ms by default, so decisions resume within about a second of Redis returning.
     *
     * @param maxReconnectDelay from 10 ms to 60 s
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder maxReconnectDelay(Duration maxReconnectDelay) {
      this.maxReconnectDelay =
          range(
              "maxReconnectDelay",
              maxReconnectDelay,
              Duration.ofMillis(10),
              Duration.ofSeconds(60));
      return this;
    }

    /**
     * Uses the caller's clock instead of the Redis server's TIME. Every instance must then have
     * well-synchronised clocks; meant for tests and for users who need it. Key expiry still runs on
     * Redis's clock.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clientClock(TimeSource clock) {
      this.clock = Objects.requireNonNull(clock, "clientClock must not be null");
      return this;
    }

    /**
     * The prefix of every key; {@code sluice:} by default.
     *
     * @param prefix up to 64 characters without braces
     * @return this builder
     * @throws IllegalArgumentException if it holds a brace or is too long
     */
    public Builder keyPrefix(String prefix) {
      if (prefix == null
          || prefix.length() > 64
          || prefix.indexOf('{') >= 0
          || prefix.indexOf('}') >= 0) {
        throw new IllegalArgumentException(
            "keyPrefix must be at most 64 characters without braces: " + prefix);
      }
      this.prefix = prefix;
      return this;
    }

    /**
     * The shortest time a key lives, even when its bucket would be full sooner; 1 s by default.
     * Longer never changes a decision (an expired key and a full bucket are the same); it only
     * keeps keys a little longer.
     *
     * @param minimumTtl from 1 ms to 1 day
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder minimumTtl(Duration minimumTtl) {
      this.minimumTtl = range("minimumTtl", minimumTtl, Duration.ofMillis(1), Duration.ofDays(1));
      return this;
    }

    /**
     * How many times a transaction is retried after losing to a concurrent write; 10 by default.
     *
     * @param maxRetries from 0 to 100
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder maxRetries(int maxRetries) {
      if (maxRetries < 0 || maxRetries > 100) {
        throw new IllegalArgumentException("maxRetries must be between 0 and 100: " + maxRetries);
      }
      this.maxRetries = maxRetries;
      return this;
    }

    /**
     * The answer when a transaction's retries run out; {@link Contention#DENY} by default.
     *
     * @param contention the answer
     * @return this builder
     */
    public Builder onContention(Contention contention) {
      this.contention = Objects.requireNonNull(contention, "onContention must not be null");
      return this;
    }

    /**
     * Connects and builds the backend.
     *
     * @return the backend
     * @throws IllegalArgumentException if no URI was given
     * @throws StoreException if Redis cannot be reached
     */
    public RedisBackend build() {
      if (uri == null) {
        throw new IllegalArgumentException("uri must be given");
      }
      return new RedisBackend(this);
    }

    private static Duration range(String param, Duration value, Duration min, Duration max) {
      if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            param
                + " must be between "
                + min.toMillis()
                + " ms and "
                + max.toMillis()
                + " ms: "
                + value);
      }
      return value;
    }
  }
}

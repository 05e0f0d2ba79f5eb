package dev.sluice.redis;

import dev.sluice.Acquire;
import dev.sluice.Backend;
import dev.sluice.BackendException;
import dev.sluice.Decision;
import dev.sluice.Policy;
import dev.sluice.ResilientBackend;
import dev.sluice.TimeSource;
import dev.sluice.internal.Checks;
import dev.sluice.internal.algorithm.Decide;
import dev.sluice.internal.algorithm.Outcome;
import dev.sluice.internal.algorithm.Permits;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

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
 * <p>Both modes store the same values under the same keys (see {@code docs/redis.md}), so they can
 * be mixed. Keys expire when their bucket would be full again (the lossless TTL), but never sooner
 * than {@link Builder#minimumTtl}.
 *
 * <p>Failure semantics: every command has a deadline ({@link Builder#timeout}, 50 ms by default),
 * applied by Lettuce; a transaction also has it as a whole. A Lua decision is one command (two only
 * when the script must be sent again after NOSCRIPT). A missed deadline or a failed store completes
 * the stage with {@link BackendException} ({@link BackendException#isTimeout()} tells which); for a
 * failure policy, put the backend behind a {@link ResilientBackend}, which then owns the decision's
 * deadline (give this backend a longer one as a safety net). Commands are never replayed after a
 * reconnect (Lettuce's default would re-send them, consuming twice): commands in flight when a
 * connection drops fail, and commands issued while it is down are rejected at once. A call that
 * timed out may still have been carried out by Redis.
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

  private final RedisConnection connection;
  private final Mode mode;
  private final Duration timeout;
  private final String prefix;
  private final LuaDecider lua;
  private final TransactionDecider transactions;
  private final LeaseScript leases;

  private RedisBackend(Builder b) {
    this.mode = b.mode;
    this.timeout = b.timeout;
    this.prefix = b.prefix;
    this.connection =
        RedisConnection.open(
            b.uri,
            b.cluster,
            b.timeout,
            b.connectTimeout,
            b.maxReconnectDelay,
            mode == Mode.TRANSACTION ? b.maxConnections : 0);
    long minimumTtl = b.minimumTtl.toMillis();
    this.lua = new LuaDecider(connection.commands(), prefix, b.clock, minimumTtl);
    this.transactions =
        mode == Mode.TRANSACTION
            ? new TransactionDecider(
                connection.pool(), b.clock, minimumTtl, b.maxRetries, b.contention)
            : null;
    this.leases = new LeaseScript(connection.commands(), prefix, b.clock, minimumTtl, timeout);
  }

  /**
   * A Redis URI (or comma-separated list) fit for logs: each password replaced, as in {@code
   * redis://***@host:6379}.
   *
   * @param uri the URI
   * @return the URI without credentials
   */
  public static String redacted(String uri) {
    return RedisConnection.redacted(uri);
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
  public CompletionStage<Decision> tryAcquireAsync(Policy policy, String key, long cost) {
    // A script call is one command, bounded by Lettuce's command timeout; a transaction is
    // several, and gets the deadline as a whole.
    String permit = policy.holdsPermits() ? Permits.next() : null;
    CompletionStage<Outcome[]> outcomes =
        mode == Mode.LUA
            ? lua.run(policy, key, cost, true, permit)
            : whole(transactions.acquire(policy, Keys.of(prefix, policy, key), cost, permit));
    return translated(outcomes.thenApply(o -> Decide.decision(policy, o, permit)));
  }

  /**
   * {@inheritDoc}
   *
   * <p>One script call (Lua mode) or one transaction over the keys of every request. The keys of
   * one group share a hash tag, so on Redis Cluster the batch goes to the one node that holds the
   * group.
   */
  @Override
  public CompletionStage<List<Decision>> tryAcquireAllAsync(List<Acquire> requests) {
    try {
      Checks.batch(requests);
    } catch (IllegalArgumentException | NullPointerException e) {
      return CompletableFuture.failedFuture(e);
    }
    String[] permits = Decide.permits(requests);
    CompletionStage<Outcome[][]> outcomes =
        mode == Mode.LUA
            ? lua.runAll(requests, permits)
            : whole(transactions.acquireAll(requests, prefix, permits));
    return translated(outcomes.thenApply(o -> Decide.decisions(requests, o, permits)));
  }

  @Override
  public CompletionStage<Decision> peekAsync(Policy policy, String key) {
    CompletionStage<Outcome[]> outcomes =
        mode == Mode.LUA
            ? lua.peek(policy, key)
            : whole(transactions.peek(policy, Keys.of(prefix, policy, key)));
    return translated(outcomes.thenApply(o -> Decide.decision(policy, o)));
  }

  @Override
  public CompletionStage<Decision> refundAsync(Policy policy, String key, long cost) {
    CompletionStage<Outcome[]> outcomes =
        mode == Mode.LUA
            ? lua.refund(policy, key, cost)
            : whole(transactions.refund(policy, Keys.of(prefix, policy, key), cost));
    return translated(outcomes.thenApply(o -> Decide.decision(policy, o)));
  }

  /**
   * {@inheritDoc}
   *
   * <p>One ZREM per concurrency limit of the policy, in either mode: removing a member is atomic by
   * itself and a permit is in one set only.
   */
  @Override
  public CompletionStage<Void> releaseAsync(Policy policy, String key, String permit) {
    List<String> keys = Keys.permits(prefix, policy, key);
    CompletableFuture<?>[] removed = new CompletableFuture<?>[keys.size()];
    for (int i = 0; i < removed.length; i++) {
      removed[i] = connection.commands().zrem(keys.get(i), permit).toCompletableFuture();
    }
    return translated(CompletableFuture.allOf(removed));
  }

  @Override
  public CompletionStage<Void> resetAsync(Policy policy, String key) {
    return translated(
        connection
            .commands()
            .del(Keys.of(prefix, policy, key))
            .toCompletableFuture()
            .thenApply(deleted -> (Void) null));
  }

  /** Closes the connections and the client. */
  @Override
  public void close() {
    connection.close();
  }

  /** The lease calls of the hybrid mode, on this backend's connection, keys and clock. */
  LeaseCalls leases() {
    return leases;
  }

  /** The shared connection's commands (the fleet's heartbeat runs on them). */
  RedisClusterAsyncCommands<String, String> commands() {
    return connection.commands();
  }

  /** The prefix of every key. */
  String keyPrefix() {
    return prefix;
  }

  /** The deadline of every call. */
  Duration timeout() {
    return timeout;
  }

  private <T> CompletionStage<T> whole(CompletionStage<T> transaction) {
    return transaction.toCompletableFuture().orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private <T> CompletionStage<T> translated(CompletionStage<T> call) {
    return call.handle(
        (result, error) -> {
          if (error != null) {
            throw RedisErrors.translate(error, timeout);
          }
          return result;
        });
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
      this.maxConnections = (int) Checks.range("maxConnections", maxConnections, 1, 1024);
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
      Checks.notNull("uri", uri);
      if (!uri.matches("(?i)(redis|rediss|redis-sentinel)://.+")) {
        throw Checks.fail("uri", "start with redis://, rediss:// or redis-sentinel://", uri);
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
      this.mode = Checks.notNull("mode", mode);
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
      this.timeout =
          Checks.duration("timeout", timeout, Duration.ofMillis(1), Duration.ofSeconds(60));
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
          Checks.duration(
              "connectTimeout", connectTimeout, Duration.ofMillis(1), Duration.ofSeconds(60));
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
          Checks.duration(
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
      this.clock = Checks.notNull("clientClock", clock);
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
      Checks.notNull("keyPrefix", prefix);
      if (prefix.length() > 64 || prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
        throw Checks.fail("keyPrefix", "be at most 64 characters without braces", prefix);
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
      this.minimumTtl =
          Checks.duration("minimumTtl", minimumTtl, Duration.ofMillis(1), Duration.ofDays(1));
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
      this.maxRetries = (int) Checks.range("maxRetries", maxRetries, 0, 100);
      return this;
    }

    /**
     * The answer when a transaction's retries run out; {@link Contention#DENY} by default.
     *
     * @param contention the answer
     * @return this builder
     */
    public Builder onContention(Contention contention) {
      this.contention = Checks.notNull("onContention", contention);
      return this;
    }

    /**
     * Connects and builds the backend.
     *
     * @return the backend
     * @throws IllegalArgumentException if no URI was given
     * @throws BackendException if Redis cannot be reached
     */
    public RedisBackend build() {
      if (uri == null) {
        throw Checks.fail("uri", "be given", null);
      }
      return new RedisBackend(this);
    }
  }
}

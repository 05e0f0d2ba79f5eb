package dev.sluice.redis;

import dev.sluice.BackendException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The instances that share one Redis, counted by Redis: each sends a heartbeat every second to a
 * sorted set, and counts the members seen in the last five seconds.
 *
 * <p>Meant for the local fallback of {@link dev.sluice.ResilientBackend#builder}'s {@code
 * instances}: while Redis answers, the count follows the fleet (a new instance counts within a
 * second, a stopped one leaves at once, a crashed one within five seconds); when Redis is away, the
 * last count stays, so that each instance grants 1 / (the fleet it last saw) of every limit.
 * Instances with the same key prefix on the same Redis form one fleet. Thread-safe.
 */
public final class Fleet implements IntSupplier, AutoCloseable {

  private static final Script HEARTBEAT = Script.load("/dev/sluice/redis/fleet.lua");

  /** How often an instance sends its heartbeat. */
  static final Duration INTERVAL = Duration.ofSeconds(1);

  /** How long joining may wait for the first heartbeat's answer, late ones retried. */
  static final Duration JOIN_WAIT = Duration.ofSeconds(10);

  /** How long a member counts after its last heartbeat. */
  static final Duration EXPIRY = Duration.ofSeconds(5);

  private final RedisBackend redis;
  private final String[] key;
  private final String id = UUID.randomUUID().toString();
  private final ScheduledExecutorService beats;
  private volatile int size = 1;

  private Fleet(RedisBackend redis) {
    this.redis = redis;
    // "!fleet" can be no policy's hash tag: policy names start with a letter or digit.
    this.key = new String[] {redis.keyPrefix() + "{!fleet}"};
    this.beats =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "sluice-fleet");
              thread.setDaemon(true);
              return thread;
            });
  }

  /**
   * Joins the fleet of a Redis backend: sends the first heartbeat and waits for the count, then one
   * every second in the background.
   *
   * @param redis the backend whose Redis and key prefix the fleet shares
   * @return the fleet, to be closed before the backend
   * @throws BackendException if the first heartbeat fails, or is late for {@link #JOIN_WAIT}
   */
  public static Fleet join(RedisBackend redis) {
    Fleet fleet = new Fleet(redis);
    // A cold start may be slow (the script is loaded, the JIT warms up): a late first heartbeat
    // is tried again, for up to JOIN_WAIT in all; a failure other than a timeout stops at once.
    long until = System.nanoTime() + JOIN_WAIT.toNanos();
    while (true) {
      try {
        fleet.size = Math.toIntExact(fleet.beat().toCompletableFuture().join());
        break;
      } catch (CompletionException e) {
        BackendException failure = RedisErrors.translate(e, redis.timeout());
        if (!failure.isTimeout() || System.nanoTime() > until) {
          fleet.close();
          throw new BackendException(
              "cannot count the fleet in Redis: " + failure.getMessage(), failure);
        }
      }
    }
    long every = INTERVAL.toMillis();
    var unusedSchedule =
        fleet.beats.scheduleWithFixedDelay(
            fleet::beatInBackground, every, every, TimeUnit.MILLISECONDS);
    return fleet;
  }

  /**
   * The number of instances in the fleet at the last heartbeat that Redis answered, at least 1.
   *
   * @return the count
   */
  public int size() {
    return size;
  }

  @Override
  public int getAsInt() {
    return size;
  }

  /** Stops the heartbeats and leaves the fleet (without waiting: others count one less soon). */
  @Override
  public void close() {
    beats.shutdownNow();
    try {
      var unusedLeave = redis.commands().zrem(key[0], id);
    } catch (RuntimeException e) {
      // Leaving is a courtesy: the member expires on its own.
    }
  }

  private CompletionStage<Long> beat() {
    return HEARTBEAT
        .run(redis.commands(), key, new String[] {id, Long.toString(EXPIRY.toMillis())})
        .thenApply(reply -> reply.get(0));
  }

  private void beatInBackground() {
    try {
      // A failed or late heartbeat changes nothing: the last count stays.
      var unused =
          beat()
              .toCompletableFuture()
              .orTimeout(INTERVAL.toMillis(), TimeUnit.MILLISECONDS)
              .thenAccept(count -> size = (int) Math.max(1, Math.min(Integer.MAX_VALUE, count)));
    } catch (RuntimeException e) {
      // Redis away: the last count stays.
    }
  }
}

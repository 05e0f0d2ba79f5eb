package dev.sluice.testkit;

import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JUnit 5 extension that owns a Redis fixture ({@link RedisNode}, {@link RedisReplicaPair},
 * {@link RedisCluster} or {@link RedisSentinel}) for a test class or for each test method.
 *
 * <p>Registered on a <b>static</b> field, the fixture is started before all tests of the class and
 * stopped after them, whether they pass or fail:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisExtension<RedisNode> redis = RedisExtension.single();
 *
 * @Test
 * void works() {
 *     RedisClient client = RedisClient.create(redis.get().uri());
 * }
 * }</pre>
 *
 * Registered on an <b>instance</b> field, it starts a fresh fixture before each test and stops it
 * after it.
 *
 * <p>Fault injection: a test may kill, pause, restart or fail over the fixture's nodes. With a
 * class-level fixture, a fixture that had any fault injected (or was closed) is stopped after that
 * test and a fresh one is started before the next test, so faults never leak into other tests; an
 * untouched fixture is reused as is (data included: tests that need an empty store should {@code
 * FLUSHALL}). Paused nodes are killed too, and a JVM shutdown hook kills anything still running at
 * exit. State changed only through {@link RedisNode#command(String...)} (e.g. {@code CONFIG SET}, a
 * manual {@code CLUSTER FAILOVER}) is not tracked, except that a {@link RedisSentinel} whose
 * Sentinels no longer report the original primary as healthy (e.g. after a {@code SENTINEL
 * FAILOVER} sent by a client) is replaced too.
 *
 * @param <F> the fixture type
 */
public final class RedisExtension<F extends AutoCloseable>
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

  private static final Logger LOG = LoggerFactory.getLogger(RedisExtension.class);

  private final String kind;
  private final Supplier<F> starter;
  private final Predicate<F> faultInjected;
  private final Consumer<F> dropConnections;

  private F fixture;

  /**
   * Nesting depth of class-level lifecycles (outer class plus @Nested classes); 0 means per-method.
   */
  private int classDepth;

  private RedisExtension(
      String kind, Supplier<F> starter, Predicate<F> faultInjected, Consumer<F> dropConnections) {
    this.kind = kind;
    this.starter = starter;
    this.faultInjected = faultInjected;
    this.dropConnections = dropConnections;
  }

  /**
   * Creates an extension for a single standalone node ({@link RedisNode#start()}).
   *
   * @return a new extension, to be stored in a {@code @RegisterExtension} field
   */
  public static RedisExtension<RedisNode> single() {
    return new RedisExtension<>(
        "single Redis node", RedisNode::start, RedisNode::faultInjected, RedisNode::dropConnection);
  }

  /**
   * Creates an extension for a primary with one replica ({@link RedisReplicaPair#start()}).
   *
   * @return a new extension, to be stored in a {@code @RegisterExtension} field
   */
  public static RedisExtension<RedisReplicaPair> replicaPair() {
    return new RedisExtension<>(
        "Redis primary + replica",
        RedisReplicaPair::start,
        RedisReplicaPair::faultInjected,
        RedisReplicaPair::dropConnections);
  }

  /**
   * Creates an extension for a 3 primary / 3 replica cluster ({@link RedisCluster#start()}).
   *
   * @return a new extension, to be stored in a {@code @RegisterExtension} field
   */
  public static RedisExtension<RedisCluster> cluster() {
    return new RedisExtension<>(
        "Redis cluster",
        RedisCluster::start,
        RedisCluster::faultInjected,
        RedisCluster::dropConnections);
  }

  /**
   * Creates an extension for a primary, a replica and three Sentinels ({@link
   * RedisSentinel#start()}).
   *
   * @return a new extension, to be stored in a {@code @RegisterExtension} field
   */
  public static RedisExtension<RedisSentinel> sentinel() {
    return new RedisExtension<>(
        "Redis Sentinel",
        RedisSentinel::start,
        RedisSentinel::faultInjected,
        RedisSentinel::dropConnections);
  }

  /**
   * Returns the running fixture of the current test.
   *
   * @return the node, pair, cluster or Sentinel fixture
   * @throws IllegalStateException outside a test (before the extension started it or after it
   *     stopped it)
   */
  public synchronized F get() {
    if (fixture == null) {
      throw new IllegalStateException(
          "The "
              + kind
              + " is not running: register this RedisExtension with @RegisterExtension and call"
              + " get() from a test, @BeforeEach/@AfterEach or (static field only)"
              + " @BeforeAll/@AfterAll method");
    }
    return fixture;
  }

  /**
   * Starts the class-level fixture (static field registration).
   *
   * @param context the JUnit context
   */
  @Override
  public synchronized void beforeAll(ExtensionContext context) {
    classDepth++;
    if (fixture == null) {
      startFixture(context);
    }
  }

  /**
   * Starts a fixture if none is running: for every test with instance field registration, or after
   * the previous test injected faults into the class-level fixture.
   *
   * @param context the JUnit context
   */
  @Override
  public synchronized void beforeEach(ExtensionContext context) {
    if (fixture == null) {
      startFixture(context);
    }
  }

  /**
   * Stops the fixture after a test if it is per-method, or if the test injected faults into it;
   * otherwise closes the fixture's command connections so that the next test starts with fresh
   * ones.
   *
   * @param context the JUnit context
   * @throws Exception if stopping fails
   */
  @Override
  public synchronized void afterEach(ExtensionContext context) throws Exception {
    if (fixture == null) {
      return;
    }
    if (classDepth == 0) {
      stopFixture();
    } else if (faultInjected.test(fixture)) {
      LOG.info(
          "{} had faults injected by {}; replacing it before the next test",
          kind,
          context.getDisplayName());
      stopFixture();
    } else {
      // the next test starts with fresh command connections (no SELECT/READONLY/MULTI state carried
      // over)
      dropConnections.accept(fixture);
    }
  }

  /**
   * Stops the class-level fixture, whether the tests passed or failed.
   *
   * @param context the JUnit context
   * @throws Exception if stopping fails
   */
  @Override
  public synchronized void afterAll(ExtensionContext context) throws Exception {
    classDepth = Math.max(0, classDepth - 1);
    if (classDepth == 0) {
      stopFixture();
    }
  }

  /**
   * Returns a description of the extension and its fixture.
   *
   * @return a human-readable description
   */
  @Override
  public synchronized String toString() {
    return "RedisExtension[" + kind + ": " + (fixture == null ? "not running" : fixture) + "]";
  }

  private void startFixture(ExtensionContext context) {
    long t0 = System.nanoTime();
    fixture = starter.get();
    LOG.debug(
        "started {} for {} in {} ms: {}",
        kind,
        context.getDisplayName(),
        (System.nanoTime() - t0) / 1_000_000,
        fixture);
  }

  private void stopFixture() throws Exception {
    F f = fixture;
    fixture = null;
    if (f != null) {
      f.close();
    }
  }
}

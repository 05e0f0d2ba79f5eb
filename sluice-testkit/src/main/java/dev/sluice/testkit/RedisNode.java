package dev.sluice.testkit;

import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One real {@code redis-server} process on a free port of 127.0.0.1, running in its own temp
 * directory, with fault injection.
 *
 * <p>The server is started from a generated {@code redis.conf} in its directory (no persistence:
 * {@code save ""}, {@code appendonly no}; {@code bind 127.0.0.1}; {@code protected-mode no}) and
 * logs to {@code redis.log} there. Ports 6379 and 26379 are never used. Faults: {@link #kill()}
 * (SIGKILL), {@link #pause()} (SIGSTOP) / {@link #resume()} (SIGCONT), {@link #restart()} (same
 * port, same directory; data is not persisted, so a restarted node comes back empty unless it is a
 * replica that resyncs). {@link #close()} kills the process and deletes the directory; a JVM
 * shutdown hook does the same for nodes that were never closed.
 *
 * <p>The Sentinels of a {@link RedisSentinel} are {@code RedisNode}s too ({@link #isSentinel()}):
 * started as {@code redis-server sentinel.conf --sentinel}, logging to {@code sentinel.log}, with
 * the same fault injection.
 *
 * <p>{@link #command(String...)} sends a command over the node's own connection with a timeout, for
 * test assertions and setup; it is not meant to be the client under test.
 *
 * <pre>{@code
 * try (RedisNode node = RedisNode.start()) {
 *     node.command("SET", "k", "v");
 *     assertThat(node.command("GET", "k")).isEqualTo("v");
 * }
 * }</pre>
 */
public final class RedisNode implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RedisNode.class);

  /** The only address nodes listen on. */
  static final String HOST = "127.0.0.1";

  private static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(5);
  private static final int PORT_ATTEMPTS = 5;

  private final Path dir;
  private final List<String> extraConfig;
  private final boolean clusterBus;

  /** Runs as a Sentinel ({@code redis-server sentinel.conf --sentinel}) instead of a data node. */
  private final boolean sentinel;

  private final ServerProcess process;
  private final CommandChannel channel;

  private volatile int port;
  private volatile boolean faultInjected;
  private volatile boolean closed;

  private RedisNode(
      RedisBinary binary, List<String> extraConfig, boolean clusterBus, boolean sentinel) {
    this.dir = Processes.createNodeDirectory();
    this.extraConfig = List.copyOf(extraConfig);
    this.clusterBus = clusterBus;
    this.sentinel = sentinel;
    this.process = new ServerProcess(binary, dir, sentinel, this);
    this.channel = new CommandChannel(this);
  }

  /**
   * Starts a standalone node on a free loopback port and waits until it answers {@code PING}.
   *
   * @return the running node
   * @throws IllegalStateException if the server does not come up within 10 s (the message has its
   *     log tail)
   */
  public static RedisNode start() {
    return start(RedisBinary.get(), List.of(), false);
  }

  /**
   * Starts a node with a given binary (tests of the embedded fallback use this) and extra {@code
   * redis.conf} lines; {@code clusterBus} also reserves port + 10000.
   */
  static RedisNode start(RedisBinary binary, List<String> extraConfig, boolean clusterBus) {
    RedisNode node = new RedisNode(binary, extraConfig, clusterBus, false);
    try {
      node.startOnFreePort();
      return node;
    } catch (RuntimeException | Error e) {
      node.close();
      throw e;
    }
  }

  /**
   * Starts a Sentinel ({@code redis-server sentinel.conf --sentinel}) on a port reserved with
   * {@link Ports#reserve}, with the given {@code sentinel ...} config lines. There is a single
   * attempt: if the port was taken meanwhile, {@link PortTakenException} is thrown (and the port
   * released), since the caller wrote it into the other Sentinels' configs.
   */
  static RedisNode startSentinel(
      RedisBinary binary, int reservedPort, List<String> sentinelConfig) {
    RedisNode node = new RedisNode(binary, sentinelConfig, false, true);
    node.port = reservedPort;
    try {
      node.writeConfig();
      node.process.launch(node.port);
      return node;
    } catch (RuntimeException | Error e) {
      node.close();
      throw e;
    }
  }

  /**
   * Returns the host the node listens on, always {@code 127.0.0.1}.
   *
   * @return the host address
   */
  public String host() {
    return HOST;
  }

  /**
   * Returns the TCP port the node listens on (stays the same across {@link #restart()}).
   *
   * @return the port
   */
  public int port() {
    return port;
  }

  /**
   * Returns the connection URI of the node, {@code redis://127.0.0.1:PORT}.
   *
   * @return the URI, usable with Lettuce's {@code RedisURI.create}
   */
  public String uri() {
    return "redis://" + HOST + ":" + port;
  }

  /**
   * Returns whether this process is a Redis Sentinel (one of {@link RedisSentinel#sentinels()})
   * rather than a data node.
   *
   * @return true for a Sentinel
   */
  public boolean isSentinel() {
    return sentinel;
  }

  /**
   * Returns the pid of the current redis-server process.
   *
   * @return the pid
   * @throws IllegalStateException if the node has no process (closed)
   */
  public long pid() {
    Process p = process.current();
    if (p == null) {
      throw new IllegalStateException(this + " has no process");
    }
    return p.pid();
  }

  /**
   * Returns the node's working directory (config, log, {@code nodes.conf} for cluster nodes).
   *
   * @return the directory, deleted by {@link #close()}
   */
  public Path directory() {
    return dir;
  }

  /**
   * Returns whether the process is alive; a paused (SIGSTOPped) node counts as running.
   *
   * @return true if the process exists
   */
  public boolean isRunning() {
    return process.isRunning();
  }

  /**
   * Returns whether the node is currently paused by {@link #pause()}.
   *
   * @return true between {@code pause()} and {@code resume()}/{@code kill()}/{@code restart()}
   */
  public boolean isPaused() {
    return process.isPaused();
  }

  /**
   * Kills the process with SIGKILL (no shutdown, no save) and waits until it has exited. Does
   * nothing if the node is not running. Works on a paused node too.
   */
  public synchronized void kill() {
    faultInjected = true;
    killProcess();
  }

  /**
   * Freezes the process with SIGSTOP: its port still accepts TCP connections (the kernel completes
   * the handshake) but nothing is answered until {@link #resume()}, like a stalled or partitioned
   * server.
   *
   * @throws IllegalStateException if the node is not running
   */
  public synchronized void pause() {
    requireRunning("pause");
    faultInjected = true;
    process.pause();
  }

  /**
   * Continues a paused process with SIGCONT. Does nothing if the node is not paused.
   *
   * @throws IllegalStateException if the node is not running
   */
  public synchronized void resume() {
    requireRunning("resume");
    process.resume();
  }

  /**
   * Restarts the node on the same port and directory: kills the process if it is running (or
   * paused), starts a new one from the node's {@code redis.conf} and waits until it answers {@code
   * PING}. Data is not persisted, so the node comes back empty; cluster nodes keep their identity
   * and slots through {@code nodes.conf}. Runtime {@code CONFIG SET} changes are lost unless they
   * were saved with {@code CONFIG REWRITE}. A Sentinel restarts from the {@code sentinel.conf} it
   * keeps rewriting (its id, its peers, the current primary).
   *
   * @throws IllegalStateException if the node was closed or does not come back (e.g. its port was
   *     taken)
   */
  public synchronized void restart() {
    if (closed) {
      throw new IllegalStateException(this + " is closed");
    }
    faultInjected = true;
    killProcess();
    try {
      process.launch(port);
    } catch (PortTakenException e) {
      throw new IllegalStateException(
          "cannot restart " + this + ": port " + port + " was taken meanwhile\n" + diagnostics(),
          e);
    }
  }

  /**
   * Sends one command with a 5 s timeout and returns the reply.
   *
   * <p>Commands of a node share one connection (opened on demand, replaced after any failure or
   * timeout, and by {@link RedisExtension} between tests), so per-connection semantics such as
   * {@code WAIT} after a write, {@code READONLY} or {@code SELECT} work across calls. Calls are
   * serialized.
   *
   * @param args the command and its arguments, e.g. {@code "SET", "k", "v"}
   * @return the reply: {@link String} for simple and bulk strings, {@link Long} for integers,
   *     {@link List} for arrays, {@code null} for nil
   * @throws RedisReplyException if the server answers with an error
   * @throws UncheckedIOException on connection failure or timeout (cause {@link
   *     SocketTimeoutException})
   */
  public Object command(String... args) {
    return command(DEFAULT_COMMAND_TIMEOUT, args);
  }

  /**
   * Sends one command and returns the reply, failing after {@code timeout} (see {@link
   * #command(String...)}).
   *
   * @param timeout the overall deadline for connect, send and reply
   * @param args the command and its arguments
   * @return the reply, mapped as described in {@link #command(String...)}
   * @throws RedisReplyException if the server answers with an error
   * @throws UncheckedIOException on connection failure or timeout (cause {@link
   *     SocketTimeoutException})
   */
  public Object command(Duration timeout, String... args) {
    return channel.call(port, timeout, args);
  }

  /** Closes the node's command connection; the next command opens a new one. */
  void dropConnection() {
    channel.drop();
  }

  /**
   * Runs {@code INFO section} and returns its fields, e.g. {@code info("replication").get("role")}.
   *
   * @param section the INFO section, e.g. {@code "replication"}, {@code "commandstats"}, {@code
   *     "server"}
   * @return field name to value, in server order
   */
  public Map<String, String> info(String section) {
    return parseInfo((String) command("INFO", section));
  }

  /** Kills the process (if running) and deletes the node's directory. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    killProcess();
    Ports.release(port);
    Processes.deleteNodeDirectory(dir);
  }

  /**
   * Returns a short description: URI, pid and state.
   *
   * @return e.g. {@code RedisNode[redis://127.0.0.1:40321, pid 1234, running]}; Sentinels say
   *     {@code RedisNode[sentinel redis://...]}
   */
  @Override
  public String toString() {
    Process p = process.current();
    String state =
        closed ? "closed" : !isRunning() ? "stopped" : process.isPaused() ? "paused" : "running";
    return "RedisNode["
        + (sentinel ? "sentinel " : "")
        + uri()
        + (p == null ? "" : ", pid " + p.pid())
        + ", "
        + state
        + "]";
  }

  boolean faultInjected() {
    return faultInjected || closed;
  }

  /** The node, its directory and the tails of its logs, for failure messages. */
  String diagnostics() {
    return process.diagnostics();
  }

  static Map<String, String> parseInfo(String info) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : info.split("\r?\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      if (colon > 0) {
        fields.put(line.substring(0, colon), line.substring(colon + 1));
      }
    }
    return Collections.unmodifiableMap(fields);
  }

  private void requireRunning(String action) {
    if (!isRunning()) {
      throw new IllegalStateException("cannot " + action + " " + this + ": not running");
    }
  }

  private void startOnFreePort() {
    PortTakenException last = null;
    for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
      port = Ports.reserve(clusterBus);
      writeConfig();
      try {
        process.launch(port);
        return;
      } catch (PortTakenException e) {
        last = e;
        Ports.release(port);
        LOG.debug(
            "port {} was taken before redis-server could bind it, retrying ({}/{})",
            port,
            attempt,
            PORT_ATTEMPTS);
      }
    }
    throw new IllegalStateException(
        "could not start redis-server: "
            + PORT_ATTEMPTS
            + " free ports in a row were taken before it could bind them",
        last);
  }

  private void writeConfig() {
    NodeConfig.write(process.configFile(), port, dir, process.logFile(), sentinel, extraConfig);
  }

  private void killProcess() {
    dropConnection();
    process.kill();
  }
}

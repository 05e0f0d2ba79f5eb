package dev.sluice.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * <p>{@link #command(String...)} sends a command over a fresh connection with a timeout, for test
 * assertions and setup; it is not meant to be the client under test.
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

  static final int DEVELOPER_PORT = 6379;

  /** The default Sentinel port, never used either. */
  static final int DEVELOPER_SENTINEL_PORT = 26379;

  static final int CLUSTER_BUS_OFFSET = 10000;

  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration START_INTERVAL = Duration.ofMillis(10);
  private static final Duration PING_TIMEOUT = Duration.ofMillis(250);
  private static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(5);
  private static final int PORT_ATTEMPTS = 5;

  /**
   * Ports handed out to nodes of this JVM that are still open, so two nodes never race for the same
   * one.
   */
  private static final Set<Integer> PORTS_IN_USE = ConcurrentHashMap.newKeySet();

  private final RedisBinary binary;
  private final Path dir;
  private final Path configFile;
  private final Path logFile;
  private final Path outputFile;
  private final List<String> extraConfig;
  private final boolean clusterBus;

  /** Runs as a Sentinel ({@code redis-server sentinel.conf --sentinel}) instead of a data node. */
  private final boolean sentinel;

  private volatile int port;
  private volatile Process process;
  private volatile boolean paused;
  private volatile boolean faultInjected;
  private volatile boolean closed;

  /**
   * Connection used by {@link #command}; guarded by {@link #connectionLock}, closed by lifecycle
   * changes.
   */
  private volatile Resp.Connection connection;

  private final Object connectionLock = new Object();

  private RedisNode(
      RedisBinary binary, List<String> extraConfig, boolean clusterBus, boolean sentinel) {
    this.binary = binary;
    this.dir = Processes.createNodeDirectory();
    this.configFile = dir.resolve(sentinel ? "sentinel.conf" : "redis.conf");
    this.logFile = dir.resolve(sentinel ? "sentinel.log" : "redis.log");
    this.outputFile = dir.resolve("stdout.log");
    this.extraConfig = List.copyOf(extraConfig);
    this.clusterBus = clusterBus;
    this.sentinel = sentinel;
  }

  /**
   * Starts a standalone node on a free loopback port and waits until it answers {@code PING}.
   *
   * @return the running node
   * @throws IllegalStateException if the server does not come up within 10 s (the message has its
   *     log tail)
   */
  public static RedisNode start() {
    return start(List.of(), false);
  }

  /**
   * Starts a node with extra {@code redis.conf} lines; {@code clusterBus} also reserves port +
   * 10000.
   */
  static RedisNode start(List<String> extraConfig, boolean clusterBus) {
    return start(RedisBinary.get(), extraConfig, clusterBus);
  }

  /** Starts a node with a given binary (tests of the embedded fallback use this). */
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
   * {@link #reservePort()}, with the given {@code sentinel ...} config lines. There is a single
   * attempt: if the port was taken meanwhile, {@link PortTakenException} is thrown (and the port
   * released), since the caller wrote it into the other Sentinels' configs.
   */
  static RedisNode startSentinel(
      RedisBinary binary, int reservedPort, List<String> sentinelConfig) {
    RedisNode node = new RedisNode(binary, sentinelConfig, false, true);
    node.port = reservedPort;
    try {
      node.writeConfig();
      node.launch();
      return node;
    } catch (RuntimeException | Error e) {
      node.close();
      throw e;
    }
  }

  /**
   * Reserves a free loopback port (never 6379 or 26379) for {@link #startSentinel}; release unused
   * ones.
   */
  static int reservePort() {
    return freePort(false);
  }

  /** Releases a port reserved with {@link #reservePort()} that no node was started on. */
  static void releasePort(int port) {
    PORTS_IN_USE.remove(port);
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
    Process p = process;
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
    Process p = process;
    return p != null && p.isAlive();
  }

  /**
   * Returns whether the node is currently paused by {@link #pause()}.
   *
   * @return true between {@code pause()} and {@code resume()}/{@code kill()}/{@code restart()}
   */
  public boolean isPaused() {
    return paused && isRunning();
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
    long pid = process.pid();
    Processes.signal(pid, "STOP");
    paused = true;
    // Linux: make sure the stop has been delivered before returning.
    if (Processes.procState(pid).isPresent()) {
      Poll.until(
          Duration.ofSeconds(2),
          "pid " + pid + " to stop",
          () -> Processes.procState(pid).map(s -> s == 'T' || s == 't').orElse(true));
    }
  }

  /**
   * Continues a paused process with SIGCONT. Does nothing if the node is not paused.
   *
   * @throws IllegalStateException if the node is not running
   */
  public synchronized void resume() {
    requireRunning("resume");
    if (!paused) {
      return;
    }
    Processes.signal(process.pid(), "CONT");
    paused = false;
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
      launch();
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
   *     java.net.SocketTimeoutException})
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
   *     java.net.SocketTimeoutException})
   */
  public Object command(Duration timeout, String... args) {
    synchronized (connectionLock) {
      Resp.Connection used = connection;
      try {
        return exchange(timeout, args);
      } catch (IOException e) {
        Resp.Connection failed = connection;
        dropConnection();
        boolean staleIdleConnection =
            used != null
                && failed == used
                && !used.replyStarted()
                && !(e instanceof SocketTimeoutException);
        if (staleIdleConnection) {
          // The server closed our idle connection (e.g. it dropped clients): retry once on a new
          // one.
          try {
            return exchange(timeout, args);
          } catch (IOException retryFailure) {
            dropConnection();
            throw commandFailed(args, retryFailure);
          }
        }
        throw commandFailed(args, e);
      } catch (RuntimeException e) {
        if (!(e instanceof RedisReplyException)) {
          dropConnection();
        }
        throw e;
      }
    }
  }

  private Object exchange(Duration timeout, String... args) throws IOException {
    Resp.Connection c = connection;
    if (c == null) {
      c = Resp.Connection.open(HOST, port, timeout);
      connection = c;
    }
    return c.call(timeout, args);
  }

  private UncheckedIOException commandFailed(String[] args, IOException e) {
    return new UncheckedIOException(
        String.join(" ", args) + " on " + this + " failed: " + e.getMessage(), e);
  }

  /** Closes the node's command connection; the next command opens a new one. */
  void dropConnection() {
    Resp.Connection c = connection;
    connection = null;
    if (c != null) {
      c.close();
    }
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

  /**
   * Closes every node, even when some fail; the first failure is thrown with the others suppressed.
   */
  static void closeAll(Iterable<RedisNode> nodes) {
    RuntimeException failure = null;
    for (RedisNode node : nodes) {
      try {
        node.close();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Kills the process (if running) and deletes the node's directory. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    killProcess();
    PORTS_IN_USE.remove(port);
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
    Process p = process;
    String state = closed ? "closed" : !isRunning() ? "stopped" : paused ? "paused" : "running";
    return "RedisNode["
        + (sentinel ? "sentinel " : "")
        + uri()
        + (p == null ? "" : ", pid " + p.pid())
        + ", "
        + state
        + "]";
  }

  // ------------------------------------------------------------------------------------------------ internals

  boolean faultInjected() {
    return faultInjected || closed;
  }

  String diagnostics() {
    StringBuilder sb = new StringBuilder();
    sb.append("--- ").append(this).append(", dir ").append(dir).append('\n');
    sb.append("--- tail of ").append(logFile.getFileName()).append(":\n").append(tail(logFile, 30));
    String out = tail(outputFile, 10);
    if (!out.isBlank()) {
      sb.append("--- tail of ").append(outputFile.getFileName()).append(":\n").append(out);
    }
    return sb.toString();
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
      port = freePort(clusterBus);
      writeConfig();
      try {
        launch();
        return;
      } catch (PortTakenException e) {
        last = e;
        PORTS_IN_USE.remove(port);
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
    List<String> lines = new ArrayList<>();
    lines.add("# generated by sluice-testkit");
    lines.add("port " + port);
    lines.add("bind " + HOST);
    lines.add("protected-mode no");
    lines.add("daemonize no");
    if (sentinel) {
      // Sentinel rewrites this file itself (myid, known replicas and Sentinels, current primary); a
      // restart
      // starts from the rewritten file.
      lines.add("dir " + quote(dir.toString()));
      lines.add("logfile " + quote(logFile.toString()));
      lines.add("loglevel notice");
      lines.addAll(extraConfig);
      writeLines(lines);
      return;
    }
    lines.add("save \"\"");
    lines.add("appendonly no");
    lines.add("dir " + quote(dir.toString()));
    lines.add("logfile " + quote(logFile.toString()));
    lines.add("loglevel notice");
    // Full resyncs of replicas start at once (Redis 7 waits 5 s by default for more replicas to
    // show up).
    lines.add("repl-diskless-sync yes");
    lines.add("repl-diskless-sync-delay 0");
    lines.addAll(extraConfig);
    writeLines(lines);
  }

  private void writeLines(List<String> lines) {
    try {
      Files.write(configFile, lines, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + configFile, e);
    }
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /**
   * Starts the process from the config file and waits for PING; throws PortTakenException if bind
   * failed.
   */
  private void launch() {
    long logOffset = size(logFile);
    long outOffset = size(outputFile);
    Process p;
    try {
      List<String> command =
          new ArrayList<>(List.of(binary.path().toString(), configFile.toString()));
      if (sentinel) {
        // selects Sentinel mode whatever the executable is called (Debian's redis-server is a
        // symlink)
        command.add("--sentinel");
      }
      p =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(outputFile.toFile()))
              .redirectInput(ProcessBuilder.Redirect.PIPE)
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + binary.path(), e);
    }
    Processes.register(p);
    process = p;
    paused = false;
    Processes.writeOwner(dir, p.pid(), port);
    long started = System.nanoTime();
    AtomicBoolean exited = new AtomicBoolean();
    boolean up =
        Poll.within(
            START_TIMEOUT,
            START_INTERVAL,
            () -> {
              if (!p.isAlive()) {
                exited.set(true);
                return true;
              }
              // throws (not up yet) while the connection is refused or the server is LOADING
              return "PONG".equals(Resp.call(HOST, port, PING_TIMEOUT, "PING"));
            });
    if (exited.get()) {
      Processes.unregister(p);
      String fresh = readFrom(logFile, logOffset) + readFrom(outputFile, outOffset);
      if (fresh.contains("Address already in use")) {
        throw new PortTakenException(port);
      }
      throw new IllegalStateException(
          "redis-server exited with code "
              + p.exitValue()
              + " during startup on port "
              + port
              + "\n"
              + diagnostics());
    }
    if (!up) {
      String diag = diagnostics();
      Processes.destroyForcibly(p, 5_000);
      Processes.unregister(p);
      throw new IllegalStateException(
          "redis-server on port "
              + port
              + " did not answer PING within "
              + START_TIMEOUT.toSeconds()
              + " s\n"
              + diag);
    }
    long millis = (System.nanoTime() - started) / 1_000_000;
    if (millis > 2_000) {
      LOG.warn("{} took {} ms to answer PING (is the machine overloaded?)", this, millis);
    } else {
      LOG.debug("started {} in {} ms", this, millis);
    }
  }

  private void killProcess() {
    dropConnection();
    Process p = process;
    if (p == null) {
      return;
    }
    if (p.isAlive()) {
      Processes.destroyForcibly(p, 10_000);
      if (p.isAlive()) {
        throw new IllegalStateException(
            "redis-server pid " + p.pid() + " did not die after SIGKILL");
      }
    }
    try {
      p.waitFor(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Processes.unregister(p);
    paused = false;
  }

  /**
   * Picks a free loopback port (never 6379 or 26379); for cluster nodes port + 10000 must be free
   * as well.
   */
  private static int freePort(boolean clusterBus) {
    for (int i = 0; i < 100; i++) {
      int candidate;
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(false);
        s.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
        candidate = s.getLocalPort();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot find a free port on " + HOST, e);
      }
      if (candidate == DEVELOPER_PORT
          || candidate == DEVELOPER_PORT + CLUSTER_BUS_OFFSET
          || candidate == DEVELOPER_SENTINEL_PORT) {
        continue;
      }
      if (clusterBus
          && (candidate + CLUSTER_BUS_OFFSET > 65535
              || !bindable(candidate + CLUSTER_BUS_OFFSET))) {
        continue;
      }
      if (PORTS_IN_USE.add(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("cannot find a free port on " + HOST);
  }

  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static long size(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private static String readFrom(Path file, long offset) {
    try {
      if (!Files.exists(file)) {
        return "";
      }
      byte[] all = Files.readAllBytes(file);
      int from = (int) Math.min(offset, all.length);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static String tail(Path file, int lines) {
    try {
      if (!Files.exists(file)) {
        return "(no " + file.getFileName() + ")\n";
      }
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      StringBuilder sb = new StringBuilder();
      for (String line : all.subList(Math.max(0, all.size() - lines), all.size())) {
        sb.append("    ").append(line).append('\n');
      }
      return sb.toString();
    } catch (IOException | RuntimeException e) {
      return "(cannot read " + file + ": " + e + ")\n";
    }
  }

  /** redis-server could not bind its port because someone else took it first. */
  static final class PortTakenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PortTakenException(int port) {
      super("port " + port + " already in use");
    }
  }
}

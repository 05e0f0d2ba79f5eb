package dev.sluice.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * The connection behind {@link RedisNode#command(Duration, String...)}: one {@link Resp.Connection}
 * shared by the node's commands, one command at a time.
 *
 * <p>Design: opened on demand and closed after any failure or timeout (a timed-out reply may still
 * arrive, so the connection cannot be reused), and by the node's lifecycle changes. A connection
 * that the server closed while it was idle (it dropped its clients) fails the next command before
 * any reply byte arrives: that command is sent once more on a fresh connection (the server most
 * likely never read it). Any other failure is thrown as it is; in particular a command is never
 * sent again after a timeout.
 */
final class CommandChannel {

  /** Named in failure messages (its {@code toString}). */
  private final Object owner;

  /** Guarded by {@code this} when used; {@link #drop()} may close it from any thread. */
  private volatile Resp.Connection connection;

  CommandChannel(Object owner) {
    this.owner = owner;
  }

  /**
   * Sends one command to {@code 127.0.0.1:port} and returns the reply, all within {@code timeout}.
   *
   * @throws RedisReplyException if the server answers with an error (the connection is kept)
   * @throws UncheckedIOException on connection failure or timeout (cause {@link
   *     SocketTimeoutException})
   */
  synchronized Object call(int port, Duration timeout, String... args) {
    Resp.Connection used = connection;
    try {
      return exchange(port, timeout, args);
    } catch (IOException e) {
      Resp.Connection failed = connection;
      drop();
      boolean staleIdleConnection =
          used != null
              && failed == used
              && !used.replyStarted()
              && !(e instanceof SocketTimeoutException);
      if (staleIdleConnection) {
        // The server closed our idle connection (e.g. it dropped clients): retry once on a new
        // one.
        try {
          return exchange(port, timeout, args);
        } catch (IOException retryFailure) {
          drop();
          throw failed(args, retryFailure);
        }
      }
      throw failed(args, e);
    } catch (RuntimeException e) {
      if (!(e instanceof RedisReplyException)) {
        drop();
      }
      throw e;
    }
  }

  /** Closes the connection; the next command opens a new one. */
  void drop() {
    Resp.Connection c = connection;
    connection = null;
    if (c != null) {
      c.close();
    }
  }

  private Object exchange(int port, Duration timeout, String... args) throws IOException {
    Resp.Connection c = connection;
    if (c == null) {
      c = Resp.Connection.open(RedisNode.HOST, port, timeout);
      connection = c;
    }
    return c.call(timeout, args);
  }

  private UncheckedIOException failed(String[] args, IOException e) {
    return new UncheckedIOException(
        String.join(" ", args) + " on " + owner + " failed: " + e.getMessage(), e);
  }
}

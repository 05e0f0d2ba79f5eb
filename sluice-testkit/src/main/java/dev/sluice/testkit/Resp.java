package dev.sluice.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal, synchronous RESP2 client: one command at a time per connection, each with a hard
 * deadline.
 *
 * <p>Replies are mapped to Java values: simple and bulk strings to {@link String}, integers to
 * {@link Long}, arrays to {@link List}, nil to {@code null}. A top-level error reply is thrown as
 * {@link RedisReplyException}; an error nested in an array (e.g. in an {@code EXEC} result) is
 * returned as a {@link RedisReplyException} element.
 */
final class Resp {

  private Resp() {}

  /**
   * Sends one command over a fresh connection and returns its decoded reply, failing after {@code
   * timeout}.
   */
  static Object call(String host, int port, Duration timeout, String... args) throws IOException {
    try (Connection connection = Connection.open(host, port, timeout)) {
      return connection.call(timeout, args);
    }
  }

  static byte[] encode(String... args) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    writeAscii(buf, "*" + args.length + "\r\n");
    for (String arg : args) {
      byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
      writeAscii(buf, "$" + bytes.length + "\r\n");
      buf.write(bytes, 0, bytes.length);
      writeAscii(buf, "\r\n");
    }
    return buf.toByteArray();
  }

  private static void writeAscii(ByteArrayOutputStream buf, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    buf.write(b, 0, b.length);
  }

  private static int remainingMillis(long deadline) throws SocketTimeoutException {
    long remaining = (deadline - System.nanoTime()) / 1_000_000L;
    if (remaining <= 0) {
      throw new SocketTimeoutException("Redis command timed out");
    }
    return (int) Math.min(Integer.MAX_VALUE, remaining);
  }

  /**
   * One connection to a server, used for one command at a time. After any {@link IOException}
   * (including a timeout, which leaves a reply in flight) the connection must be closed and not
   * reused.
   */
  static final class Connection implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final byte[] buf = new byte[8192];
    private int pos;
    private int limit;
    private long deadline;
    private boolean replyStarted;

    private Connection(Socket socket) throws IOException {
      this.socket = socket;
      this.out = socket.getOutputStream();
      this.in = socket.getInputStream();
    }

    /** Connects within {@code timeout}. */
    static Connection open(String host, int port, Duration timeout) throws IOException {
      Socket socket = new Socket();
      try {
        socket.setTcpNoDelay(true);
        socket.connect(
            new InetSocketAddress(host, port),
            remainingMillis(System.nanoTime() + timeout.toNanos()));
        return new Connection(socket);
      } catch (IOException | RuntimeException e) {
        socket.close();
        throw e;
      }
    }

    /** Sends a command and reads its reply, all within {@code timeout}. */
    Object call(Duration timeout, String... args) throws IOException {
      if (args.length == 0) {
        throw new IllegalArgumentException("no command given");
      }
      deadline = System.nanoTime() + timeout.toNanos();
      replyStarted = false;
      out.write(encode(args));
      out.flush();
      Object reply = readReply();
      if (reply instanceof RedisReplyException e) {
        throw new RedisReplyException(e.getMessage());
      }
      return reply;
    }

    /**
     * Whether any byte of the last reply was received (if not, the server may not have run the
     * command).
     */
    boolean replyStarted() {
      return replyStarted;
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // nothing to do
      }
    }

    private int read() throws IOException {
      if (pos == limit) {
        socket.setSoTimeout(remainingMillis(deadline));
        int n;
        try {
          n = in.read(buf);
        } catch (SocketTimeoutException e) {
          throw new SocketTimeoutException("Redis command timed out (no reply)");
        }
        if (n < 0) {
          throw new IOException("connection closed by Redis before the reply was complete");
        }
        pos = 0;
        limit = n;
      }
      replyStarted = true;
      return buf[pos++] & 0xff;
    }

    private String readLine() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      while (true) {
        int b = read();
        if (b == '\r') {
          int next = read();
          if (next != '\n') {
            throw new IOException("malformed RESP line ending");
          }
          return line.toString(StandardCharsets.UTF_8);
        }
        line.write(b);
      }
    }

    Object readReply() throws IOException {
      int type = read();
      String line = readLine();
      switch (type) {
        case '+' -> {
          return line;
        }
        case '-' -> {
          return new RedisReplyException(line);
        }
        case ':' -> {
          return Long.parseLong(line);
        }
        case '$' -> {
          int len = Integer.parseInt(line);
          if (len < 0) {
            return null;
          }
          byte[] data = new byte[len];
          for (int i = 0; i < len; i++) {
            data[i] = (byte) read();
          }
          if (read() != '\r' || read() != '\n') {
            throw new IOException("malformed RESP bulk string");
          }
          return new String(data, StandardCharsets.UTF_8);
        }
        case '*' -> {
          int count = Integer.parseInt(line);
          if (count < 0) {
            return null;
          }
          List<Object> items = new ArrayList<>(count);
          for (int i = 0; i < count; i++) {
            items.add(readReply());
          }
          return items;
        }
        default -> throw new IOException("unexpected RESP type byte '" + (char) type + "'");
      }
    }
  }
}

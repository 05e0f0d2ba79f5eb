package dev.sluice.bench.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A short {@code MONITOR} of a contender's traffic, used to tell apart the calls that the client
 * sent from those that a script made ({@code [0 lua]} in MONITOR), and top-level calls from the
 * ones queued inside {@code MULTI}/{@code EXEC} (MONITOR prints those just before their EXEC). It
 * is taken in a separate short pass after the measurement, as MONITOR slows Redis down.
 */
public final class MonitorSample {

  private final Map<String, long[]> counts = new HashMap<>();

  /**
   * Records one MONITOR line.
   *
   * @param line e.g. {@code 1700000000.000001 [0 127.0.0.1:5555] "EVALSHA" "..."}
   * @param inMulti the clients now between MULTI and EXEC (updated)
   */
  void record(String line, Set<String> inMulti) {
    int open = line.indexOf('[');
    int close = line.indexOf(']', open);
    int quote = line.indexOf('"', close);
    if (open < 0 || close < 0 || quote < 0) {
      return;
    }
    String[] source = line.substring(open + 1, close).split(" ");
    String client = source.length > 1 ? source[1] : "";
    int end = line.indexOf('"', quote + 1);
    String name = line.substring(quote + 1, end < 0 ? line.length() : end).toLowerCase(Locale.ROOT);
    boolean script = client.equals("lua");
    boolean queued =
        !script && inMulti.contains(client) && !name.equals("exec") && !name.equals("discard");
    if (name.equals("multi")) {
      inMulti.add(client);
    } else if (name.equals("exec") || name.equals("discard")) {
      inMulti.remove(client);
    }
    long[] c = counts.computeIfAbsent(name, n -> new long[3]);
    c[0]++;
    if (!script) {
      c[1]++;
    }
    if (!script && !queued) {
      c[2]++;
    }
  }

  /**
   * The share of a command's calls that the client sent (not a script); 1 for a command not seen.
   *
   * @param name the command
   * @return from 0 to 1
   */
  public double sentShare(String name) {
    long[] c = counts.get(name);
    return c == null ? 1 : (double) c[1] / c[0];
  }

  /**
   * The share of a command's calls that ran at top level (neither in a script nor in EXEC); 1 for a
   * command not seen.
   *
   * @param name the command
   * @return from 0 to 1
   */
  public double topShare(String name) {
    long[] c = counts.get(name);
    return c == null ? 1 : (double) c[2] / c[0];
  }

  /**
   * The lines recorded, for a sanity check.
   *
   * @return the number of MONITOR lines
   */
  public long lines() {
    return counts.values().stream().mapToLong(c -> c[0]).sum();
  }

  /** A MONITOR connection that records until closed. */
  public static final class Recorder implements AutoCloseable {
    private final Socket socket;
    private final MonitorSample sample = new MonitorSample();
    private final Thread reader;
    private volatile boolean closed;

    /**
     * Connects and starts MONITOR.
     *
     * @param host the host
     * @param port the port
     */
    public Recorder(String host, int port) {
      try {
        socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 2_000);
        socket.setSoTimeout(200);
        OutputStream out = socket.getOutputStream();
        out.write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8), 1 << 16);
        String ok = readLine(in);
        if (!"+OK".equals(ok)) {
          throw new IllegalStateException("MONITOR answered " + ok);
        }
        reader =
            new Thread(
                () -> {
                  Set<String> inMulti = new HashSet<>();
                  while (!closed) {
                    String line = readLine(in);
                    if (line != null) {
                      synchronized (sample) {
                        sample.record(line, inMulti);
                      }
                    }
                  }
                },
                "monitor");
        reader.setDaemon(true);
        reader.start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private String readLine(BufferedReader in) {
      while (true) {
        try {
          return in.readLine();
        } catch (SocketTimeoutException e) {
          if (closed) {
            return null;
          }
        } catch (IOException e) {
          if (closed) {
            return null;
          }
          throw new UncheckedIOException(e);
        }
      }
    }

    /**
     * Stops and returns what was recorded.
     *
     * @return the sample
     */
    public MonitorSample stop() {
      // MONITOR lines trail the replies a little: wait until none came for 100 ms.
      long seen = -1;
      for (int i = 0; i < 100; i++) {
        long now;
        synchronized (sample) {
          now = sample.lines();
        }
        if (now == seen) {
          break;
        }
        seen = now;
        ClosedLoop.sleepQuietly(100);
      }
      close();
      synchronized (sample) {
        return sample;
      }
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      try {
        reader.join(2_000);
        socket.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}

package dev.sluice.redis;

import dev.sluice.Algorithm;
import dev.sluice.Limit;
import dev.sluice.internal.algorithm.State;
import io.lettuce.core.ScoredValue;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one Java owner of what a limit's state looks like in Redis; the scripts ({@code acquire.lua},
 * {@code token_bucket.lua}, {@code lease.lua}) read and write the same, and the differential tests
 * prove both agree.
 *
 * <p>Every limit but the sliding log is one string, a tag and integers separated by single spaces:
 *
 * <pre>
 * token bucket    T &lt;used&gt; &lt;last&gt; &lt;unit&gt;     used: units taken and not yet refilled
 * leaky bucket    L &lt;used&gt; &lt;last&gt; &lt;unit&gt;     used: the water level in units
 * fixed window    F &lt;count&gt; &lt;start&gt; &lt;window&gt;
 * sliding window  S &lt;previous&gt; &lt;current&gt; &lt;start&gt; &lt;window&gt;
 * </pre>
 *
 * <p>A sliding log is a sorted set of admission times (member and score: the time in microseconds)
 * and a hash of member to cost, with the fields {@code sum} (the total) and {@code w} (the window
 * in microseconds). A value that is not one of these (another program's key, an older layout) reads
 * as a fresh key's.
 */
final class StateCodec {

  /** The hash field holding the total cost of a sliding log. */
  static final String LOG_SUM = "sum";

  /** The hash field holding the window of a sliding log. */
  static final String LOG_WINDOW = "w";

  private StateCodec() {}

  /**
   * The script's code of an algorithm: the {@code kind} argument of {@code acquire.lua}.
   *
   * @param algorithm the algorithm
   * @return 1 to 6
   */
  static int scriptKind(Algorithm algorithm) {
    return switch (algorithm) {
      case TOKEN_BUCKET -> 1;
      case LEAKY_BUCKET -> 2;
      case FIXED_WINDOW -> 3;
      case SLIDING_WINDOW -> 4;
      case SLIDING_LOG -> 5;
      case CONCURRENCY -> 6;
    };
  }

  /**
   * The string of a bucket or window state.
   *
   * @param state a state that is not a log
   * @return the value to store
   */
  static String encode(State state) {
    if (state instanceof State.Bucket b) {
      return (b.leaky() ? "L " : "T ") + b.used() + " " + b.last() + " " + b.unit();
    } else if (state instanceof State.Window w) {
      return "F " + w.count() + " " + w.start() + " " + w.window();
    } else if (state instanceof State.Sliding s) {
      return "S " + s.previous() + " " + s.current() + " " + s.start() + " " + s.window();
    }
    throw new IllegalArgumentException("state must not be a log: " + state);
  }

  /**
   * The state a stored string holds for a limit of {@code algorithm}.
   *
   * @param algorithm the algorithm of the limit reading it
   * @param value the stored value, or {@code null}
   * @return the state, or {@code null} for a fresh key (nothing stored, another kind, not a state)
   */
  static State decode(Algorithm algorithm, String value) {
    if (value == null || value.length() < 3 || value.charAt(1) != ' ') {
      return null;
    }
    long[] n = numbers(value);
    if (n == null) {
      return null;
    }
    char tag = value.charAt(0);
    return switch (algorithm) {
      case TOKEN_BUCKET -> tag == 'T' && n.length == 3 ? bucket(false, n) : null;
      case LEAKY_BUCKET -> tag == 'L' && n.length == 3 ? bucket(true, n) : null;
      case FIXED_WINDOW ->
          tag == 'F' && n.length == 3 && n[0] >= 0 && n[2] != 0
              ? new State.Window(n[0], n[1], n[2])
              : null;
      case SLIDING_WINDOW ->
          tag == 'S' && n.length == 4 && n[0] >= 0 && n[1] >= 0 && n[3] > 0
              ? new State.Sliding(n[0], n[1], n[2], n[3])
              : null;
      case SLIDING_LOG, CONCURRENCY -> null;
    };
  }

  /**
   * A concurrency limit's permits as stored: a sorted set of permit ids scored by the end of their
   * lease.
   *
   * @param permits the members with their scores
   * @return the permits, or {@code null} for none
   */
  static State decodePermits(List<ScoredValue<String>> permits) {
    if (permits.isEmpty()) {
      return null;
    }
    String[] ids = new String[permits.size()];
    long[] expiries = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = permits.get(i).getValue();
      expiries[i] = (long) permits.get(i).getScore();
    }
    return new State.Permits(ids, expiries);
  }

  /**
   * The hash of a sliding log: each time's cost, the sum and the window.
   *
   * @param log the log
   * @return field to value
   */
  static Map<String, String> logFields(State.Log log) {
    Map<String, String> fields = new HashMap<>();
    long sum = 0;
    for (int i = 0; i < log.times().length; i++) {
      fields.put(Long.toString(log.times()[i]), Long.toString(log.costs()[i]));
      sum += log.costs()[i];
    }
    fields.put(LOG_SUM, Long.toString(sum));
    fields.put(LOG_WINDOW, Long.toString(log.window()));
    return fields;
  }

  /**
   * A sliding log as stored, for a limit of {@code window} microseconds.
   *
   * @param window the window of the limit reading it
   * @param times the members of the sorted set, oldest first
   * @param costs the hash
   * @return the log, or {@code null} for a fresh key (nothing stored, another window)
   */
  static State decodeLog(long window, List<String> times, Map<String, String> costs) {
    String stored = costs.get(LOG_WINDOW);
    if (times.isEmpty() || stored == null || !stored.equals(Long.toString(window))) {
      return null;
    }
    long[] at = new long[times.size()];
    long[] cost = new long[times.size()];
    for (int i = 0; i < at.length; i++) {
      String member = times.get(i);
      String amount = costs.get(member);
      if (amount == null) {
        return null;
      }
      at[i] = Long.parseLong(member);
      cost[i] = Long.parseLong(amount);
    }
    return new State.Log(at, cost, window);
  }

  /**
   * The window of a limit in microseconds, as the scripts take it.
   *
   * @param limit a window limit
   * @return the window
   */
  static long windowMicros(Limit limit) {
    return limit.window().toNanos() / 1_000;
  }

  private static State.Bucket bucket(boolean leaky, long[] n) {
    return n[0] >= 0 && n[2] > 0 ? new State.Bucket(leaky, n[0], n[1], n[2]) : null;
  }

  /** The integers after the tag, or {@code null} if the rest is not {@code ( -?digits)+}. */
  private static long[] numbers(String value) {
    int count = 0;
    for (int i = 1; i < value.length(); i++) {
      if (value.charAt(i) == ' ') {
        count++;
      }
    }
    long[] numbers = new long[count];
    int at = 1;
    for (int i = 0; i < count; i++) {
      int start = at + 1;
      int end = value.indexOf(' ', start);
      if (end < 0) {
        end = value.length();
      }
      try {
        numbers[i] = Long.parseLong(value, start, end, 10);
      } catch (NumberFormatException e) {
        return null;
      }
      at = end;
    }
    return numbers;
  }
}

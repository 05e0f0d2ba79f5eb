package dev.sluice.internal.algorithm;

/**
 * The stored state of one key under one limit: immutable, replaced as a whole by each step.
 *
 * <p>A {@code null} state stands for a key never seen (or expired): a full bucket, an empty window.
 *
 * <p>Each state carries the scale it was counted in (a bucket's units per token, a window's
 * length), so that a model of a changed limit can take it over: a bucket keeps its debt in tokens
 * when its capacity or rate changes, a window keeps its count when its limit changes. A state of
 * another kind, or of another window length, is taken as a fresh key's (see {@link Model#step}).
 */
public sealed interface State
    permits State.Bucket, State.Window, State.Sliding, State.Log, State.Permits {

  /**
   * Token or leaky bucket state: what has been taken and not yet refilled (the token bucket's debt,
   * the leaky bucket's water level), in units of {@code 1/unit} token.
   *
   * @param leaky whether a leaky bucket wrote it (a token bucket's state is not a leaky bucket's,
   *     though the arithmetic is the same)
   * @param used the units taken and not yet refilled (drained), from 0 to a full bucket
   * @param last the time of the last update, in microseconds
   * @param unit the units per token this state counts in: the reduced period of the rate
   */
  record Bucket(boolean leaky, long used, long last, long unit) implements State {}

  /**
   * Fixed window state.
   *
   * @param count the cost admitted in the window that starts at {@code start}
   * @param start the start of the window, in microseconds
   * @param window the window's length in microseconds
   */
  record Window(long count, long start, long window) implements State {}

  /**
   * Sliding window counter state.
   *
   * @param previous the cost admitted in the window before {@code start}
   * @param current the cost admitted in the window that starts at {@code start}
   * @param start the start of the current window, in microseconds
   * @param window the window's length in microseconds
   */
  record Sliding(long previous, long current, long start, long window) implements State {}

  /**
   * Sliding log state: the admitted requests still inside the window, oldest first. The arrays are
   * never modified once the state is built (a class, not a record: arrays compare by identity).
   */
  final class Log implements State {
    private final long[] times;
    private final long[] costs;
    private final long window;

    /**
     * A log; it keeps the arrays given, which no one may modify afterwards.
     *
     * @param times the admission times in microseconds, ascending; one entry per distinct time
     * @param costs the total cost admitted at each time
     * @param window the window's length in microseconds
     */
    public Log(long[] times, long[] costs, long window) {
      this.times = times;
      this.costs = costs;
      this.window = window;
    }

    /**
     * The admission times, oldest first; not to be modified.
     *
     * @return the times in microseconds
     */
    public long[] times() {
      return times;
    }

    /**
     * The cost admitted at each time; not to be modified.
     *
     * @return the costs
     */
    public long[] costs() {
      return costs;
    }

    /**
     * The window's length.
     *
     * @return microseconds
     */
    public long window() {
      return window;
    }
  }

  /**
   * A concurrency limit's permits: their ids and when their leases end, in the order granted.
   * Entries whose lease has ended may still be stored; they count for nothing.
   */
  final class Permits implements State {
    private final String[] ids;
    private final long[] expiries;

    /**
     * A set of permits.
     *
     * @param ids the permits' ids
     * @param expiries when each one's lease ends, in microseconds
     */
    public Permits(String[] ids, long[] expiries) {
      this.ids = ids;
      this.expiries = expiries;
    }

    /**
     * The ids.
     *
     * @return the ids, not to be modified
     */
    public String[] ids() {
      return ids;
    }

    /**
     * When each lease ends.
     *
     * @return the times in microseconds, not to be modified
     */
    public long[] expiries() {
      return expiries;
    }
  }
}

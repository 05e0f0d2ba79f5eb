package dev.sluice.algorithm;

/**
 * The stored state of one key under one limit: immutable, replaced as a whole by each step.
 *
 * <p>A {@code null} state stands for a key never seen (or expired): a full bucket, an empty window.
 */
public sealed interface State permits State.Bucket, State.Window, State.Log {

  /**
   * Token or leaky bucket state, in units of 1/period of a token (see {@link Model}).
   *
   * @param level scaled tokens available (token bucket) or scaled water level (leaky bucket)
   * @param last the time of the last update, in microseconds
   */
  record Bucket(long level, long last) implements State {}

  /**
   * Fixed or sliding window state.
   *
   * @param previous the count of the window before {@code start} (sliding window only)
   * @param current the count of the window that starts at {@code start}
   * @param start the start of the current window, in microseconds
   */
  record Window(long previous, long current, long start) implements State {}

  /**
   * Sliding log state: the admitted requests still inside the window, oldest first. The arrays are
   * never modified once the state is built.
   *
   * @param times the admission times in microseconds, ascending; one entry per distinct time
   * @param costs the total cost admitted at each time
   */
  record Log(long[] times, long[] costs) implements State {}
}

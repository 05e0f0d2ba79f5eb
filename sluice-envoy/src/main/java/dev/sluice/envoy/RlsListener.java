package dev.sluice.envoy;

/**
 * Hears every descriptor {@link RlsService} decided under a rule, for metrics. Called on the thread
 * that completes the decision; must not block or throw.
 */
public interface RlsListener {

  /** A listener that does nothing. */
  RlsListener NONE = (match, hits, outcome) -> {};

  /**
   * One descriptor decided.
   *
   * @param match the rule and the names metrics give it
   * @param hits what the descriptor asked to add
   * @param outcome how it was answered
   */
  void onDescriptor(RlsMatch match, long hits, Outcome outcome);

  /**
   * How a descriptor was answered, in envoyproxy/ratelimit's terms.
   *
   * @param overLimit whether it was over the limit (its hits were not counted)
   * @param nearLimit whether, within the limit, more than 80% of it is used
   * @param shadow whether it was over the limit but answered OK by shadow mode
   */
  record Outcome(boolean overLimit, boolean nearLimit, boolean shadow) {}
}

package dev.sluice.testkit;

/**
 * Closing the nodes of a fixture together.
 *
 * <p>Design: a fixture of several nodes closes every one of them even when some fail, so that no
 * process is left running because another one could not be stopped; the first failure is the one
 * thrown, the others are attached to it as suppressed.
 */
final class Nodes {

  private Nodes() {}

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

  /**
   * Closes the nodes started so far after {@code failure} (a start that went wrong), attaching
   * their own failures to it; null nodes are skipped.
   */
  static void closeAfter(Throwable failure, Iterable<RedisNode> nodes) {
    for (RedisNode node : nodes) {
      if (node == null) {
        continue;
      }
      try {
        node.close();
      } catch (RuntimeException e) {
        failure.addSuppressed(e);
      }
    }
  }
}

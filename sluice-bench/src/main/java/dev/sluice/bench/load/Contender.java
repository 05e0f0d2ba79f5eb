package dev.sluice.bench.load;

/**
 * One implementation under load: a rate limiter over Redis (or a ceiling) behind one call. Adding
 * an implementation to the Redis benchmark is one class implementing this and one line in {@link
 * Contenders}. Implementations are thread-safe: every caller thread shares one instance.
 */
public interface Contender extends AutoCloseable {

  /**
   * The name used in results, tables and charts.
   *
   * @return the name, e.g. {@code sluice-lua}
   */
  String name();

  /**
   * Asks for one permit for {@code key}, blocking until the answer.
   *
   * @param key the client key
   * @return whether it was allowed (ceilings answer {@code true})
   */
  boolean tryAcquire(String key);

  /** Releases connections and threads. */
  @Override
  void close();
}

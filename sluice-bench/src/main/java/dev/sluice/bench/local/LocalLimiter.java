package dev.sluice.bench.local;

/**
 * One in-process rate limiter under test, keyed: the adapter that puts Sluice and its peers behind
 * one call. Peers without keys of their own (Bucket4j, Guava, Resilience4j) keep one limiter per
 * key in a {@link java.util.concurrent.ConcurrentHashMap}, as an application would. Thread-safe.
 */
public interface LocalLimiter {

  /**
   * Asks for one permit for {@code key} without waiting.
   *
   * @param key the key
   * @return whether it was allowed
   */
  boolean tryAcquire(String key);

  /**
   * What the benchmark keeps alive, for heap measurements.
   *
   * @return the object graph that holds every key's state
   */
  Object root();
}

package dev.sluice.bench.load;

/**
 * A token bucket as every contender is configured: {@code capacity} tokens, refilled at {@code
 * perSecond}. Contenders without a separate capacity (Redisson) get {@code perSecond} permits per
 * second.
 *
 * @param capacity the burst
 * @param perSecond the refill rate per second
 */
public record LimitSpec(long capacity, long perSecond) {

  /** The throughput runs: far above any rate reached here, so every decision allows and writes. */
  public static final LimitSpec OPEN = new LimitSpec(1_000_000_000L, 10_000_000L);

  /** The accuracy runs: capacity 100, refill 100/s, on one hot key. */
  public static final LimitSpec ACCURACY = new LimitSpec(100, 100);
}

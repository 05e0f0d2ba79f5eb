package dev.sluice.http;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.Policy;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * The {@code X-RateLimit-*} headers that Spring Cloud Gateway's {@code RedisRateLimiter} sends, for
 * clients written against it:
 *
 * <pre>
 * X-RateLimit-Remaining: 9            what the binding limit has left
 * X-RateLimit-Burst-Capacity: 10      its capacity (or window limit)
 * X-RateLimit-Replenish-Rate: 1       its average refill, in tokens per second
 * X-RateLimit-Requested-Tokens: 1     the cost of this request
 * </pre>
 *
 * <p>The replenish rate is the limit's capacity over its {@link Limit#window() window} (for a
 * bucket, its refill rate): a whole number when it is one, else a decimal of six significant
 * digits, rounded down, such as {@code 0.0166666} for 1 per minute.
 */
public final class LegacyHeaders {

  /** What the binding limit has left. */
  public static final String REMAINING = "X-RateLimit-Remaining";

  /** The capacity of the binding limit. */
  public static final String BURST_CAPACITY = "X-RateLimit-Burst-Capacity";

  /** The binding limit's average refill, in tokens per second. */
  public static final String REPLENISH_RATE = "X-RateLimit-Replenish-Rate";

  /** The cost of the request. */
  public static final String REQUESTED_TOKENS = "X-RateLimit-Requested-Tokens";

  private static final BigDecimal MICROS_PER_SECOND = BigDecimal.valueOf(1_000_000);
  private static final MathContext SIX_DIGITS_DOWN = new MathContext(6, RoundingMode.DOWN);

  private LegacyHeaders() {}

  /**
   * The {@code X-RateLimit-Replenish-Rate} value of a decision.
   *
   * @param policy the policy that decided, or {@code null} if unknown
   * @param decision the decision
   * @return tokens per second, or {@code null} when the policy is unknown
   */
  public static String replenishRate(Policy policy, Decision decision) {
    Limit limit = RateLimitHeaders.bindingLimit(policy, decision);
    if (limit == null) {
      return null;
    }
    long micros = limit.window().toNanos() / 1_000;
    BigDecimal perSecond =
        BigDecimal.valueOf(limit.capacity())
            .multiply(MICROS_PER_SECOND)
            .divide(BigDecimal.valueOf(micros), SIX_DIGITS_DOWN)
            .stripTrailingZeros();
    return perSecond.scale() <= 0 ? perSecond.toBigInteger().toString() : perSecond.toPlainString();
  }
}

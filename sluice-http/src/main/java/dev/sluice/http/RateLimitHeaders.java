package dev.sluice.http;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.Policy;
import java.util.List;

/**
 * The values of the {@code RateLimit-Policy}, {@code RateLimit} and {@code Retry-After} response
 * headers for a decision, in the syntax of the IETF httpapi draft "RateLimit header fields for
 * HTTP" (draft-ietf-httpapi-ratelimit-headers-10/-11): Structured Field lists of items named by a
 * string.
 *
 * <pre>
 * RateLimit-Policy: "default";q=10;w=10
 * RateLimit: "default";r=0;t=1
 * Retry-After: 1
 * </pre>
 *
 * <p>{@code RateLimit-Policy} lists one item per limit of the policy: {@code q} is the limit's
 * capacity and {@code w} its window ({@link Limit#window()}: the refill time of a bucket, the
 * length of a window) in whole seconds, rounded up. A one-limit policy's item is named after the
 * policy; the items of a policy of several limits are named {@code "<policy>/<index>"} (from 0, in
 * the order of the configuration), since policy names cannot contain a slash.
 *
 * <p>{@code RateLimit} has one item, for the limit that bound the decision ({@link
 * Decision#limitId()}), and every number in it is that limit's own: {@code r} is what it has left;
 * {@code t} is, when allowed, the seconds until that limit is back to full, and when denied the
 * seconds until the same request would be allowed, the same as {@code Retry-After}, so that
 * Retry-After never points before {@code t} as the draft asks. All seconds are rounded up, so a
 * client that waits that long is never early.
 *
 * <p>Shared by {@code sluice serve}, the web modules and Envoy's rate limit service, so that every
 * Sluice answers alike.
 */
public final class RateLimitHeaders {

  /** The name of the header that describes the policy's limits. */
  public static final String POLICY = "RateLimit-Policy";

  /** The name of the header that describes the limit that bound the decision. */
  public static final String RATE_LIMIT = "RateLimit";

  /** The name of the header that says, on a denial, when to retry. */
  public static final String RETRY_AFTER = "Retry-After";

  /**
   * The name of the header that says who decided when it was not the store: {@code deny-cache},
   * {@code lease}, {@code fallback-timeout}, {@code fallback-error} or {@code
   * fallback-circuit-open}.
   */
  public static final String SOURCE = "Sluice-Decision-Source";

  private RateLimitHeaders() {}

  /**
   * The {@code RateLimit-Policy} value of a policy.
   *
   * @param policy the policy
   * @return such as {@code "default";q=10;w=10}
   */
  public static String policy(Policy policy) {
    List<Limit> limits = policy.limits();
    StringBuilder value = new StringBuilder();
    for (int i = 0; i < limits.size(); i++) {
      Limit limit = limits.get(i);
      long window = Math.max(1, (limit.window().toNanos() + 999_999_999) / 1_000_000_000);
      value
          .append(i == 0 ? "" : ", ")
          .append(policyItem(item(policy, i), limit.capacity(), window));
    }
    return value.toString();
  }

  /**
   * One item of a {@code RateLimit-Policy} value: a quota over a window.
   *
   * @param name the item's name, without double quotes or backslashes
   * @param quota {@code q}, what the window allows
   * @param windowSeconds {@code w}, the window in whole seconds
   * @return such as {@code "default";q=10;w=10}
   */
  public static String policyItem(String name, long quota, long windowSeconds) {
    return '"' + name + "\";q=" + quota + ";w=" + windowSeconds;
  }

  /**
   * The item of a {@code RateLimit} value: what a limit has left and when.
   *
   * @param name the item's name, without double quotes or backslashes
   * @param remaining {@code r}, what is left
   * @param resetSeconds {@code t}, the whole seconds until it is full again, or (when denied) until
   *     the same request would pass
   * @return such as {@code "default";r=9;t=1}
   */
  public static String rateLimitItem(String name, long remaining, long resetSeconds) {
    return '"' + name + "\";r=" + remaining + ";t=" + resetSeconds;
  }

  /**
   * The {@code RateLimit} value of a decision.
   *
   * @param policy the policy that decided, or {@code null} if it is no longer configured (a reload
   *     between the decision and the response), in which case the item is named after the decision
   * @param decision the decision
   * @return such as {@code "default";r=9;t=1}
   */
  public static String rateLimit(Policy policy, Decision decision) {
    String name = policy == null ? decision.policy() : item(policy, binding(policy, decision));
    long reset = decision.allowed() ? decision.resetAfterMillis() : decision.retryAfterMillis();
    return rateLimitItem(name, decision.remaining(), seconds(reset));
  }

  /**
   * The {@code Retry-After} value of a denial: whole seconds, rounded up.
   *
   * @param decision the decision
   * @return the seconds
   */
  public static String retryAfter(Decision decision) {
    return Long.toString(seconds(decision.retryAfterMillis()));
  }

  /**
   * The {@code Sluice-Decision-Source} value of a decision: its source's name in lower case with
   * hyphens, such as {@code fallback-timeout}.
   *
   * @param decision the decision
   * @return the value, or {@code null} when the store decided (the header is then absent)
   */
  public static String source(Decision decision) {
    return decision.source() == Decision.Source.BACKEND ? null : decision.source().label();
  }

  /**
   * The limit of the policy that bound a decision.
   *
   * @param policy the policy, or {@code null}
   * @param decision the decision
   * @return the limit, or {@code null} if the policy is unknown
   */
  static Limit bindingLimit(Policy policy, Decision decision) {
    return policy == null ? null : policy.limits().get(binding(policy, decision));
  }

  private static String item(Policy policy, int index) {
    return policy.limits().size() == 1
        ? policy.name()
        : policy.name() + "/" + policy.ids().get(index);
  }

  /** The index of the limit that bound the decision; the first if the policy no longer has it. */
  private static int binding(Policy policy, Decision decision) {
    return Math.max(0, policy.ids().indexOf(decision.limitId()));
  }

  /** Milliseconds (already rounded up by {@link Decision}) to whole seconds, rounded up. */
  static long seconds(long millis) {
    return millis / 1_000 + (millis % 1_000 == 0 ? 0 : 1);
  }
}

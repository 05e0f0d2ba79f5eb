package dev.sluice.envoy;

import com.google.protobuf.Duration;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.envoy.proto.core.HeaderValue;
import dev.sluice.envoy.proto.rls.RateLimitResponse;
import dev.sluice.envoy.proto.rls.RateLimitResponse.DescriptorStatus;
import dev.sluice.http.RateLimitHeaders;
import org.jspecify.annotations.Nullable;

/**
 * How an answer reports a decided descriptor beyond its code: the time until its window resets (as
 * envoyproxy/ratelimit counts it) and the rate limit headers of {@code response_headers_to_add}.
 */
final class RlsAnswers {

  private RlsAnswers() {}

  /**
   * For a fixed window (and a rule of 0 requests), the time to the window's end, in whole seconds
   * as envoyproxy/ratelimit gives it; for the other algorithms, when over the time until the same
   * hits would pass, else the time until the limit is full again.
   */
  static Duration untilReset(RlsRule rule, @Nullable Decision decision, boolean over, long now) {
    Limit limit = rule.limit();
    if (limit == null || limit instanceof Limit.FixedWindow) {
      long window = limit != null ? limit.window().toNanos() / 1_000 : unitMicros(rule.unit());
      long micros =
          decision != null && decision.resetAfterMicros() > 0
              ? decision.resetAfterMicros()
              : window - Math.floorMod(now, window);
      return Duration.newBuilder().setSeconds((micros + 999_999) / 1_000_000).build();
    }
    long micros =
        decision == null ? 0 : over ? decision.retryAfterMicros() : decision.resetAfterMicros();
    return Duration.newBuilder()
        .setSeconds(micros / 1_000_000)
        .setNanos((int) (micros % 1_000_000) * 1_000)
        .build();
  }

  private static long unitMicros(RateLimitResponse.RateLimit.Unit unit) {
    java.time.Duration length = RlsRule.unitLength(unit.name());
    return length == null ? 1_000_000 : length.toNanos() / 1_000;
  }

  /**
   * The headers of the descriptor nearest to its limit (an over-limit one first), as
   * envoyproxy/ratelimit chooses it.
   */
  static void addHeaders(
      RateLimitResponse.Builder response, DescriptorStatus[] statuses, RlsOptions.Headers style) {
    DescriptorStatus nearest = null;
    for (DescriptorStatus status : statuses) {
      if (!status.hasCurrentLimit()) {
        continue;
      }
      if (nearest == null
          || Integer.toUnsignedLong(status.getLimitRemaining())
              < Integer.toUnsignedLong(nearest.getLimitRemaining())) {
        nearest = status;
      }
    }
    if (nearest == null) {
      return;
    }
    long limit = Integer.toUnsignedLong(nearest.getCurrentLimit().getRequestsPerUnit());
    long remaining = Integer.toUnsignedLong(nearest.getLimitRemaining());
    long reset =
        nearest.getDurationUntilReset().getSeconds()
            + (nearest.getDurationUntilReset().getNanos() > 0 ? 1 : 0);
    if (style == RlsOptions.Headers.DRAFT) {
      response.addResponseHeadersToAdd(header("RateLimit-Limit", Long.toString(limit)));
      response.addResponseHeadersToAdd(header("RateLimit-Remaining", Long.toString(remaining)));
      response.addResponseHeadersToAdd(header("RateLimit-Reset", Long.toString(reset)));
    } else {
      String name =
          nearest.getCurrentLimit().getName().isEmpty()
              ? "rls"
              : nearest.getCurrentLimit().getName().replace("\\", "").replace("\"", "");
      long window = Math.max(1, unitMicros(nearest.getCurrentLimit().getUnit()) / 1_000_000);
      response.addResponseHeadersToAdd(
          header(RateLimitHeaders.POLICY, RateLimitHeaders.policyItem(name, limit, window)));
      response.addResponseHeadersToAdd(
          header(
              RateLimitHeaders.RATE_LIMIT, RateLimitHeaders.rateLimitItem(name, remaining, reset)));
    }
  }

  private static HeaderValue header(String key, String value) {
    return HeaderValue.newBuilder().setKey(key).setValue(value).build();
  }
}

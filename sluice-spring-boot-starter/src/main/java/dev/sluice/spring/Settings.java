package dev.sluice.spring;

import dev.sluice.PolicyRegistry;
import dev.sluice.ResilientBackend;
import dev.sluice.http.HeaderStyle;
import dev.sluice.http.RequestMatcher;
import dev.sluice.http.UnresolvedKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code sluice.*} properties, validated: what the auto-configuration builds from.
 *
 * @param policies the policies and client overrides
 * @param onFailures the policies' own failure answers
 * @param timeouts the policies' own deadlines
 * @param hybrid the policies that lease their tokens
 * @param store the store
 * @param http the web filters' settings
 * @param routes the gateway routes' policies and costs, by route id
 */
record Settings(
    PolicyRegistry policies,
    Map<String, ResilientBackend.OnFailure> onFailures,
    Map<String, Duration> timeouts,
    Set<String> hybrid,
    Store store,
    Http http,
    Map<String, Route> routes) {

  /**
   * The store.
   *
   * @param redis false for memory
   * @param maxKeys the most keys in this process's memory
   * @param uri the Redis URI or cluster seeds
   * @param cluster whether {@code uri} lists cluster seeds
   * @param transaction WATCH/MULTI/EXEC instead of Lua
   * @param timeout the deadline of every decision
   * @param onFailure the answer when Redis fails
   * @param instances the fleet's size, or 0 for auto
   * @param localShare the local fallback's share, or NaN for 1/instances
   * @param failures the breaker's failures in a row
   * @param openAfter the breaker's span of failures
   * @param backoff the breaker's first wait
   * @param maxBackoff the breaker's longest wait
   * @param denyCache whether denials are cached
   * @param leaseFraction the largest lease of a hybrid policy
   */
  record Store(
      boolean redis,
      long maxKeys,
      String uri,
      boolean cluster,
      boolean transaction,
      Duration timeout,
      ResilientBackend.OnFailure onFailure,
      int instances,
      double localShare,
      int failures,
      Duration openAfter,
      Duration backoff,
      Duration maxBackoff,
      boolean denyCache,
      double leaseFraction) {

    /** A short description, without credentials. */
    String describe() {
      return redis ? "redis " + dev.sluice.redis.RedisBackend.redacted(uri) : "memory";
    }
  }

  /**
   * The web filters.
   *
   * @param enabled whether the rules apply
   * @param rules the rules in order
   * @param trustedProxies the proxy hops trusted for {@code ip}
   * @param forwardedByServer whether the server resolves forwarded headers itself ({@code
   *     server.forward-headers-strategy})
   * @param headers the header style
   * @param unresolvedKey the answer to an unresolvable key
   * @param order the filter's order
   */
  record Http(
      boolean enabled,
      List<Rule> rules,
      int trustedProxies,
      boolean forwardedByServer,
      HeaderStyle headers,
      UnresolvedKey unresolvedKey,
      int order) {}

  /**
   * One rule.
   *
   * @param matcher its paths and methods
   * @param key its key, or {@code null} for the key resolver bean
   * @param policy its policy, or {@code null}
   * @param cost its cost
   */
  record Rule(RequestMatcher matcher, KeySpec key, String policy, long cost) {}

  /**
   * One gateway route.
   *
   * @param policy its policy, or {@code null}
   * @param cost its cost
   */
  record Route(String policy, long cost) {}
}

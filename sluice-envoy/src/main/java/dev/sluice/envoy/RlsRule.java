package dev.sluice.envoy;

import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.envoy.proto.rls.RateLimitResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One configured {@code rate_limit} of an RLS domain: the limit, what the answer reports of it, and
 * envoyproxy/ratelimit's flags.
 *
 * <p>Its usage is stored under a {@link Policy} named after the rule's place in the configuration
 * (the domain and the keys and values that lead to it), never after its numbers: a reload that
 * changes {@code requests_per_unit}, the unit or the algorithm keeps every counter, as Sluice's own
 * policies do. In an {@code atomic} domain every rule's policy is in the domain's group, so that
 * the descriptors of one request can be decided at once.
 *
 * @param domain the domain
 * @param path the configured keys, or {@code key_value} pairs, from the domain to this rule
 * @param limit the limit; {@code null} when unlimited or when {@code requests_per_unit} is 0
 * @param requestsPerUnit what {@code current_limit.requests_per_unit} reports
 * @param unit what {@code current_limit.unit} reports
 * @param unlimited {@code unlimited: true}: always OK, nothing counted
 * @param name the rule's {@code name} (empty if none), echoed in {@code current_limit.name}
 * @param replaces the names of rules this one replaces when both match one request
 * @param shadowMode whether a denial is answered OK (and counted as shadow)
 * @param detailedMetric whether metrics name the request's values rather than the configured keys
 * @param atomic whether the domain decides a request's descriptors all or nothing
 * @param policy the policy that stores this rule's counters, derived from the domain, the path, the
 *     limit and {@code atomic} when the rule is built (the value given is replaced); {@code null}
 *     for an unlimited or blocking rule
 */
public record RlsRule(
    String domain,
    List<String> path,
    @Nullable Limit limit,
    long requestsPerUnit,
    RateLimitResponse.RateLimit.Unit unit,
    boolean unlimited,
    String name,
    List<String> replaces,
    boolean shadowMode,
    boolean detailedMetric,
    boolean atomic,
    @Nullable Policy policy) {

  /** The largest {@code requests_per_unit} a rule may have: Sluice's largest limit. */
  public static final long MAX_REQUESTS_PER_UNIT = Limit.MAX_CAPACITY;

  /**
   * Copies the lists.
   *
   * @param domain the domain
   * @param path the path
   * @param limit the limit
   * @param requestsPerUnit the reported number of requests
   * @param unit the reported unit
   * @param unlimited whether unlimited
   * @param name the name
   * @param replaces the replaced names
   * @param shadowMode shadow mode
   * @param detailedMetric detailed metric
   * @param atomic atomic domain
   * @param policy replaced by the policy derived from the rest
   */
  public RlsRule {
    path = List.copyOf(path);
    replaces = List.copyOf(replaces);
    // Built once per rule, not per request: a decision only reads it.
    policy = limit == null ? null : policy(domain, path, limit, atomic);
  }

  /**
   * A rule whose policy is derived.
   *
   * @param domain the domain
   * @param path the path
   * @param limit the limit, or {@code null}
   * @param requestsPerUnit the reported requests per unit
   * @param unit the reported unit
   * @param unlimited whether unlimited
   * @param name the name
   * @param replaces the replaced names
   * @param shadowMode shadow mode
   * @param detailedMetric detailed metric
   * @param atomic atomic domain
   */
  public RlsRule(
      String domain,
      List<String> path,
      @Nullable Limit limit,
      long requestsPerUnit,
      RateLimitResponse.RateLimit.Unit unit,
      boolean unlimited,
      String name,
      List<String> replaces,
      boolean shadowMode,
      boolean detailedMetric,
      boolean atomic) {
    this(
        domain,
        path,
        limit,
        requestsPerUnit,
        unit,
        unlimited,
        name,
        replaces,
        shadowMode,
        detailedMetric,
        atomic,
        null);
  }

  /**
   * The policy of a limit at a place of a domain: its name is a digest of the domain and the path,
   * so equal places share their counters across reloads and instances.
   *
   * @param domain the domain
   * @param path the place in the domain
   * @param limit the limit
   * @param atomic whether in the domain's group
   * @return the policy
   */
  static Policy policy(String domain, List<String> path, Limit limit, boolean atomic) {
    Policy.Builder builder =
        Policy.builder("rls-" + digest(domain + "\u0000" + String.join("\u0000", path), 20))
            .limit(limit);
    if (atomic) {
      builder.group("rls-" + digest(domain, 20));
    }
    return builder.build();
  }

  /**
   * The length of one of envoyproxy/ratelimit's units, as it counts them: fixed lengths from the
   * Unix epoch (a week is 7 days, a month 30, a year 365).
   *
   * @param unit second, minute, hour, day, week, month or year (any case)
   * @return the length, or {@code null} if it is none of these
   */
  public static @Nullable Duration unitLength(String unit) {
    return switch (unit.toLowerCase(Locale.ROOT)) {
      case "second" -> Duration.ofSeconds(1);
      case "minute" -> Duration.ofMinutes(1);
      case "hour" -> Duration.ofHours(1);
      case "day" -> Duration.ofDays(1);
      case "week" -> Duration.ofDays(7);
      case "month" -> Duration.ofDays(30);
      case "year" -> Duration.ofDays(365);
      default -> null;
    };
  }

  /**
   * The unit an answer reports for a window: the largest of Envoy's units that the window is a
   * whole multiple of (a window of 30 s reports SECOND).
   *
   * @param window the window
   * @return the unit
   */
  public static RateLimitResponse.RateLimit.Unit reportedUnit(Duration window) {
    long seconds = window.getSeconds();
    if (window.getNano() != 0 || seconds == 0) {
      return RateLimitResponse.RateLimit.Unit.UNKNOWN;
    }
    if (seconds % (365 * 86400L) == 0) {
      return RateLimitResponse.RateLimit.Unit.YEAR;
    }
    if (seconds % (30 * 86400L) == 0) {
      return RateLimitResponse.RateLimit.Unit.MONTH;
    }
    if (seconds % (7 * 86400L) == 0) {
      return RateLimitResponse.RateLimit.Unit.WEEK;
    }
    if (seconds % 86400 == 0) {
      return RateLimitResponse.RateLimit.Unit.DAY;
    }
    if (seconds % 3600 == 0) {
      return RateLimitResponse.RateLimit.Unit.HOUR;
    }
    if (seconds % 60 == 0) {
      return RateLimitResponse.RateLimit.Unit.MINUTE;
    }
    return RateLimitResponse.RateLimit.Unit.SECOND;
  }

  /** The first {@code hexDigits} hex digits of the SHA-256 of a text. */
  static String digest(String text, int hexDigits) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash).substring(0, hexDigits);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}

package dev.sluice.spring;

import static dev.sluice.spring.PropertyChecks.MAX_TIMEOUT;
import static dev.sluice.spring.PropertyChecks.MIN_TIMEOUT;
import static dev.sluice.spring.PropertyChecks.check;
import static dev.sluice.spring.PropertyChecks.duration;
import static dev.sluice.spring.PropertyChecks.invalid;
import static dev.sluice.spring.PropertyChecks.option;

import dev.sluice.Algorithm;
import dev.sluice.CalendarUnit;
import dev.sluice.Durations;
import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.Rate;
import dev.sluice.ResilientBackend;
import dev.sluice.http.LimitKeys;
import dev.sluice.http.Validation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads {@code sluice.policies.*} into policies: each policy's limits (inline or as a list, with
 * their ids), and the options a policy gives its store calls ({@code on-failure}, {@code timeout},
 * {@code hybrid}), collected for {@link Settings}. One reader per read; not thread-safe.
 */
final class PolicyReader {

  /** The policy when none is configured: {@code default: { capacity: 10, refill: 1/s }}. */
  private static final Policy DEFAULT_POLICY =
      Policy.of(Policy.DEFAULT, Limit.tokenBucket(10, Rate.perSecond(1)));

  private final Map<String, ResilientBackend.OnFailure> onFailures = new LinkedHashMap<>();
  private final Map<String, Duration> timeouts = new LinkedHashMap<>();
  private final Set<String> hybrid = new LinkedHashSet<>();

  /** The policies' own answers to a store failure, by policy name, as read so far. */
  Map<String, ResilientBackend.OnFailure> onFailures() {
    return Map.copyOf(onFailures);
  }

  /** The policies' own deadlines, by policy name, as read so far. */
  Map<String, Duration> timeouts() {
    return Map.copyOf(timeouts);
  }

  /** The names of the policies that lease (hybrid), in the order read. */
  Set<String> hybrid() {
    return hybrid;
  }

  Map<String, Policy> policies(Map<String, PolicyProperties> entries) {
    Map<String, Policy> policies = new LinkedHashMap<>();
    if (entries.isEmpty()) {
      policies.put(Policy.DEFAULT, DEFAULT_POLICY);
      return policies;
    }
    entries.forEach((name, entry) -> policies.put(name, policy(name, entry)));
    return policies;
  }

  private Policy policy(String name, PolicyProperties entry) {
    String path = "sluice.policies." + name;
    Policy.Builder builder = check("sluice.policies", () -> Policy.builder(name));
    storeOptions(name, entry, path);
    Set<String> ids = new HashSet<>();
    if (entry.getLimits() != null && !entry.getLimits().isEmpty()) {
      List<String> inline = setKeys(entry);
      if (!inline.isEmpty()) {
        String key = path + "." + inline.get(0);
        throw invalid(
            key,
            key
                + " must not be set beside limits: put it in one of the limits (beside limits, a"
                + " policy takes only on-failure, timeout and hybrid)");
      }
      if (entry.getLimits().size() > Policy.MAX_LIMITS) {
        throw invalid(
            path + ".limits",
            path
                + ".limits must hold 1 to "
                + Policy.MAX_LIMITS
                + " limits: "
                + entry.getLimits().size());
      }
      for (int i = 0; i < entry.getLimits().size(); i++) {
        addLimit(
            builder,
            entry.getLimits().get(i),
            path + ".limits[" + i + "]",
            Integer.toString(i),
            ids);
      }
    } else {
      addLimit(builder, entry, path, "0", ids);
    }
    return check(path, builder::build);
  }

  /** The names of the inline limit keys that are set. */
  private static List<String> setKeys(LimitProperties limit) {
    List<String> keys = new ArrayList<>();
    if (limit.getId() != null) keys.add("id");
    if (limit.getAlgorithm() != null) keys.add("algorithm");
    if (limit.getCapacity() != null) keys.add("capacity");
    if (limit.getRefill() != null) keys.add("refill");
    if (limit.getLeak() != null) keys.add("leak");
    if (limit.getLimit() != null) keys.add("limit");
    if (limit.getWindow() != null) keys.add("window");
    if (limit.getAlign() != null) keys.add("align");
    if (limit.getLease() != null) keys.add("lease");
    if (limit.getRetryHint() != null) keys.add("retry-hint");
    return keys;
  }

  private void addLimit(
      Policy.Builder builder,
      LimitProperties entry,
      String path,
      String position,
      Set<String> ids) {
    if (entry == null) {
      throw invalid(path, path + " must be a limit, such as { capacity: 10, refill: 1/s }");
    }
    Limit limit = limit(entry, path);
    String id = entry.getId() != null ? entry.getId() : position;
    if (!ids.add(id)) {
      throw invalid(
          path + ".id",
          path
              + ".id must be unique within the policy: '"
              + id
              + "'"
              + (entry.getId() == null
                  ? " is the id of another limit (ids default to positions)"
                  : ""));
    }
    try {
      builder.limit(id, limit);
    } catch (IllegalArgumentException e) {
      throw invalid(path + ".id", Validation.renamed(e, "limit id", path + ".id"));
    }
  }

  private Limit limit(LimitProperties entry, String path) {
    Algorithm algorithm =
        entry.getAlgorithm() == null
            ? Algorithm.TOKEN_BUCKET
            : check(path + ".algorithm", () -> Algorithm.fromId(entry.getAlgorithm()), "algorithm");
    boolean bucket = algorithm == Algorithm.TOKEN_BUCKET || algorithm == Algorithm.LEAKY_BUCKET;
    String rateKey = algorithm == Algorithm.LEAKY_BUCKET ? "leak" : "refill";
    List<String> allowed = new ArrayList<>(LimitKeys.of(algorithm));
    allowed.add("id");
    for (String key : setKeys(entry)) {
      if (!allowed.contains(key)) {
        throw invalid(
            path + "." + key,
            path
                + "."
                + key
                + " does not apply to "
                + algorithm
                + ", which takes "
                + LimitKeys.needs(algorithm));
      }
    }
    if (bucket) {
      long capacity = required(entry.getCapacity(), path, "capacity", algorithm);
      String rateText =
          required(
              algorithm == Algorithm.LEAKY_BUCKET ? entry.getLeak() : entry.getRefill(),
              path,
              rateKey,
              algorithm);
      Rate rate = rate(path + "." + rateKey, rateText);
      return build(
          path,
          () ->
              algorithm == Algorithm.TOKEN_BUCKET
                  ? Limit.tokenBucket(capacity, rate)
                  : Limit.leakyBucket(capacity, rate));
    }
    long limit = required(entry.getLimit(), path, "limit", algorithm);
    if (algorithm == Algorithm.CONCURRENCY) {
      String leaseText = required(entry.getLease(), path, "lease", algorithm);
      Duration lease = check(path + ".lease", () -> Durations.parse(path + ".lease", leaseText));
      Limit withoutHint = build(path, () -> Limit.concurrency(limit, lease));
      if (entry.getRetryHint() == null) {
        return withoutHint;
      }
      Duration hint =
          check(
              path + ".retry-hint",
              () -> Durations.parse(path + ".retry-hint", entry.getRetryHint()));
      return check(path + ".retry-hint", () -> Limit.concurrency(limit, lease, hint), "retryHint");
    }
    String windowText = required(entry.getWindow(), path, "window", algorithm);
    if (calendar(entry.getAlign(), path + ".align")) {
      CalendarUnit unit =
          check(path + ".window", () -> CalendarUnit.parse(path + ".window", windowText));
      return build(path, () -> Limit.calendarWindow(limit, unit));
    }
    Duration window = check(path + ".window", () -> Durations.parse(path + ".window", windowText));
    return build(path, () -> LimitKeys.window(algorithm, limit, window));
  }

  /**
   * Whether a fixed window's {@code align} asks for the calendar ({@code epoch} is the default).
   */
  private static boolean calendar(String align, String path) {
    if (align == null || align.equals("epoch")) {
      return false;
    }
    if (align.equals("calendar")) {
      return true;
    }
    throw invalid(path, path + " must be calendar or epoch: '" + align + "'");
  }

  private static <T> T required(T value, String path, String key, Algorithm algorithm) {
    if (value == null) {
      throw invalid(
          path + "." + key,
          path + "." + key + " must be set: " + algorithm + " needs " + LimitKeys.needs(algorithm));
    }
    return value;
  }

  /** A limit; the core's message names the parameter, which is also the property's key. */
  private static Limit build(String path, Supplier<Limit> limit) {
    try {
      return limit.get();
    } catch (IllegalArgumentException e) {
      String message = Validation.under(e, path);
      throw invalid(path + "." + Validation.param(e), message);
    }
  }

  /** A rate; the core's message about the period alone is replaced by one about the whole rate. */
  private static Rate rate(String path, String text) {
    try {
      return Rate.parse(text);
    } catch (IllegalArgumentException e) {
      if (String.valueOf(e.getMessage()).startsWith("rate period must be a whole number")) {
        throw invalid(
            path,
            path
                + " must be <tokens>/<period> such as 1/s, 100/m, 10000/d or 5/10s: '"
                + text
                + "'");
      }
      throw invalid(path, Validation.renamed(e, "rate", path));
    }
  }

  private void storeOptions(String name, PolicyProperties entry, String path) {
    if (entry.getOnFailure() != null) {
      onFailures.put(
          name,
          option(path + ".on-failure", entry.getOnFailure(), ResilientBackend.OnFailure.class));
    }
    if (entry.getTimeout() != null) {
      timeouts.put(name, duration(path + ".timeout", entry.getTimeout(), MIN_TIMEOUT, MAX_TIMEOUT));
    }
    if (Boolean.TRUE.equals(entry.getHybrid())) {
      hybrid.add(name);
    }
  }
}

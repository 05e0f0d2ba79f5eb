package dev.sluice.envoy;

import dev.sluice.Acquire;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.RateLimiter;
import dev.sluice.TimeSource;
import dev.sluice.envoy.proto.descriptor.RateLimitDescriptor;
import dev.sluice.envoy.proto.rls.RateLimitRequest;
import dev.sluice.envoy.proto.rls.RateLimitResponse;
import dev.sluice.envoy.proto.rls.RateLimitResponse.Code;
import dev.sluice.envoy.proto.rls.RateLimitResponse.DescriptorStatus;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Envoy's {@code envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit} over a {@link
 * RateLimiter}: envoyproxy/ratelimit's answers on Sluice's stores.
 *
 * <p>Each descriptor gets one status, in the request's order: OK without a limit when the domain is
 * unknown or no rule matches, or the rule is replaced by another matched rule; OK with {@code
 * limit_remaining} 4294967295 when unlimited; else the rule's decision, with {@code current_limit}
 * (its {@code name} included), {@code limit_remaining} and {@code duration_until_reset} (for a
 * fixed window the time to the window's end, else when over the limit the time until the same hits
 * would pass). {@code overall_code} is OVER_LIMIT if any descriptor is over. A descriptor adds its
 * own {@code hits_addend} if set (0 looks without counting), else the request's (0 or unset means
 * 1); hits above the limit are OVER_LIMIT. A rule in shadow mode, or any rule under the global
 * shadow mode, answers OK where it would have been over.
 *
 * <p>The one intended difference from envoyproxy/ratelimit: hits that are over the limit are not
 * counted (Sluice never consumes on a denial), so a client that keeps trying does not push its
 * counter further. In a domain with {@code atomic: true} all descriptors of a request are decided
 * at once ({@link RateLimiter#tryAcquireAll}): when one is over, none is counted. Elsewhere each
 * descriptor is decided on its own, as envoyproxy/ratelimit does.
 *
 * <p>An empty domain or an empty descriptor list fails the call with gRPC status UNKNOWN, as
 * envoyproxy/ratelimit answers; so does a descriptor with {@code is_negative_hits} (hits given
 * back), which Sluice does not support, before anything of the request is counted; a store failure
 * that the failure policy did not answer fails it with UNAVAILABLE (Envoy then applies its {@code
 * failure_mode_deny}). Thread-safe.
 */
public final class RlsService {

  /** What {@code limit_remaining} says for an unlimited descriptor: the largest uint32. */
  public static final long UNLIMITED_REMAINING = 0xFFFF_FFFFL;

  /** The share of a limit past which a descriptor within it counts as near the limit. */
  static final double NEAR_LIMIT_RATIO = 0.8;

  private final RateLimiter limiter;
  private final Supplier<RlsConfig> config;
  private final Supplier<RlsOptions> options;
  private final TimeSource clock;
  private final RlsListener listener;

  /**
   * A service.
   *
   * @param limiter decides, on its backend (and its failure policy)
   * @param config the configuration in force, read at every request (so a reload applies at once)
   * @param options the options in force, read at every request
   * @param clock the clock for the end of a fixed window when the store does not say it
   * @param listener hears every decided descriptor
   */
  public RlsService(
      RateLimiter limiter,
      Supplier<RlsConfig> config,
      Supplier<RlsOptions> options,
      TimeSource clock,
      RlsListener listener) {
    this.limiter = limiter;
    this.config = config;
    this.options = options;
    this.clock = clock;
    this.listener = listener;
  }

  /**
   * The gRPC status of a failed decision: UNKNOWN for a bad request (as envoyproxy/ratelimit),
   * UNAVAILABLE for a store failure.
   *
   * @param error the failure
   * @return the status
   */
  public static Status status(Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof IllegalArgumentException) {
      return Status.UNKNOWN.withDescription(cause.getMessage());
    }
    return Status.UNAVAILABLE.withDescription("the store failed: " + cause);
  }

  /**
   * Decides a request.
   *
   * @param request the request
   * @return the response; a stage failed with {@link IllegalArgumentException} for an empty domain
   *     or descriptor list, or with the store's failure
   */
  public CompletionStage<RateLimitResponse> decide(RateLimitRequest request) {
    try {
      return decideOrThrow(request);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private CompletionStage<RateLimitResponse> decideOrThrow(RateLimitRequest request) {
    if (request.getDomain().isEmpty()) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("rate limit domain must not be empty"));
    }
    if (request.getDescriptorsCount() == 0) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("rate limit descriptor list must not be empty"));
    }
    RlsConfig snapshot = config.get();
    RlsOptions opts = options.get();
    String domain = request.getDomain();
    RlsDomain configured = snapshot.domain(domain);
    int count = request.getDescriptorsCount();
    RlsMatch[] matches = new RlsMatch[count];
    Set<String> replaced = new HashSet<>();
    for (int i = 0; i < count; i++) {
      RateLimitDescriptor descriptor = request.getDescriptors(i);
      if (descriptor.getIsNegativeHits()) {
        // Refused while matching: nothing of the request is counted before every one is matched.
        return CompletableFuture.failedFuture(
            new IllegalArgumentException(
                "descriptors["
                    + i
                    + "].is_negative_hits is not supported by Sluice: hits can only be taken,"
                    + " and nothing of this request was counted"));
      }
      RlsMatch match =
          configured != null && descriptor.hasLimit()
              ? override(configured, descriptor)
              : snapshot.match(domain, descriptor);
      matches[i] = match;
      if (match != null) {
        replaced.addAll(match.rule().replaces());
      }
    }
    DescriptorStatus[] statuses = new DescriptorStatus[count];
    List<Pending> pending = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      RlsMatch match = matches[i];
      if (match == null
          || (!match.rule().name().isEmpty() && replaced.contains(match.rule().name()))) {
        statuses[i] = DescriptorStatus.newBuilder().setCode(Code.OK).build();
        continue;
      }
      RlsRule rule = match.rule();
      if (rule.unlimited()) {
        statuses[i] =
            DescriptorStatus.newBuilder()
                .setCode(Code.OK)
                .setLimitRemaining((int) UNLIMITED_REMAINING)
                .build();
        continue;
      }
      RateLimitDescriptor descriptor = request.getDescriptors(i);
      long hits =
          descriptor.hasHitsAddend()
              ? descriptor.getHitsAddend().getValue()
              : Math.max(1, Integer.toUnsignedLong(request.getHitsAddend()));
      pending.add(new Pending(i, match, hits));
    }
    boolean atomic = configured != null && configured.atomic();
    CompletionStage<Void> decided = atomic ? decideAtomically(pending) : decideEach(pending);
    return decided.thenApply(done -> respond(statuses, pending, opts));
  }

  /** A descriptor to decide under a rule. */
  private static final class Pending {
    final int index;
    final RlsMatch match;
    final long hits;
    @Nullable Decision decision;

    Pending(int index, RlsMatch match, long hits) {
      this.index = index;
      this.match = match;
      this.hits = hits;
    }

    /** Whether the hits could ever pass: a rule of 0 requests, or more hits than the limit. */
    boolean impossible() {
      Policy policy = match.rule().policy();
      return policy == null || hits > policy.maxCost();
    }

    /** What to ask the store: the hits, or a look when they cannot pass. */
    Acquire acquire() {
      Policy policy = match.rule().policy();
      if (policy == null) {
        throw new IllegalStateException("a blocking rule has no policy");
      }
      return new Acquire(policy, match.key(), impossible() ? 0 : hits);
    }
  }

  private CompletionStage<Void> decideEach(List<Pending> pending) {
    List<CompletableFuture<?>> calls = new ArrayList<>();
    for (Pending each : pending) {
      if (each.match.rule().policy() == null) {
        continue;
      }
      calls.add(
          limiter
              .tryAcquireAllAsync(List.of(each.acquire()))
              .thenAccept(decisions -> each.decision = decisions.get(0))
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new));
  }

  /**
   * All of a request's descriptors in one batch: consumed only if every one fits. A rule in shadow
   * mode must not stop the others, so when only shadow rules are over, the batch is asked again
   * without them.
   */
  private CompletionStage<Void> decideAtomically(List<Pending> pending) {
    List<Pending> batch = new ArrayList<>();
    Map<String, Pending> seen = new HashMap<>();
    for (Pending each : pending) {
      Policy policy = each.match.rule().policy();
      if (policy == null) {
        continue;
      }
      String id = policy.name() + "\u0000" + each.match.key();
      if (seen.putIfAbsent(id, each) != null) {
        throw new IllegalArgumentException(
            "an atomic domain's request must not name one counter twice: " + each.match.key());
      }
      batch.add(each);
    }
    if (batch.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    if (batch.size() > RateLimiter.MAX_BATCH) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException(
              "an atomic domain's request must have at most "
                  + RateLimiter.MAX_BATCH
                  + " limited descriptors: "
                  + batch.size()));
    }
    boolean anyImpossible = batch.stream().anyMatch(Pending::impossible);
    if (anyImpossible) {
      // Nothing can be consumed: every descriptor is only looked at.
      List<Acquire> looks = new ArrayList<>();
      for (Pending each : batch) {
        looks.add(new Acquire(each.acquire().policy(), each.match.key(), 0));
      }
      return limiter.tryAcquireAllAsync(looks).thenAccept(decisions -> assign(batch, decisions));
    }
    return limiter
        .tryAcquireAllAsync(batch.stream().map(Pending::acquire).toList())
        .thenCompose(
            decisions -> {
              assign(batch, decisions);
              List<Pending> rest = new ArrayList<>();
              boolean onlyShadow = true;
              for (Pending each : batch) {
                Decision decision = each.decision;
                if (decision != null && !decision.allowed()) {
                  onlyShadow &= each.match.rule().shadowMode();
                } else {
                  rest.add(each);
                }
              }
              if (!onlyShadow || rest.size() == batch.size() || rest.isEmpty()) {
                return CompletableFuture.completedFuture(null);
              }
              return limiter
                  .tryAcquireAllAsync(rest.stream().map(Pending::acquire).toList())
                  .thenAccept(again -> assign(rest, again));
            });
  }

  /** Gives each request its decision. */
  private static void assign(List<Pending> batch, List<Decision> decisions) {
    for (int i = 0; i < batch.size(); i++) {
      batch.get(i).decision = decisions.get(i);
    }
  }

  private RateLimitResponse respond(
      DescriptorStatus[] statuses, List<Pending> pending, RlsOptions opts) {
    long now = clock.nowMicros();
    for (Pending each : pending) {
      statuses[each.index] = status(each, now);
    }
    RateLimitResponse.Builder response = RateLimitResponse.newBuilder();
    boolean over = false;
    for (DescriptorStatus status : statuses) {
      response.addStatuses(status);
      over |= status.getCode() == Code.OVER_LIMIT;
    }
    if (over && opts.globalShadowMode()) {
      over = false;
    }
    response.setOverallCode(over ? Code.OVER_LIMIT : Code.OK);
    if (opts.headers() != RlsOptions.Headers.OFF) {
      RlsAnswers.addHeaders(response, statuses, opts.headers());
    }
    return response.build();
  }

  /** The status of one decided descriptor, and what the listener hears of it. */
  private DescriptorStatus status(Pending each, long now) {
    RlsRule rule = each.match.rule();
    Decision decision = each.decision;
    boolean over = each.impossible() || decision == null || !decision.allowed();
    long remaining =
        over || decision == null ? 0 : Math.min(decision.remaining(), UNLIMITED_REMAINING);
    long limit = rule.requestsPerUnit();
    boolean near =
        !over && each.hits > 0 && limit - remaining > (long) Math.floor(limit * NEAR_LIMIT_RATIO);
    boolean shadow = over && rule.shadowMode();
    DescriptorStatus.Builder status =
        DescriptorStatus.newBuilder()
            .setCode(over && !shadow ? Code.OVER_LIMIT : Code.OK)
            .setCurrentLimit(
                RateLimitResponse.RateLimit.newBuilder()
                    .setName(rule.name())
                    .setRequestsPerUnit((int) rule.requestsPerUnit())
                    .setUnit(rule.unit()))
            .setLimitRemaining((int) remaining)
            .setDurationUntilReset(RlsAnswers.untilReset(rule, decision, over, now));
    try {
      listener.onDescriptor(each.match, each.hits, new RlsListener.Outcome(over, near, shadow));
    } catch (RuntimeException ignored) {
      // A listener must not change the answer.
    }
    return status.build();
  }

  /** The descriptor's rule for a per-request limit override: a fixed window of the given size. */
  private static @Nullable RlsMatch override(RlsDomain domain, RateLimitDescriptor descriptor) {
    RateLimitDescriptor.RateLimitOverride limit = descriptor.getLimit();
    java.time.Duration window = RlsRule.unitLength(limit.getUnit().name());
    long requests = Integer.toUnsignedLong(limit.getRequestsPerUnit());
    if (window == null) {
      throw new IllegalArgumentException(
          "limit.unit of a descriptor must be a known unit: " + limit.getUnit());
    }
    if (requests > RlsRule.MAX_REQUESTS_PER_UNIT) {
      throw new IllegalArgumentException(
          "limit.requests_per_unit of a descriptor must be at most "
              + RlsRule.MAX_REQUESTS_PER_UNIT
              + ": "
              + requests);
    }
    List<String> path = new ArrayList<>();
    path.add("override");
    List<String> keyValues = new ArrayList<>();
    List<String> metricKeys = new ArrayList<>();
    for (RateLimitDescriptor.Entry entry : descriptor.getEntriesList()) {
      path.add(entry.getKey());
      keyValues.add(entry.getKey());
      keyValues.add(entry.getValue());
      metricKeys.add(entry.getKey() + "_" + entry.getValue());
    }
    RlsRule rule =
        new RlsRule(
            domain.name(),
            path,
            requests == 0 ? null : Limit.fixedWindow(requests, window),
            requests,
            RlsRule.reportedUnit(window),
            false,
            "",
            List.of(),
            false,
            false,
            domain.atomic());
    return new RlsMatch(rule, RlsConfig.counterKey(keyValues), metricKeys);
  }
}

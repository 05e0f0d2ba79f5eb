package dev.sluice.servlet;

import dev.sluice.Decision;
import dev.sluice.Policy;
import dev.sluice.PolicyRegistry;
import dev.sluice.RateLimiter;
import dev.sluice.http.DecisionJson;
import dev.sluice.http.DecisionResponse;
import dev.sluice.http.HeaderStyle;
import dev.sluice.http.UnresolvedKey;
import dev.sluice.http.Validation;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * A servlet filter that decides every request a {@link Rule} matches before the application sees
 * it.
 *
 * <pre>{@code
 * SluiceFilter filter =
 *     SluiceFilter.builder(limiter)
 *         .rule(Rule.builder("/api/**").key(KeyResolver.header("X-Api-Key")).build())
 *         .build();
 * }</pre>
 *
 * <ul>
 *   <li><b>Allowed</b>: the request goes on, and its response carries the rate-limit headers of the
 *       {@link HeaderStyle} ({@code RateLimit-Policy} and {@code RateLimit} by default), plus
 *       {@code Sluice-Decision-Source} when the store did not decide. The decision is also the
 *       request attribute {@link #DECISION_ATTRIBUTE}.
 *   <li><b>Denied</b>: 429 with the headers, {@code Retry-After}, {@code Cache-Control: no-store}
 *       and the JSON body of {@code sluice serve}; the application is not called.
 *   <li><b>No key</b> (no such header, an anonymous request, a key over 512 bytes): the {@link
 *       UnresolvedKey} answer, 403 by default; never an unlimited pass unless configured.
 *   <li><b>The store failed</b> (only without a failure policy: a {@link
 *       dev.sluice.ResilientBackend} answers by its {@code on-failure} instead): 503 with {@code
 *       {"error": ...}}, logged.
 * </ul>
 *
 * <p>The first matching rule applies; a request no rule matches is not limited. Each request is
 * decided once, also when the filter is mapped twice or the request is dispatched again (errors,
 * forwards, async). Decisions use the limiter's blocking call, bounded by its backend's deadline,
 * on the container's request thread. Thread-safe.
 */
public final class SluiceFilter implements Filter {

  /** The request attribute that holds the {@link Decision} of an allowed request. */
  public static final String DECISION_ATTRIBUTE = "dev.sluice.decision";

  private static final System.Logger LOG = System.getLogger(SluiceFilter.class.getName());

  private final RateLimiter limiter;
  private final List<Rule> rules;
  private final KeyResolver defaultKey;
  private final HeaderStyle headers;
  private final UnresolvedKey unresolvedKey;

  private SluiceFilter(Builder builder) {
    this.limiter = builder.limiter;
    this.rules = List.copyOf(builder.rules);
    this.defaultKey = builder.defaultKey;
    this.headers = builder.headers;
    this.unresolvedKey = builder.unresolvedKey;
  }

  /**
   * A builder of a filter over a limiter.
   *
   * @param limiter the limiter, shared with the rest of the application
   * @return the builder
   */
  public static Builder builder(RateLimiter limiter) {
    if (limiter == null) {
      throw new IllegalArgumentException("limiter must not be null");
    }
    return new Builder(limiter);
  }

  /**
   * The rules, in the order they are tried.
   *
   * @return the rules
   */
  public List<Rule> rules() {
    return rules;
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (!(req instanceof HttpServletRequest request)
        || !(res instanceof HttpServletResponse response)
        || request.getAttribute(DECISION_ATTRIBUTE) != null) {
      chain.doFilter(req, res);
      return;
    }
    Rule rule = match(request);
    if (rule == null) {
      chain.doFilter(req, res);
      return;
    }
    KeyResolver resolver = rule.key() != null ? rule.key() : defaultKey;
    String key = resolver.resolve(request);
    if (key == null || key.isEmpty()) {
      unresolved(request, response, chain, "no value for " + Keys.describe(resolver));
      return;
    }
    Decision decision;
    try {
      decision = limiter.tryAcquire(key, rule.policy(), rule.cost());
    } catch (IllegalArgumentException e) {
      if (Validation.isAbout(e, "key")) {
        unresolved(request, response, chain, e.getMessage());
        return;
      }
      LOG.log(Level.ERROR, "rate limit rule " + rule + " cannot be applied: " + e.getMessage());
      ServletResponses.error(
          response, 500, DecisionJson.error("the rate limit rule cannot be applied", null));
      return;
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "the rate limiter's store failed: " + e);
      ServletResponses.error(
          response, 503, DecisionJson.error("the rate limiter's store failed; retry", null));
      return;
    }
    Policy policy = limiter.policies().get(decision.policy());
    DecisionResponse answer = DecisionResponse.of(decision, policy, rule.cost(), headers);
    if (answer.denied()) {
      ServletResponses.deny(response, answer);
      return;
    }
    request.setAttribute(DECISION_ATTRIBUTE, decision);
    ServletResponses.addHeaders(response, answer);
    boolean async = false;
    try {
      chain.doFilter(req, res);
      async = request.isAsyncStarted();
    } finally {
      String permit = decision.permit();
      if (permit != null && async) {
        request.getAsyncContext().addListener(new Release(key, rule.policy(), permit));
      } else if (permit != null) {
        release(key, rule.policy(), permit);
      }
    }
  }

  /**
   * Ends the permit of a request on a concurrency limit once it is done; a failure is logged (the
   * permit then ends with its lease).
   */
  private void release(String key, String policy, String permit) {
    try {
      limiter.release(key, policy, permit);
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "could not release a concurrency permit; it ends with its lease: " + e.getMessage());
    }
  }

  /** Releases the permit of an asynchronous request when it completes, fails or times out. */
  private final class Release implements AsyncListener {
    private final String key;
    private final String policy;
    private final String permit;

    Release(String key, String policy, String permit) {
      this.key = key;
      this.policy = policy;
      this.permit = permit;
    }

    @Override
    public void onComplete(AsyncEvent event) {
      release(key, policy, permit);
    }

    @Override
    public void onTimeout(AsyncEvent event) {}

    @Override
    public void onError(AsyncEvent event) {}

    @Override
    public void onStartAsync(AsyncEvent event) {
      event.getAsyncContext().addListener(this);
    }
  }

  private Rule match(HttpServletRequest request) {
    String path =
        request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
    for (Rule rule : rules) {
      if (rule.matcher().matches(request.getMethod(), path)) {
        return rule;
      }
    }
    return null;
  }

  private void unresolved(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain, String why)
      throws IOException, ServletException {
    if (unresolvedKey.allow()) {
      chain.doFilter(request, response);
    } else {
      ServletResponses.error(response, unresolvedKey.status(), unresolvedKey.body(why));
    }
  }

  /** Builds a {@link SluiceFilter}. Not thread-safe. */
  public static final class Builder {
    private final RateLimiter limiter;
    private final List<Rule> rules = new ArrayList<>();
    private KeyResolver defaultKey = KeyResolver.ip(0);
    private HeaderStyle headers = HeaderStyle.IETF;
    private UnresolvedKey unresolvedKey = UnresolvedKey.FORBIDDEN;

    private Builder(RateLimiter limiter) {
      this.limiter = limiter;
    }

    /**
     * Adds a rule after those added before.
     *
     * @param rule the rule
     * @return this builder
     */
    public Builder rule(Rule rule) {
      rules.add(rule);
      return this;
    }

    /**
     * Adds rules after those added before.
     *
     * @param rules the rules, in order
     * @return this builder
     */
    public Builder rules(List<Rule> rules) {
      this.rules.addAll(rules);
      return this;
    }

    /**
     * The key of the rules that set none; {@link KeyResolver#ip(int) KeyResolver.ip(0)}, the peer's
     * address, by default.
     *
     * @param defaultKey the resolver
     * @return this builder
     */
    public Builder defaultKey(KeyResolver defaultKey) {
      if (defaultKey == null) {
        throw new IllegalArgumentException("defaultKey must not be null");
      }
      this.defaultKey = defaultKey;
      return this;
    }

    /**
     * Which rate-limit headers to send; {@link HeaderStyle#IETF} by default.
     *
     * @param headers the style
     * @return this builder
     */
    public Builder headers(HeaderStyle headers) {
      if (headers == null) {
        throw new IllegalArgumentException("headers must not be null");
      }
      this.headers = headers;
      return this;
    }

    /**
     * The answer to a request whose key cannot be resolved; {@link UnresolvedKey#FORBIDDEN} (403)
     * by default.
     *
     * @param unresolvedKey the answer
     * @return this builder
     */
    public Builder unresolvedKey(UnresolvedKey unresolvedKey) {
      if (unresolvedKey == null) {
        throw new IllegalArgumentException("unresolvedKey must not be null");
      }
      this.unresolvedKey = unresolvedKey;
      return this;
    }

    /**
     * Builds the filter, checking each rule against the limiter's policies.
     *
     * @return the filter
     * @throws IllegalArgumentException as {@code rules[i].policy ...} if a rule names a policy the
     *     limiter does not have, or {@code rules[i].cost ...} if its cost exceeds the smallest
     *     capacity of its policy (of {@code default} for a rule without a policy)
     */
    public SluiceFilter build() {
      PolicyRegistry registry = limiter.policies();
      for (int i = 0; i < rules.size(); i++) {
        Rule rule = rules.get(i);
        if (rule == null) {
          throw new IllegalArgumentException("rules[" + i + "] must not be null");
        }
        Policy policy = registry.get(rule.policy() != null ? rule.policy() : Policy.DEFAULT);
        if (policy == null && rule.policy() != null) {
          throw new IllegalArgumentException(
              "rules["
                  + i
                  + "].policy must name a policy, one of "
                  + new TreeSet<>(registry.policies().keySet())
                  + ": '"
                  + rule.policy()
                  + "'");
        }
        if (policy != null && rule.cost() > policy.maxCost()) {
          throw new IllegalArgumentException(
              "rules["
                  + i
                  + "].cost must be at most the smallest capacity of policy "
                  + policy.name()
                  + " ("
                  + policy.maxCost()
                  + "): "
                  + rule.cost());
        }
      }
      return new SluiceFilter(this);
    }
  }
}

package dev.sluice.spring;

import dev.sluice.Decision;
import dev.sluice.Policy;
import dev.sluice.RateLimiter;
import dev.sluice.http.DecisionResponse;
import dev.sluice.http.Validation;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;

/**
 * What the MVC and WebFlux interceptors of {@link RateLimited} share: the annotation's checks at
 * start-up, its parsed key expression, and the answer to a decision.
 */
abstract class RateLimitedSupport implements MethodInterceptor {

  private static final ParameterNameDiscoverer NAMES = new DefaultParameterNameDiscoverer();
  private static final SpelExpressionParser PARSER = new SpelExpressionParser();

  private final Map<Method, Target> targets = new ConcurrentHashMap<>();
  private final BeanFactory beans;

  RateLimitedSupport(BeanFactory beans) {
    this.beans = beans;
  }

  /**
   * A bean, looked up when first needed: the interceptor is made with the post-processors, before
   * the limiter and the settings exist.
   */
  <T> T bean(Class<T> type) {
    return beans.getBean(type);
  }

  /** The limiter. */
  RateLimiter limiter() {
    return bean(RateLimiter.class);
  }

  /** The web settings. */
  Settings.Http http() {
    return bean(Settings.class).http();
  }

  /** A method's annotation, checked and with its expression parsed. */
  record Target(RateLimited annotation, String policy, Expression key) {}

  /**
   * Checks an annotated method: its policy exists, its cost fits, its key parses.
   *
   * @throws IllegalStateException naming the method if not
   */
  Target check(Method method) {
    return targets.computeIfAbsent(
        method,
        m -> {
          RateLimited annotation = AnnotatedElementUtils.findMergedAnnotation(m, RateLimited.class);
          String where = "@RateLimited on " + m.getDeclaringClass().getName() + "." + m.getName();
          String policy = annotation.policy().isEmpty() ? null : annotation.policy();
          var registry = limiter().policies();
          Policy named = registry.get(policy != null ? policy : Policy.DEFAULT);
          if (named == null && policy != null) {
            throw new IllegalStateException(
                where
                    + ": policy must name a policy, one of "
                    + new TreeSet<>(registry.policies().keySet())
                    + ": '"
                    + policy
                    + "'");
          }
          long max = named == null ? Long.MAX_VALUE : named.maxCost();
          if (annotation.cost() < 1 || annotation.cost() > max) {
            throw new IllegalStateException(
                where
                    + ": cost must be between 1 and "
                    + max
                    + (named == null ? "" : ", the smallest capacity of policy " + named.name())
                    + ": "
                    + annotation.cost());
          }
          Expression key = null;
          if (!annotation.key().isBlank()) {
            try {
              key = PARSER.parseExpression(annotation.key());
            } catch (ParseException | IllegalStateException e) {
              throw new IllegalStateException(
                  where + ": key must be a valid SpEL expression: " + e.getMessage(), e);
            }
          }
          checkMethod(where, m);
          return new Target(annotation, policy, key);
        });
  }

  /** Stack-specific checks of an annotated method. */
  void checkMethod(String where, Method method) {}

  /** The key expression's value for a call, or {@code null}. */
  String evaluate(Target target, MethodInvocation invocation, Object request) {
    MethodBasedEvaluationContext context =
        new MethodBasedEvaluationContext(
            request, invocation.getMethod(), invocation.getArguments(), NAMES);
    context.setVariable("request", request);
    context.setBeanResolver(new BeanFactoryResolver(beans));
    Object value = target.key().getValue(context);
    return value == null ? null : value.toString();
  }

  /**
   * The answer to a decision: headers to add when allowed, or the refusal to throw.
   *
   * @throws RateLimitedException if denied
   */
  DecisionResponse answer(Decision decision, Target target) {
    Policy policy = limiter().policies().get(decision.policy());
    DecisionResponse answer =
        DecisionResponse.of(decision, policy, target.annotation().cost(), http().headers());
    if (answer.denied()) {
      throw RateLimitedException.denied(answer);
    }
    return answer;
  }

  /** The refusal of a call without a key. */
  RateLimitedException unresolved(String why) {
    return new RateLimitedException(
        http().unresolvedKey().status(),
        Map.of("Cache-Control", DecisionResponse.NO_STORE),
        http().unresolvedKey().body(why));
  }

  /** Whether a failed decision is about the key (too long, not Unicode): no key then. */
  static boolean aboutKey(Throwable error) {
    return error instanceof IllegalArgumentException e && Validation.isAbout(e, "key");
  }
}

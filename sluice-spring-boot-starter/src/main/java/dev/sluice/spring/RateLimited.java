package dev.sluice.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Limits a controller method (Spring MVC or WebFlux): each call spends {@link #cost()} tokens of
 * {@link #key()}'s budget under {@link #policy()}, before the method runs. A denial is the same 429
 * as the rules' (headers and JSON body); an allowed call's response carries the rate-limit headers.
 *
 * <pre>{@code
 * @PostMapping("/orders/{tenant}")
 * @RateLimited(policy = "orders", key = "#tenant", cost = 2)
 * Order create(@PathVariable String tenant, @RequestBody Order order) { ... }
 * }</pre>
 *
 * <p>The key is a SpEL expression with the method's parameters by name ({@code #tenant}), the
 * request as {@code #request} and as the root object ({@code HttpServletRequest} in MVC, {@code
 * ServerHttpRequest} in WebFlux), and beans as {@code @name}; empty means the application's key
 * resolver (the client address by default). A key that evaluates to nothing gets the {@code
 * sluice.http.unresolved-key} answer (403 by default). In WebFlux the method must return a {@code
 * Mono} or {@code Flux}, since the decision is asynchronous; in MVC any return type works. The
 * policy, the cost and the expression are checked when the application starts.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface RateLimited {

  /**
   * The policy.
   *
   * @return its name; empty for the client's override, else {@code default}
   */
  String policy() default "";

  /**
   * The key, a SpEL expression.
   *
   * @return the expression; empty for the application's key resolver
   */
  String key() default "";

  /**
   * The tokens one call spends.
   *
   * @return from 1 to the smallest capacity of the policy
   */
  long cost() default 1;
}

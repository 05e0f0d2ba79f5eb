package dev.sluice.spring;

import dev.sluice.Decision;
import dev.sluice.http.DecisionResponse;
import dev.sluice.servlet.KeyResolver;
import dev.sluice.servlet.ServletResponses;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * {@link RateLimited} in Spring MVC: decides on the request thread (bounded by the backend's
 * deadline) before the method runs.
 */
final class ServletRateLimitedInterceptor extends RateLimitedSupport {

  ServletRateLimitedInterceptor(BeanFactory beans) {
    super(beans);
  }

  @Override
  public Object invoke(MethodInvocation invocation) throws Throwable {
    if (!(RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes web)) {
      return invocation.proceed(); // called outside a web request, such as from a test or a job
    }
    Target target = check(invocation.getMethod());
    HttpServletRequest request = web.getRequest();
    String key =
        target.key() == null
            ? bean(KeyResolver.class).resolve(request)
            : evaluate(target, invocation, request);
    if (key == null || key.isEmpty()) {
      if (http().unresolvedKey().allow()) {
        return invocation.proceed();
      }
      throw unresolved("no value for the @RateLimited key");
    }
    Decision decision;
    try {
      decision = limiter().tryAcquire(key, target.policy(), target.annotation().cost());
    } catch (IllegalArgumentException e) {
      if (aboutKey(e)) {
        throw unresolved(e.getMessage());
      }
      throw e;
    }
    DecisionResponse answer = answer(decision, target);
    HttpServletResponse response = web.getResponse();
    if (response != null) {
      ServletResponses.addHeaders(response, answer);
    }
    try {
      return invocation.proceed();
    } finally {
      if (decision.permit() != null) {
        Permits.release(limiter(), key, target.policy(), decision.permit());
      }
    }
  }
}

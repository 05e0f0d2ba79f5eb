package dev.sluice.spring;

import java.lang.reflect.Method;
import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Proxies the beans that have {@link RateLimited} methods (class-based proxies, so that controllers
 * stay controllers), after checking each annotation: a bad policy, cost or key stops the start-up.
 */
final class RateLimitedPostProcessor extends AbstractBeanFactoryAwareAdvisingPostProcessor {

  private static final long serialVersionUID = 1L;

  private final transient RateLimitedSupport interceptor;

  RateLimitedPostProcessor(RateLimitedSupport interceptor) {
    this.interceptor = interceptor;
    this.advisor =
        new DefaultPointcutAdvisor(
            AnnotationMatchingPointcut.forMethodAnnotation(RateLimited.class), interceptor);
    setProxyTargetClass(true);
    setBeforeExistingAdvisors(true);
  }

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) {
    Class<?> type = AopUtils.getTargetClass(bean);
    for (Method method : ReflectionUtils.getUniqueDeclaredMethods(type)) {
      if (AnnotatedElementUtils.hasAnnotation(method, RateLimited.class)) {
        interceptor.check(method);
      }
    }
    return super.postProcessAfterInitialization(bean, beanName);
  }
}

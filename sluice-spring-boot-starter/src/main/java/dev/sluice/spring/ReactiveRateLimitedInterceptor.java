package dev.sluice.spring;

import dev.sluice.http.DecisionResponse;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import org.aopalliance.intercept.MethodInvocation;
import org.reactivestreams.Publisher;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.web.filter.reactive.ServerWebExchangeContextFilter;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@link RateLimited} in WebFlux: the method's {@code Mono} or {@code Flux} first waits for the
 * asynchronous decision (never blocking the event loop), then runs. The exchange comes from the
 * Reactor context ({@link ServerWebExchangeContextFilter}).
 */
final class ReactiveRateLimitedInterceptor extends RateLimitedSupport {

  ReactiveRateLimitedInterceptor(BeanFactory beans) {
    super(beans);
  }

  @Override
  void checkMethod(String where, Method method) {
    if (!Mono.class.isAssignableFrom(method.getReturnType())
        && !Flux.class.isAssignableFrom(method.getReturnType())) {
      throw new IllegalStateException(
          where
              + ": a WebFlux method must return a Mono or a Flux, since the decision is"
              + " asynchronous: "
              + method.getReturnType().getName());
    }
  }

  @Override
  public Object invoke(MethodInvocation invocation) throws Throwable {
    Target target = check(invocation.getMethod());
    Mono<Runnable> decided =
        Mono.deferContextual(
            context -> {
              Optional<ServerWebExchange> exchange =
                  ServerWebExchangeContextFilter.getExchange(context);
              if (exchange.isEmpty()) {
                return Mono.just(
                    ReactiveRateLimitedInterceptor::nothing); // not a web request: nothing to limit
              }
              return decide(target, invocation, exchange.get());
            });
    // The method's publisher holds the permit of a concurrency limit until it ends.
    if (Mono.class.isAssignableFrom(invocation.getMethod().getReturnType())) {
      return decided.flatMap(
          release -> Mono.from(proceed(invocation)).doFinally(signal -> release.run()));
    }
    return decided.flatMapMany(
        release -> Flux.from(proceed(invocation)).doFinally(signal -> release.run()));
  }

  /** The release of a request that holds no permit. */
  private static void nothing() {}

  /** Decides; answers what releases the request's permit when it is done. */
  private Mono<Runnable> decide(
      Target target, MethodInvocation invocation, ServerWebExchange exchange) {
    Mono<String> key =
        target.key() == null
            ? bean(ReactiveKeyResolver.class).resolve(exchange)
            : Mono.justOrEmpty(evaluate(target, invocation, exchange.getRequest()));
    return key.filter(value -> !value.isEmpty())
        .map(Optional::of)
        .defaultIfEmpty(Optional.empty())
        .flatMap(
            found -> {
              if (found.isEmpty()) {
                return http().unresolvedKey().allow()
                    ? Mono.just(ReactiveRateLimitedInterceptor::nothing)
                    : Mono.error(unresolved("no value for the @RateLimited key"));
              }
              return Mono.fromCompletionStage(
                      () ->
                          limiter()
                              .tryAcquireAsync(
                                  found.get(), target.policy(), target.annotation().cost()))
                  .onErrorMap(RateLimitedSupport::aboutKey, e -> unresolved(e.getMessage()))
                  .map(
                      decision -> {
                        DecisionResponse answer = answer(decision, target);
                        Map<String, String> headers = answer.headers();
                        headers.forEach(exchange.getResponse().getHeaders()::set);
                        String permit = decision.permit();
                        return permit == null
                            ? (Runnable) ReactiveRateLimitedInterceptor::nothing
                            : (Runnable)
                                () ->
                                    Permits.release(
                                        limiter(), found.get(), target.policy(), permit);
                      });
            });
  }

  @SuppressWarnings("unchecked")
  private static Publisher<Object> proceed(MethodInvocation invocation) {
    try {
      Object result = invocation.proceed();
      return result == null ? Mono.empty() : (Publisher<Object>) result;
    } catch (Throwable e) {
      return Mono.error(e);
    }
  }
}

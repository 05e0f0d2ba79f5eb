package dev.sluice.spring;

import dev.sluice.http.ClientAddress;
import java.net.InetSocketAddress;
import java.security.Principal;
import java.util.List;
import org.springframework.expression.spel.support.SimpleEvaluationContext;
import org.springframework.http.server.reactive.ServerHttpRequest;
import reactor.core.publisher.Mono;

/** The built-in keys in WebFlux, as the servlet filter resolves them. */
final class ReactiveKeys {

  private ReactiveKeys() {}

  /** The client address behind {@code trustedProxies} proxies. */
  static ReactiveKeyResolver ip(int trustedProxies) {
    return exchange -> {
      ServerHttpRequest request = exchange.getRequest();
      InetSocketAddress remote = request.getRemoteAddress();
      if (remote == null) {
        return Mono.empty();
      }
      String peer =
          remote.getAddress() != null
              ? remote.getAddress().getHostAddress()
              : remote.getHostString();
      return Mono.justOrEmpty(
          ClientAddress.resolve(
              peer,
              values(request, "Forwarded"),
              values(request, "X-Forwarded-For"),
              trustedProxies));
    };
  }

  private static List<String> values(ServerHttpRequest request, String name) {
    List<String> values = request.getHeaders().get(name);
    return values == null ? List.of() : values;
  }

  /** A rule's key as a reactive key resolver. */
  static ReactiveKeyResolver resolver(KeySpec key, Settings settings) {
    if (key instanceof KeySpec.Ip) {
      return ip(settings.http().forwardedByServer() ? 0 : settings.http().trustedProxies());
    }
    if (key instanceof KeySpec.Header header) {
      return exchange ->
          Mono.justOrEmpty(exchange.getRequest().getHeaders().getFirst(header.name()))
              .map(String::trim);
    }
    if (key instanceof KeySpec.Principal) {
      return exchange -> exchange.getPrincipal().map(Principal::getName);
    }
    KeySpec.Spel spel = (KeySpec.Spel) key;
    return exchange ->
        Mono.fromSupplier(
            () -> {
              Object value =
                  spel.expression()
                      .getValue(
                          SimpleEvaluationContext.forReadOnlyDataBinding()
                              .withInstanceMethods()
                              .withRootObject(exchange.getRequest())
                              .build());
              return value == null ? null : value.toString();
            });
  }

  /** How a key is named in messages. */
  static String describe(KeySpec key) {
    if (key == null) {
      return "the application's key resolver";
    }
    if (key instanceof KeySpec.Header header) {
      return "header:" + header.name();
    }
    if (key instanceof KeySpec.Spel spel) {
      return "spel:" + spel.source();
    }
    return key instanceof KeySpec.Ip ? "ip" : "principal";
  }
}

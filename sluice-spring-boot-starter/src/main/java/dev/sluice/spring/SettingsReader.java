package dev.sluice.spring;

import static dev.sluice.spring.PropertyChecks.check;
import static dev.sluice.spring.PropertyChecks.invalid;

import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.PolicyRegistry;
import dev.sluice.http.ClientAddress;
import dev.sluice.http.HeaderStyle;
import dev.sluice.http.RequestMatcher;
import dev.sluice.http.UnresolvedKey;
import dev.sluice.http.Validation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Validates {@link SluiceProperties} into {@link Settings}, failing on the first problem with an
 * {@link InvalidPropertyException} that names the property ({@code sluice.policies.free.refill must
 * be ...}).
 *
 * <p>The vocabulary and the ranges are those of {@code sluice serve}'s configuration file
 * (docs/configuration.md); the core's own validation messages are reused, with the property's path
 * in place of the parameter's name ({@link Validation} reads the parameter). The policies are read
 * by {@link PolicyReader}, the store by {@link StoreReader}; the clients, the web filters' rules
 * and the gateway's routes here, against the policies read.
 */
final class SettingsReader {

  private SettingsReader() {}

  /**
   * Validates the properties.
   *
   * @param properties the bound properties
   * @param forwardHeadersStrategy the value of {@code server.forward-headers-strategy}, or {@code
   *     null}
   * @return the settings
   * @throws InvalidPropertyException for the first invalid property
   */
  static Settings read(SluiceProperties properties, String forwardHeadersStrategy) {
    PolicyRegistry.Builder registry = PolicyRegistry.builder();
    PolicyReader reader = new PolicyReader();
    Map<String, Policy> policies = reader.policies(properties.getPolicies());
    policies.values().forEach(registry::policy);
    properties
        .getClients()
        .forEach(
            (key, name) -> {
              String path = "sluice.clients." + key;
              if (name == null || !policies.containsKey(name)) {
                throw invalid(
                    path,
                    path
                        + " must name a policy, one of "
                        + new TreeSet<>(policies.keySet())
                        + ": '"
                        + name
                        + "'");
              }
              check("sluice.clients", () -> registry.client(key, name));
            });
    Settings.Store store = StoreReader.read(properties.getStore());
    if (store.redis() && store.transaction() && !reader.hybrid().isEmpty()) {
      String path = "sluice.policies." + reader.hybrid().iterator().next() + ".hybrid";
      throw invalid(path, path + " needs sluice.store.mode lua: leases are taken by a script");
    }
    PolicyRegistry built = registry.build();
    return new Settings(
        built,
        reader.onFailures(),
        reader.timeouts(),
        Set.copyOf(reader.hybrid()),
        store,
        http(properties.getHttp(), built, forwardHeadersStrategy),
        routes(properties.getGateway(), built));
  }

  private static Settings.Http http(
      HttpProperties http, PolicyRegistry policies, String forwardHeadersStrategy) {
    int trusted = http.getTrustedProxies();
    check(
        "sluice.http.trusted-proxies",
        () -> ClientAddress.checkTrustedProxies("sluice.http.trusted-proxies", trusted));
    boolean forwardedByServer =
        forwardHeadersStrategy != null && !forwardHeadersStrategy.trim().equalsIgnoreCase("none");
    if (forwardedByServer && trusted > 0) {
      throw invalid(
          "sluice.http.trusted-proxies",
          "sluice.http.trusted-proxies must be 0 when server.forward-headers-strategy is "
              + forwardHeadersStrategy.trim()
              + ": the server already resolves the client address from the forwarded headers: "
              + trusted);
    }
    HeaderStyle headers =
        check(
            "sluice.http.headers",
            () -> HeaderStyle.parse("sluice.http.headers", http.getHeaders()));
    UnresolvedKey unresolvedKey =
        check(
            "sluice.http.unresolved-key",
            () -> UnresolvedKey.parse("sluice.http.unresolved-key", http.getUnresolvedKey()));
    List<Settings.Rule> rules = new ArrayList<>();
    for (int i = 0; i < http.getRules().size(); i++) {
      RuleProperties rule = http.getRules().get(i);
      String path = "sluice.http.rules[" + i + "]";
      RequestMatcher matcher =
          check(path + ".path", () -> RequestMatcher.of(path, rule.getPath(), rule.getMethods()));
      KeySpec key = rule.getKey() == null ? null : KeySpec.parse(path + ".key", rule.getKey());
      long cost = cost(path, rule.getPolicy(), rule.getCost(), policies);
      rules.add(new Settings.Rule(matcher, key, rule.getPolicy(), cost));
    }
    return new Settings.Http(
        http.isEnabled(),
        List.copyOf(rules),
        trusted,
        forwardedByServer,
        headers,
        unresolvedKey,
        http.getFilterOrder());
  }

  private static Map<String, Settings.Route> routes(
      GatewayProperties gateway, PolicyRegistry policies) {
    Map<String, Settings.Route> routes = new LinkedHashMap<>();
    gateway
        .getRoutes()
        .forEach(
            (id, route) -> {
              String path = "sluice.gateway.routes." + id;
              Policy named =
                  policies.get(route.getPolicy() != null ? route.getPolicy() : Policy.DEFAULT);
              if (named != null && named.holdsPermits()) {
                throw invalid(
                    path + ".policy",
                    path
                        + ".policy must not have a concurrency limit: the gateway's"
                        + " RequestRateLimiter has no end of request to release a permit at: '"
                        + named.name()
                        + "'");
              }
              routes.put(
                  id,
                  new Settings.Route(
                      route.getPolicy(), cost(path, route.getPolicy(), route.getCost(), policies)));
            });
    return Map.copyOf(routes);
  }

  /** Checks that a rule's or route's policy exists and that its cost fits it. */
  private static long cost(String path, String policy, Long cost, PolicyRegistry policies) {
    Policy named = policies.get(policy != null ? policy : Policy.DEFAULT);
    if (named == null && policy != null) {
      throw invalid(
          path + ".policy",
          path
              + ".policy must name a policy, one of "
              + new TreeSet<>(policies.policies().keySet())
              + ": '"
              + policy
              + "'");
    }
    long value = cost == null ? 1 : cost;
    long max = named == null ? Limit.MAX_CAPACITY : named.maxCost();
    if (value < 1 || value > max) {
      throw invalid(
          path + ".cost",
          path
              + ".cost must be between 1 and "
              + max
              + (named == null ? "" : ", the smallest capacity of policy " + named.name())
              + ": "
              + value);
    }
    return value;
  }
}

package dev.sluice.server;

import dev.sluice.Limit;
import dev.sluice.Policy;
import dev.sluice.PolicyRegistry;
import dev.sluice.Rate;
import dev.sluice.ResilientBackend;
import java.time.Duration;
import java.util.Map;
import java.util.TreeSet;

/**
 * The configuration of {@code sluice serve}, validated: what a {@code sluice.yaml} holds (see
 * {@code docs/configuration.md}), or the defaults.
 *
 * @param policies the policies and client overrides
 * @param store where buckets live
 * @param host the address to listen on
 * @param port the port to listen on; 0 picks a free one
 * @param adminToken the bearer token of the admin endpoints; {@code null} turns them off
 * @param storeOptions per policy, how the Redis store treats it; policies without an entry use the
 *     store's settings
 * @param maxWait the longest wait an acquire may ask for in its body; 0 turns waiting off
 * @param rls Envoy's rate limit service: off unless its configuration is given
 */
record ServerConfig(
    PolicyRegistry policies,
    StoreConfig store,
    String host,
    int port,
    String adminToken,
    Map<String, PolicyStoreOptions> storeOptions,
    Duration maxWait,
    RlsSettings rls) {

  /**
   * How the Redis store treats one policy.
   *
   * @param onFailure what answers for this policy when the store cannot; {@code null} for the
   *     store's
   * @param timeout this policy's deadline; {@code null} for the store's
   * @param hybrid whether this instance leases the policy's tokens in batches (hybrid mode)
   */
  record PolicyStoreOptions(
      ResilientBackend.OnFailure onFailure, Duration timeout, boolean hybrid) {}

  /** The default port. */
  static final int DEFAULT_PORT = 8080;

  /** The default longest wait of an acquire ({@code server.max-wait}). */
  static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(10);

  /** The default address: every interface. */
  static final String DEFAULT_HOST = "0.0.0.0";

  /** The seed's policy: a token bucket of 10, refilled at 1 per second. */
  static final Policy DEFAULT_POLICY =
      Policy.of(Policy.DEFAULT, Limit.tokenBucket(10, Rate.perSecond(1)));

  /**
   * The configuration without a file: in memory, the seed's {@code default} policy, port 8080, no
   * admin endpoints.
   */
  static ServerConfig defaults() {
    return new ServerConfig(
        PolicyRegistry.of(DEFAULT_POLICY),
        StoreConfig.MEMORY,
        DEFAULT_HOST,
        DEFAULT_PORT,
        null,
        Map.of(),
        DEFAULT_MAX_WAIT,
        RlsSettings.DEFAULT);
  }

  ServerConfig withPort(int newPort) {
    return new ServerConfig(policies, store, host, newPort, adminToken, storeOptions, maxWait, rls);
  }

  ServerConfig withHost(String newHost) {
    return new ServerConfig(policies, store, newHost, port, adminToken, storeOptions, maxWait, rls);
  }

  ServerConfig withStore(StoreConfig newStore) {
    return new ServerConfig(policies, newStore, host, port, adminToken, storeOptions, maxWait, rls);
  }

  ServerConfig withMaxWait(Duration newMaxWait) {
    return new ServerConfig(policies, store, host, port, adminToken, storeOptions, newMaxWait, rls);
  }

  ServerConfig withRls(RlsSettings newRls) {
    return new ServerConfig(policies, store, host, port, adminToken, storeOptions, maxWait, newRls);
  }

  ServerConfig withAdminToken(String token) {
    return new ServerConfig(policies, store, host, port, token, storeOptions, maxWait, rls);
  }

  /**
   * Checks a bearer token: 1 to 256 visible ASCII characters, no spaces.
   *
   * @throws IllegalArgumentException if it is not
   */
  static String checkToken(String param, String token) {
    if (token.isEmpty()
        || token.length() > 256
        || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException(
          param
              + " must be 1 to 256 visible ASCII characters without spaces: "
              + token.length()
              + " characters");
    }
    return token;
  }

  /**
   * A one-line summary, such as {@code 2 policies (default, free), 1 client override, store memory,
   * port 8080}.
   */
  String summary() {
    int policyCount = policies.policies().size();
    int clientCount = policies.clients().size();
    return policyCount
        + (policyCount == 1 ? " policy " : " policies ")
        + new TreeSet<>(policies.policies().keySet()).toString().replace('[', '(').replace(']', ')')
        + ", "
        + clientCount
        + (clientCount == 1 ? " client override" : " client overrides")
        + ", store "
        + store.describe()
        + ", port "
        + port
        + ", admin "
        + (adminToken == null ? "off" : "on");
  }
}

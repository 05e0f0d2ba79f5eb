/**
 * Envoy's global rate limit service (RLS v3) on Sluice: the configuration model of
 * envoyproxy/ratelimit ({@link dev.sluice.envoy.RlsConfig}: domains of nested descriptors), its
 * matching, and {@link dev.sluice.envoy.RlsService}, the {@code ShouldRateLimit} service over a
 * {@link dev.sluice.RateLimiter}. The wire messages are generated from the project's own {@code
 * .proto} files (Envoy's package names and field numbers) into {@code dev.sluice.envoy.proto.*}.
 */
@NullMarked
package dev.sluice.envoy;

import org.jspecify.annotations.NullMarked;

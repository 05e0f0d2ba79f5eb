/**
 * Sluice's API: a {@link dev.sluice.RateLimiter} deciding requests under {@link dev.sluice.Policy
 * policies} of {@link dev.sluice.Limit limits}, on a {@link dev.sluice.Backend} (in memory, or a
 * store shared by a fleet), with {@link dev.sluice.ResilientBackend} in front of a store that may
 * fail. Parameters and results are never null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.sluice;

import org.jspecify.annotations.NullMarked;

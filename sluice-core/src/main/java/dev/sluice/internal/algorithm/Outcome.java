package dev.sluice.internal.algorithm;

/**
 * The result of one algorithm step.
 *
 * @param state the state to store if the request is committed; when denied, a state equivalent to
 *     the stored one, such as the stored one itself or the same brought up to date (storing it is
 *     allowed but never needed)
 * @param allowed whether the request fits
 * @param remaining what is left after this request if allowed, else what is left now
 * @param retryAfter microseconds until the same request would be allowed; 0 when allowed
 * @param resetAfter microseconds until the key is back to its fresh state (full bucket, empty
 *     window) if nothing else is admitted: the lossless expiry of the stored key
 */
public record Outcome(
    State state, boolean allowed, long remaining, long retryAfter, long resetAfter) {}

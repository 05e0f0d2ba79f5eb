package dev.sluice.spring;

import dev.sluice.RateLimiter;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/** Ends the permits that requests on concurrency limits hold, when the requests are done. */
final class Permits {

  private static final Log LOG = LogFactory.getLog(Permits.class);

  private Permits() {}

  /**
   * Releases a permit without waiting for the store; a failure is logged, and the permit then ends
   * with its lease.
   */
  static void release(RateLimiter limiter, String key, String policy, String permit) {
    limiter
        .releaseAsync(key, policy, permit)
        .whenComplete(
            (done, error) -> {
              if (error != null) {
                LOG.warn(
                    "could not release a concurrency permit; it ends with its lease: " + error);
              }
            });
  }
}

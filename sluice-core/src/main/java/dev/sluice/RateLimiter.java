package dev.sluice;

import dev.sluice.internal.Checks;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether a client may spend tokens now: the entry point of Sluice.
 *
 * <pre>{@code
 * RateLimiter limiter = RateLimiter.create(Limit.tokenBucket(10, Rate.perSecond(1)));
 * if (limiter.tryAcquire("user123").allowed()) { ... }
 * }</pre>
 *
 * <p>{@code tryAcquire} never waits for tokens: it answers at once with a {@link Decision}, allowed
 * or not, and consumes the cost only when allowed. A denial is a value, not an exception;
 * exceptions are for invalid arguments ({@link IllegalArgumentException}, nothing consumed) and for
 * backend failures. Each request is resolved to a policy by the {@link PolicyRegistry}: the
 * client's override, else the policy named, else {@code default}.
 *
 * <p>Thread-safe; one instance is meant to be shared by a whole application.
 */
public final class RateLimiter implements AutoCloseable {

  /** The most requests one {@link #tryAcquireAll} batch may hold. */
  public static final int MAX_BATCH = 64;

  /** The longest a waiting acquire may wait. */
  public static final Duration MAX_WAIT = Duration.ofHours(1);

  private final Backend backend;
  private final LimiterCalls calls;

  private RateLimiter(
      Backend backend, PolicyRegistry policies, DecisionListener listener, TimeSource time) {
    this.backend = backend;
    this.calls = new LimiterCalls(backend, policies, listener, time);
  }

  /**
   * A limiter with one {@code default} policy of the given limits, in memory, on the system clock.
   *
   * @param limits the limits of the default policy
   * @return the limiter
   * @throws IllegalArgumentException if there is no limit or more than {@link Policy#MAX_LIMITS}
   */
  public static RateLimiter create(Limit... limits) {
    return builder().policy(Policy.of(Policy.DEFAULT, limits)).build();
  }

  /**
   * A builder for policies, backend, clock and listener.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Asks for one token for {@code key}.
   *
   * @param key the client key: 1 to 512 UTF-8 bytes, any characters
   * @return the decision
   * @throws IllegalArgumentException if the key is invalid or no policy applies
   */
  public Decision tryAcquire(String key) {
    return tryAcquire(key, null, 1);
  }

  /**
   * Asks for {@code cost} tokens for {@code key}.
   *
   * @param key the client key: 1 to 512 UTF-8 bytes, any characters
   * @param cost from 1 to the smallest capacity of the policy
   * @return the decision
   * @throws IllegalArgumentException if the key or cost is invalid or no policy applies
   */
  public Decision tryAcquire(String key, long cost) {
    return tryAcquire(key, null, cost);
  }

  /**
   * Asks for {@code cost} tokens for {@code key} under a named policy (unless the client has an
   * override).
   *
   * @param key the client key: 1 to 512 UTF-8 bytes, any characters
   * @param policy the policy name, or {@code null} for the client's override or {@code default}
   * @param cost from 1 to the smallest capacity of the policy
   * @return the decision
   * @throws IllegalArgumentException if the key, policy or cost is invalid
   */
  public Decision tryAcquire(String key, @Nullable String policy, long cost) {
    return calls.tryAcquire(key, policy, cost);
  }

  /**
   * Asks for {@code cost} tokens without blocking the calling thread on the backend.
   *
   * @param key the client key
   * @param policy the policy name, or {@code null}
   * @param cost the cost
   * @return the decision; a stage failed with {@link IllegalArgumentException} for invalid input,
   *     or with the backend's exception
   */
  public CompletionStage<Decision> tryAcquireAsync(String key, @Nullable String policy, long cost) {
    return calls.tryAcquireAsync(key, policy, cost);
  }

  /**
   * Asks for {@code cost} tokens under the client's policy without blocking the calling thread.
   *
   * @param key the client key
   * @param cost the cost
   * @return the decision
   */
  public CompletionStage<Decision> tryAcquireAsync(String key, long cost) {
    return tryAcquireAsync(key, null, cost);
  }

  /**
   * Asks for {@code cost} tokens and waits, up to {@code maxWait}, until they are granted.
   *
   * <p>It never spins: a denial says when the same request could pass ({@link
   * Decision#retryAfter()}), so it sleeps that long and asks again; on a shared store, concurrent
   * waiters (in this process or others) therefore still get exact answers, and some of them may
   * find the tokens taken and wait again. When the next try would come after {@code maxWait}, it
   * answers the denial at once instead of waiting in vain. Fairness among waiters is not promised:
   * whoever asks first after a refill wins.
   *
   * <p>Interruptible while it sleeps: it then returns the last denial with the thread's interrupt
   * flag set, having consumed nothing (a store call already sent may still count). The wait is
   * measured on the limiter's {@link Builder#timeSource clock}.
   *
   * @param key the client key
   * @param policy the policy name, or {@code null} for the client's override or {@code default}
   * @param cost from 1 to the smallest capacity of the policy
   * @param maxWait how long to wait at most, from 0 (one try) to {@link #MAX_WAIT}
   * @return the first allowed decision, or the denial that would have needed a longer wait
   * @throws IllegalArgumentException if the key, policy, cost or wait is invalid
   * @throws BackendException if the backend failed
   */
  public Decision acquire(String key, @Nullable String policy, long cost, Duration maxWait) {
    return calls.acquire(key, policy, cost, maxWait);
  }

  /**
   * {@link #acquire} without holding a thread while it waits: the stage completes with the first
   * allowed decision or the denial that would have needed a longer wait; the tries in between are
   * scheduled on the limiter's clock.
   *
   * @param key the client key
   * @param policy the policy name, or {@code null}
   * @param cost the cost
   * @param maxWait how long to wait at most, from 0 to {@link #MAX_WAIT}
   * @return the decision; a stage failed with {@link IllegalArgumentException} for invalid input,
   *     or with the backend's exception
   */
  public CompletionStage<Decision> acquireAsync(
      String key, @Nullable String policy, long cost, Duration maxWait) {
    return calls.acquireAsync(key, policy, cost, maxWait);
  }

  /**
   * Gives back {@code cost} that a request took and did not use (it failed, it read less than it
   * paid for), to every limit of the policy: a token or leaky bucket gets the tokens back up to its
   * capacity, a fixed or sliding window its current window's count down to zero, a sliding log its
   * latest entries. Refunds are the caller's to make, like acquires: a service exposing them must
   * not let its own clients call them.
   *
   * @param key the client key
   * @param policy the policy name, or {@code null} for the client's override or {@code default}
   * @param cost from 1 to the smallest capacity of the policy
   * @return what a peek answers after the refund
   * @throws IllegalArgumentException if the key, policy or cost is invalid
   * @throws BackendException if the backend failed
   */
  public Decision refund(String key, @Nullable String policy, long cost) {
    return calls.refund(key, policy, cost);
  }

  /**
   * {@link #refund} without blocking the calling thread on the backend.
   *
   * @param key the client key
   * @param policy the policy name, or {@code null}
   * @param cost what to give back
   * @return what a peek answers after the refund; a stage failed with {@link
   *     IllegalArgumentException} for invalid input, or with the backend's exception
   */
  public CompletionStage<Decision> refundAsync(String key, @Nullable String policy, long cost) {
    return calls.refundAsync(key, policy, cost);
  }

  /**
   * Ends a permit that an allowed request holds on its policy's concurrency limit ({@link
   * Decision#permit()}), so that another request may start: call it when the work is done, in a
   * {@code finally} block. A permit not released ends with its lease. An unknown, expired or
   * already released permit changes nothing. Releases are the caller's to make, like acquires.
   *
   * @param key the client key the permit was granted to
   * @param policy the policy name it was granted under, or {@code null} for the client's override
   *     or {@code default}
   * @param permit the permit
   * @throws IllegalArgumentException if the key or policy is invalid
   * @throws BackendException if the backend failed
   */
  public void release(String key, @Nullable String policy, String permit) {
    calls.release(key, policy, permit);
  }

  /**
   * {@link #release} without blocking the calling thread on the backend.
   *
   * @param key the client key
   * @param policy the policy name, or {@code null}
   * @param permit the permit
   * @return completed when done; failed with {@link IllegalArgumentException} for invalid input, or
   *     with the backend's exception
   */
  public CompletionStage<Void> releaseAsync(String key, @Nullable String policy, String permit) {
    return calls.releaseAsync(key, policy, permit);
  }

  /**
   * Decides several requests at once, all or nothing: if every request fits, each is consumed; if
   * any does not, none is. The decisions come in the order of the requests, and the batch was
   * consumed if and only if every decision is allowed; in a batch that was not, each decision is
   * what its request alone would be answered now (see {@link Backend#tryAcquireAllAsync}). A
   * request of cost 0 looks without consuming and is always allowed.
   *
   * <p>The policies are given, not named: they need not be registered with this limiter (client
   * overrides do not apply). A batch of several requests needs every policy in one {@linkplain
   * Policy.Builder#group(String) group}, whose keys are stored together (on Redis Cluster: on one
   * node). The listener hears every decision.
   *
   * @param requests 1 to {@value #MAX_BATCH} requests, no key twice under one policy
   * @return one decision per request
   * @throws IllegalArgumentException if the batch is invalid
   * @throws BackendException if the backend failed
   */
  public List<Decision> tryAcquireAll(List<Acquire> requests) {
    return calls.tryAcquireAll(requests);
  }

  /**
   * {@link #tryAcquireAll} without blocking the calling thread on the backend.
   *
   * @param requests 1 to {@value #MAX_BATCH} requests, no key twice under one policy
   * @return one decision per request; a stage failed with {@link IllegalArgumentException} for an
   *     invalid batch, or with the backend's exception
   */
  public CompletionStage<List<Decision>> tryAcquireAllAsync(List<Acquire> requests) {
    return calls.tryAcquireAllAsync(requests);
  }

  /**
   * The state of {@code key} without consuming anything.
   *
   * @param key the client key
   * @return what a cost-1 request would get now, with the current remaining
   * @throws IllegalArgumentException if the key is invalid or no policy applies
   */
  public Decision peek(String key) {
    return peek(key, null);
  }

  /**
   * The state of {@code key} under a policy without consuming anything.
   *
   * @param key the client key
   * @param policy the policy name, or {@code null}
   * @return what a cost-1 request would get now, with the current remaining
   * @throws IllegalArgumentException if the key or policy is invalid
   */
  public Decision peek(String key, @Nullable String policy) {
    return calls.peek(key, policy);
  }

  /**
   * {@link #peek(String, String)} without blocking the calling thread on the backend.
   *
   * @param key the client key
   * @param policy the policy name, or {@code null}
   * @return what a cost-1 request would get now; a stage failed with {@link
   *     IllegalArgumentException} for invalid input, or with the backend's exception
   */
  public CompletionStage<Decision> peekAsync(String key, @Nullable String policy) {
    return calls.peekAsync(key, policy);
  }

  /**
   * Forgets the state of {@code key}: its next request finds a full bucket.
   *
   * @param key the client key
   * @throws IllegalArgumentException if the key is invalid or no policy applies
   */
  public void reset(String key) {
    reset(key, null);
  }

  /**
   * Forgets the state of {@code key} under a policy.
   *
   * @param key the client key
   * @param policy the policy name, or {@code null}
   * @throws IllegalArgumentException if the key or policy is invalid
   */
  public void reset(String key, @Nullable String policy) {
    calls.reset(key, policy);
  }

  /**
   * The policies in force.
   *
   * @return the registry
   */
  public PolicyRegistry policies() {
    return calls.policies();
  }

  /**
   * Replaces the policies; the next request uses the new ones. Buckets of a policy whose name and
   * limits are unchanged are kept; others start fresh.
   *
   * @param policies the new registry
   */
  public void setPolicies(PolicyRegistry policies) {
    calls.setPolicies(policies);
  }

  /**
   * The backend.
   *
   * @return the backend
   */
  public Backend backend() {
    return backend;
  }

  /** Closes the backend. */
  @Override
  public void close() {
    backend.close();
  }

  /** Builds a {@link RateLimiter}. Not thread-safe. */
  public static final class Builder {
    private final PolicyRegistry.Builder registry = PolicyRegistry.builder();
    private @Nullable PolicyRegistry policies;
    private @Nullable Backend backend;
    private @Nullable TimeSource time;
    private DecisionListener listener = DecisionListener.NONE;

    private Builder() {}

    /**
     * Adds a policy.
     *
     * @param policy the policy
     * @return this builder
     * @throws IllegalArgumentException if a policy of that name was already added
     */
    public Builder policy(Policy policy) {
      registry.policy(policy);
      return this;
    }

    /**
     * Adds a {@code default} policy of the given limits.
     *
     * @param limits the limits
     * @return this builder
     */
    public Builder limits(Limit... limits) {
      return policy(Policy.of(Policy.DEFAULT, limits));
    }

    /**
     * Uses a whole registry (policies and client overrides) instead of {@link #policy}.
     *
     * @param policies the registry
     * @return this builder
     */
    public Builder policies(PolicyRegistry policies) {
      this.policies = Checks.notNull("policies", policies);
      return this;
    }

    /**
     * The backend; an {@link InMemoryBackend} by default.
     *
     * @param backend the backend
     * @return this builder
     */
    public Builder backend(Backend backend) {
      this.backend = Checks.notNull("backend", backend);
      return this;
    }

    /**
     * The clock that {@link RateLimiter#acquire waiting acquires} wait on, and the default
     * in-memory backend's; the system clock by default. A backend given with {@link #backend} keeps
     * its own clock: give a test both the same manual clock.
     *
     * @param time the clock
     * @return this builder
     */
    public Builder timeSource(TimeSource time) {
      this.time = Checks.notNull("timeSource", time);
      return this;
    }

    /**
     * A listener for every decision (metrics, logs).
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(DecisionListener listener) {
      this.listener = Checks.notNull("listener", listener);
      return this;
    }

    /**
     * Builds the limiter.
     *
     * @return the limiter
     * @throws IllegalArgumentException if both {@link #policies} and {@link #policy} were used
     */
    public RateLimiter build() {
      PolicyRegistry built = registry.build();
      if (policies != null && !built.policies().isEmpty()) {
        throw Checks.fail(
            "policies", "be given either as a registry or one by one, not both", null);
      }
      TimeSource clock = time != null ? time : TimeSource.system();
      Backend chosen =
          backend != null ? backend : InMemoryBackend.builder().timeSource(clock).build();
      return new RateLimiter(chosen, policies != null ? policies : built, listener, clock);
    }
  }
}

package dev.sluice;

import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Where buckets live and decisions are made atomically: in memory, in Redis, or both.
 *
 * <p>This is the service-provider interface behind {@link RateLimiter}; applications use the
 * limiter, backends implement this. The limiter validates every argument before calling, so a
 * backend may assume a valid key, a cost within the policy's {@link Policy#maxCost()} and a policy
 * built by {@link Policy#of} or {@link Policy#builder}. Implementations must be thread-safe; each
 * decision must be atomic: concurrent calls on one key behave as if made one after another.
 *
 * <p>The asynchronous methods are the contract: a backend that talks to a store answers them
 * without blocking the caller, and a failed or late store call completes the stage with a {@link
 * BackendException}. The synchronous ones wait for them (a backend that never blocks, such as the
 * in-memory one, answers them directly).
 */
public interface Backend extends AutoCloseable {

  /**
   * Decides one request and, if allowed, consumes its cost from every limit of the policy, without
   * blocking the caller.
   *
   * @param policy the policy
   * @param key the client key
   * @param cost the cost
   * @return the decision, or a stage failed with {@link BackendException}
   */
  CompletionStage<Decision> tryAcquireAsync(Policy policy, String key, long cost);

  /**
   * Decides a batch of requests all or nothing, atomically, without blocking the caller: if every
   * request fits, each is consumed; if any does not, none is.
   *
   * <p>The decisions come in the order of the requests. When the batch is consumed, every decision
   * is allowed. Otherwise nothing is consumed, and each decision is what its request alone would be
   * answered now, with the state as it stands: allowed if it alone would fit (its {@code remaining}
   * counted before it), denied with its retry time if not; at least one is denied. So the batch was
   * consumed if and only if every decision is allowed. A request of cost 0 looks without consuming
   * and is always allowed. A batch of several requests needs every policy in one {@linkplain
   * Policy#group() group}, whose keys are stored together.
   *
   * @param requests 1 to {@value RateLimiter#MAX_BATCH} requests, no key twice under one policy
   * @return one decision per request, or a stage failed with {@link BackendException}, or with
   *     {@link IllegalArgumentException} for an invalid batch
   */
  CompletionStage<List<Decision>> tryAcquireAllAsync(List<Acquire> requests);

  /**
   * The state of a key without consuming: what a request of cost 1 would be answered now, with
   * {@code remaining} counting what is there before it.
   *
   * @param policy the policy
   * @param key the client key
   * @return the decision a cost-1 request would get, or a stage failed with {@link
   *     BackendException}
   */
  CompletionStage<Decision> peekAsync(Policy policy, String key);

  /**
   * Gives back {@code cost} that a request took and did not use (it failed, it read less than it
   * paid for), to every limit of the policy at once: a token or leaky bucket gets the tokens back
   * up to its capacity, a fixed or sliding window its current window's count down to zero, a
   * sliding log its latest entries. A key with nothing to give back is left as it is.
   *
   * @param policy the policy
   * @param key the client key
   * @param cost what to give back, from 1 to the policy's {@link Policy#maxCost()}
   * @return what a peek answers after the refund, or a stage failed with {@link BackendException}
   */
  CompletionStage<Decision> refundAsync(Policy policy, String key, long cost);

  /**
   * Ends a permit of the key's concurrency limits before its lease does. An unknown or expired
   * permit changes nothing.
   *
   * @param policy the policy the permit was granted under
   * @param key the client key
   * @param permit the permit's id ({@link Decision#permit()})
   * @return completed when done, or failed with {@link BackendException}
   */
  CompletionStage<Void> releaseAsync(Policy policy, String key, String permit);

  /**
   * Forgets a key's state under a policy: its next request finds a fresh bucket or window.
   *
   * @param policy the policy
   * @param key the client key
   * @return completed when done, or failed with {@link BackendException}
   */
  CompletionStage<Void> resetAsync(Policy policy, String key);

  /**
   * {@link #tryAcquireAsync}, waited for.
   *
   * @param policy the policy
   * @param key the client key
   * @param cost the cost
   * @return the decision
   * @throws BackendException if the store failed or missed its deadline
   */
  default Decision tryAcquire(Policy policy, String key, long cost) {
    return await(tryAcquireAsync(policy, key, cost));
  }

  /**
   * {@link #tryAcquireAllAsync}, waited for.
   *
   * @param requests the batch
   * @return one decision per request
   * @throws BackendException if the store failed or missed its deadline
   * @throws IllegalArgumentException if the batch is invalid
   */
  default List<Decision> tryAcquireAll(List<Acquire> requests) {
    return await(tryAcquireAllAsync(requests));
  }

  /**
   * {@link #peekAsync}, waited for.
   *
   * @param policy the policy
   * @param key the client key
   * @return the decision a cost-1 request would get
   * @throws BackendException if the store failed or missed its deadline
   */
  default Decision peek(Policy policy, String key) {
    return await(peekAsync(policy, key));
  }

  /**
   * {@link #refundAsync}, waited for.
   *
   * @param policy the policy
   * @param key the client key
   * @param cost what to give back
   * @return what a peek answers after the refund
   * @throws BackendException if the store failed or missed its deadline
   */
  default Decision refund(Policy policy, String key, long cost) {
    return await(refundAsync(policy, key, cost));
  }

  /**
   * {@link #releaseAsync}, waited for.
   *
   * @param policy the policy
   * @param key the client key
   * @param permit the permit's id
   * @throws BackendException if the store failed or missed its deadline
   */
  default void release(Policy policy, String key, String permit) {
    await(releaseAsync(policy, key, permit));
  }

  /**
   * {@link #resetAsync}, waited for.
   *
   * @param policy the policy
   * @param key the client key
   * @throws BackendException if the store failed or missed its deadline
   */
  default void reset(Policy policy, String key) {
    await(resetAsync(policy, key));
  }

  /** Releases the backend's resources. The default does nothing. */
  @Override
  default void close() {}

  /**
   * Waits for a stage and rethrows its failure as it is: a {@link RuntimeException} (such as {@link
   * BackendException}) unwrapped, anything else in a {@link BackendException}.
   *
   * @param stage the stage
   * @param <T> its result
   * @return its result
   */
  static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new BackendException("the backend failed: " + cause, cause);
    } catch (CancellationException e) {
      throw new BackendException("the call was cancelled", e);
    }
  }

  /**
   * A completed stage of {@code call}'s result, or a failed one if it throws: for backends that
   * decide synchronously.
   *
   * @param call the synchronous call
   * @param <T> its result
   * @return the stage
   */
  static <T> CompletionStage<T> completed(Supplier<T> call) {
    try {
      return CompletableFuture.completedFuture(call.get());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}

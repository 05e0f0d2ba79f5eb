package dev.sluice.redis;

/**
 * What a hybrid backend did since it was built.
 *
 * @param decisions requests decided (every policy, failed ones included)
 * @param localDecisions requests decided from a lease or a local denial, with no call
 * @param delegatedDecisions requests decided by the wrapped backend (one {@code acquire.lua} call
 *     each)
 * @param leaseCalls calls of the lease script that took tokens (each also decides one request)
 * @param returnCalls calls of the lease script that gave tokens back
 * @param otherCalls calls for peeks and resets
 * @param tokensLeased tokens granted by lease calls
 * @param tokensReturned tokens given back
 * @param tokensLost tokens that may be lost: the batch asked by a lease call, or the tokens of a
 *     give-back, that failed or missed its deadline (Redis may or may not have run it)
 */
public record HybridStats(
    long decisions,
    long localDecisions,
    long delegatedDecisions,
    long leaseCalls,
    long returnCalls,
    long otherCalls,
    long tokensLeased,
    long tokensReturned,
    long tokensLost) {

  /**
   * Every call made to Redis: delegated decisions, lease and return calls, peeks and resets.
   *
   * @return the number of calls
   */
  public long redisCalls() {
    return delegatedDecisions + leaseCalls + returnCalls + otherCalls;
  }
}

package dev.sluice.internal.algorithm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Limit;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;

/**
 * Properties of each reference model over random request sequences (random limits within the
 * validated ranges, time steps from zero to large jumps, costs from 1 to the capacity), checked
 * with exact integer arithmetic:
 *
 * <ul>
 *   <li>every decision equals an independent oracle (an exact rational token bucket; counts per
 *       aligned window; the sum over the last window; Cloudflare's exact estimate for sliding
 *       windows up to 2^20 us, where the model is documented as exact);
 *   <li>the algorithm's bound on what it admits over any interval;
 *   <li>remaining within {@code [0, capacity]};
 *   <li>retryAfter is exact: the same request on the same state succeeds at {@code now +
 *       retryAfter} and fails one microsecond earlier;
 *   <li>resetAfter is exact: at {@code now + resetAfter} the key looks fresh (and is fresh for the
 *       sweeper: {@link Model#freshAt}), one microsecond earlier it does not.
 * </ul>
 *
 * <p>A last property moves time arbitrarily (backwards, to either end of the clock) and checks that
 * nothing overflows or throws and that going back never refills.
 */
class ModelPropertiesTest {

  private static final int TRIES = 300;

  /** A limit, a start time and a timeline of (step, cost) requests. */
  record Scenario(Limit limit, long start, List<long[]> requests) {
    @Override
    public String toString() {
      StringBuilder out = new StringBuilder(limit + " from " + start + ":");
      for (long[] r : requests) {
        out.append(" +").append(r[0]).append('/').append(r[1]);
      }
      return out.toString();
    }
  }

  private static Arbitrary<Scenario> scenarios(Arbitrary<Limit> limits) {
    Arbitrary<Long> starts =
        Arbitraries.frequencyOf(
            Tuple.of(1, Arbitraries.just(0L)),
            Tuple.of(
                3, Arbitraries.longs().between(-1_000_000_000_000_000L, 1_000_000_000_000_000L)));
    return limits.flatMap(
        limit -> {
          Arbitrary<long[]> request =
              Combinators.combine(
                      LimitArbitraries.steps(limit), LimitArbitraries.costs(limit.capacity()))
                  .as((step, cost) -> new long[] {step, cost});
          Arbitrary<List<long[]>> timeline =
              request
                  .list()
                  .ofMinSize(5)
                  .ofMaxSize(60)
                  .withSizeDistribution(RandomDistribution.uniform());
          return Combinators.combine(starts, timeline)
              .as((start, requests) -> new Scenario(limit, start, requests));
        });
  }

  @Provide
  Arbitrary<Scenario> tokenBuckets() {
    return scenarios(LimitArbitraries.tokenBuckets());
  }

  @Provide
  Arbitrary<Scenario> leakyBuckets() {
    return scenarios(LimitArbitraries.leakyBuckets());
  }

  @Provide
  Arbitrary<Scenario> fixedWindows() {
    return scenarios(LimitArbitraries.fixedWindows());
  }

  @Provide
  Arbitrary<Scenario> slidingWindows() {
    return scenarios(LimitArbitraries.slidingWindows());
  }

  @Provide
  Arbitrary<Scenario> slidingLogs() {
    return scenarios(LimitArbitraries.slidingLogs());
  }

  // ---------------------------------------------------------------------------------------------

  @Property(tries = TRIES)
  void tokenBucket(@ForAll("tokenBuckets") Scenario scenario) {
    Limit.TokenBucket limit = (Limit.TokenBucket) scenario.limit();
    List<long[]> admitted =
        run(
            scenario,
            new BucketOracle(limit.capacity(), limit.refill().tokens(), periodOf(limit.refill())));
    assertBucketBound(
        admitted, limit.capacity(), limit.refill().tokens(), periodOf(limit.refill()));
  }

  /** The leaky bucket is a token bucket seen from the other side: the same oracle and bound. */
  @Property(tries = TRIES)
  void leakyBucket(@ForAll("leakyBuckets") Scenario scenario) {
    Limit.LeakyBucket limit = (Limit.LeakyBucket) scenario.limit();
    List<long[]> admitted =
        run(
            scenario,
            new BucketOracle(limit.capacity(), limit.leak().tokens(), periodOf(limit.leak())));
    assertBucketBound(admitted, limit.capacity(), limit.leak().tokens(), periodOf(limit.leak()));
  }

  @Property(tries = TRIES)
  void fixedWindow(@ForAll("fixedWindows") Scenario scenario) {
    long window = micros(scenario.limit());
    List<long[]> admitted =
        run(scenario, new FixedWindowOracle(scenario.limit().capacity(), window));
    Map<Long, Long> perWindow = new HashMap<>();
    for (long[] a : admitted) {
      perWindow.merge(Math.floorDiv(a[0], window), a[1], Long::sum);
    }
    assertThat(perWindow.values())
        .allSatisfy(sum -> assertThat(sum).isLessThanOrEqualTo(scenario.limit().capacity()));
  }

  @Property(tries = TRIES)
  void slidingLog(@ForAll("slidingLogs") Scenario scenario) {
    long window = micros(scenario.limit());
    List<long[]> admitted =
        run(scenario, new SlidingLogOracle(scenario.limit().capacity(), window));
    assertThat(maxInAnyInterval(admitted, window)).isLessThanOrEqualTo(scenario.limit().capacity());
  }

  @Property(tries = TRIES)
  void slidingWindow(@ForAll("slidingWindows") Scenario scenario) {
    long window = micros(scenario.limit());
    long limit = scenario.limit().capacity();
    List<long[]> admitted =
        run(scenario, window <= (1L << 20) ? new SlidingWindowOracle(limit, window) : null);
    Map<Long, Long> perWindow = new HashMap<>();
    for (long[] a : admitted) {
      perWindow.merge(Math.floorDiv(a[0], window), a[1], Long::sum);
    }
    assertThat(perWindow.values()).allSatisfy(sum -> assertThat(sum).isLessThanOrEqualTo(limit));
    assertThat(maxInAnyInterval(admitted, window)).isLessThanOrEqualTo(2 * limit);
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Runs a scenario through the model, storing the state only when a request is allowed (as every
   * backend does), checking each step; returns the admitted (time, cost) pairs.
   */
  private static List<long[]> run(Scenario scenario, Oracle oracle) {
    Limit limit = scenario.limit();
    Model model = Model.of(limit);
    long capacity = limit.capacity();
    State state = null;
    long now = scenario.start();
    List<long[]> admitted = new ArrayList<>();
    int index = 0;
    for (long[] request : scenario.requests()) {
      now += request[0];
      long cost = request[1];
      Outcome o = model.step(state, now, cost);
      String at = "request " + index++ + " (cost " + cost + ") at " + now;

      assertThat(o.remaining()).as(at).isBetween(0L, capacity);
      assertThat(o.resetAfter()).as(at).isNotNegative();
      if (oracle != null) {
        long[] expected = oracle.decide(now, cost);
        assertThat(o.allowed()).as(at + ": allowed").isEqualTo(expected[0] == 1);
        assertThat(o.remaining()).as(at + ": remaining").isEqualTo(expected[1]);
        if (expected.length > 2) {
          assertThat(o.retryAfter()).as(at + ": retryAfter").isEqualTo(expected[2]);
          assertThat(o.resetAfter()).as(at + ": resetAfter").isEqualTo(expected[3]);
        }
      }
      if (o.allowed()) {
        assertThat(o.retryAfter()).as(at).isZero();
      } else {
        long retry = o.retryAfter();
        assertThat(retry).as(at + ": retryAfter").isPositive();
        assertThat(model.step(state, now + retry, cost).allowed())
            .as(at + ": allowed at now + retryAfter " + retry)
            .isTrue();
        assertThat(model.step(state, now + retry - 1, cost).allowed())
            .as(at + ": denied 1 us before")
            .isFalse();
      }

      State stored = o.allowed() ? o.state() : state;
      long reset = o.resetAfter();
      Outcome fresh = model.peek(null, now + reset);
      Outcome then = model.peek(stored, now + reset);
      assertThat(List.of(then.allowed(), then.remaining(), then.retryAfter(), then.resetAfter()))
          .as(at + ": fresh at now + resetAfter " + reset)
          .isEqualTo(
              List.of(fresh.allowed(), fresh.remaining(), fresh.retryAfter(), fresh.resetAfter()));
      assertThat(then.remaining()).isEqualTo(capacity);
      if (reset > 0) {
        assertThat(model.peek(stored, now + reset - 1).remaining())
            .as(at + ": not fresh 1 us before resetAfter")
            .isLessThan(capacity);
        assertThat(model.freshAt(stored)).as(at + ": freshAt").isEqualTo(now + reset);
      } else if (stored != null) {
        assertThat(model.freshAt(stored)).as(at + ": freshAt").isLessThanOrEqualTo(now);
      }

      if (o.allowed()) {
        state = o.state();
        admitted.add(new long[] {now, cost});
      }
    }
    return admitted;
  }

  /**
   * A token (or leaky) bucket admits at most {@code capacity + rate x (t2 - t1)} in any closed
   * interval {@code [t1, t2]}: checked over every pair of admission times, exactly.
   */
  private static void assertBucketBound(
      List<long[]> admitted, long capacity, long tokens, long period) {
    for (int i = 0; i < admitted.size(); i++) {
      long sum = 0;
      for (int j = i; j < admitted.size(); j++) {
        sum += admitted.get(j)[1];
        long t1 = admitted.get(i)[0];
        long t2 = admitted.get(j)[0];
        // (sum - capacity) x period <= tokens x (t2 - t1)
        BigInteger lhs = BigInteger.valueOf(sum - capacity).multiply(BigInteger.valueOf(period));
        BigInteger rhs = BigInteger.valueOf(tokens).multiply(BigInteger.valueOf(t2 - t1));
        assertThat(lhs).as("admitted %d in [%d, %d]", sum, t1, t2).isLessThanOrEqualTo(rhs);
      }
    }
  }

  /** The most admitted in any half-open interval {@code [t, t + window)}. */
  private static long maxInAnyInterval(List<long[]> admitted, long window) {
    long max = 0;
    for (int i = 0; i < admitted.size(); i++) {
      long sum = 0;
      for (int j = i;
          j < admitted.size() && admitted.get(j)[0] - admitted.get(i)[0] < window;
          j++) {
        sum += admitted.get(j)[1];
      }
      max = Math.max(max, sum);
    }
    return max;
  }

  private static long periodOf(dev.sluice.Rate rate) {
    return rate.period().toNanos() / 1_000;
  }

  private static long micros(Limit limit) {
    return limit.window().toNanos() / 1_000;
  }

  // ---------------------------------------------------------------------------------------------

  /** An independent model of an algorithm, for non-decreasing times. */
  interface Oracle {
    /**
     * Decides and commits a request.
     *
     * @return {allowed ? 1 : 0, remaining} or {allowed, remaining, retryAfter, resetAfter}
     */
    long[] decide(long now, long cost);
  }

  /**
   * A token bucket in exact rationals: tokens counted in 1/period units, no reduction, no caps but
   * the capacity.
   */
  static final class BucketOracle implements Oracle {
    private final BigInteger full;
    private final BigInteger perMicro;
    private final BigInteger unit;
    private BigInteger level;
    private long last = Long.MIN_VALUE;

    BucketOracle(long capacity, long tokens, long period) {
      this.unit = BigInteger.valueOf(period);
      this.full = BigInteger.valueOf(capacity).multiply(unit);
      this.perMicro = BigInteger.valueOf(tokens);
      this.level = full;
    }

    @Override
    public long[] decide(long now, long cost) {
      if (last != Long.MIN_VALUE) {
        level = level.add(perMicro.multiply(BigInteger.valueOf(now - last))).min(full);
      }
      last = now;
      BigInteger need = BigInteger.valueOf(cost).multiply(unit);
      if (level.compareTo(need) >= 0) {
        level = level.subtract(need);
        return new long[] {
          1, level.divide(unit).longValueExact(), 0, ceil(full.subtract(level), perMicro)
        };
      }
      return new long[] {
        0,
        level.divide(unit).longValueExact(),
        ceil(need.subtract(level), perMicro),
        ceil(full.subtract(level), perMicro)
      };
    }

    private static long ceil(BigInteger a, BigInteger b) {
      BigInteger[] qr = a.divideAndRemainder(b);
      return qr[0].add(qr[1].signum() > 0 ? BigInteger.ONE : BigInteger.ZERO).longValueExact();
    }
  }

  /** Counts per aligned window. */
  static final class FixedWindowOracle implements Oracle {
    private final long limit;
    private final long window;
    private final Map<Long, Long> counts = new HashMap<>();

    FixedWindowOracle(long limit, long window) {
      this.limit = limit;
      this.window = window;
    }

    @Override
    public long[] decide(long now, long cost) {
      long index = Math.floorDiv(now, window);
      long count = counts.getOrDefault(index, 0L);
      long untilEnd = (index + 1) * window - now;
      if (count + cost <= limit) {
        counts.put(index, count + cost);
        return new long[] {1, limit - count - cost, 0, untilEnd};
      }
      return new long[] {0, limit - count, untilEnd, untilEnd};
    }
  }

  /** The total cost admitted in {@code (now - window, now]}. */
  static final class SlidingLogOracle implements Oracle {
    private final long limit;
    private final long window;
    private final List<long[]> log = new ArrayList<>();

    SlidingLogOracle(long limit, long window) {
      this.limit = limit;
      this.window = window;
    }

    @Override
    public long[] decide(long now, long cost) {
      long used = 0;
      for (long[] entry : log) {
        if (entry[0] > now - window) {
          used += entry[1];
        }
      }
      if (used + cost <= limit) {
        log.add(new long[] {now, cost});
        return new long[] {1, limit - used - cost};
      }
      return new long[] {0, limit - used};
    }
  }

  /**
   * Cloudflare's estimate with the exact weight: current + ceil(previous x (window - elapsed) /
   * window).
   */
  static final class SlidingWindowOracle implements Oracle {
    private final long limit;
    private final long window;
    private final Map<Long, Long> counts = new HashMap<>();

    SlidingWindowOracle(long limit, long window) {
      this.limit = limit;
      this.window = window;
    }

    @Override
    public long[] decide(long now, long cost) {
      long index = Math.floorDiv(now, window);
      long elapsed = now - index * window;
      long current = counts.getOrDefault(index, 0L);
      BigInteger weighted =
          BigInteger.valueOf(counts.getOrDefault(index - 1, 0L))
              .multiply(BigInteger.valueOf(window - elapsed))
              .add(BigInteger.valueOf(window - 1))
              .divide(BigInteger.valueOf(window));
      long estimate = current + weighted.longValueExact();
      if (estimate + cost <= limit) {
        counts.put(index, current + cost);
        return new long[] {1, limit - estimate - cost};
      }
      return new long[] {0, Math.max(0, limit - estimate)};
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Provide
  Arbitrary<List<long[]>> wildTimeline() {
    Arbitrary<long[]> move =
        Arbitraries.frequencyOf(
            Tuple.of(
                6,
                Arbitraries.longs().between(-100_000_000, 100_000_000).map(d -> new long[] {0, d})),
            Tuple.of(2, Arbitraries.longs().between(-10_000, 10_000).map(d -> new long[] {0, d})),
            Tuple.of(1, Arbitraries.longs().map(t -> new long[] {1, t})),
            Tuple.of(
                1,
                Arbitraries.of(
                        Long.MIN_VALUE,
                        Long.MIN_VALUE + 1,
                        Long.MAX_VALUE,
                        Long.MAX_VALUE - 1,
                        -1L,
                        0L)
                    .map(t -> new long[] {1, t})));
    return Combinators.combine(move, Arbitraries.longs().between(1, 5))
        .as((m, cost) -> new long[] {m[0], m[1], cost})
        .list()
        .ofMinSize(1)
        .ofMaxSize(40);
  }

  /**
   * Time moving anywhere, backwards and to the ends of the clock: no exception, no overflow (waits
   * never negative, durations convertible), remaining within {@code [0, capacity]}, and a time
   * earlier than one already seen never shows more remaining than that time did.
   */
  /**
   * A concurrency limit over a random timeline of acquires, releases (of held, released and unknown
   * permits) and time steps: its answers equal an oracle that keeps the live permits in a map, so
   * that in flight never exceeds the maximum, a release frees exactly its permit and a lease ends
   * exactly at its end.
   */
  @Property(tries = TRIES)
  void concurrency(
      @ForAll("concurrencyLimits") Limit.Concurrency limit,
      @ForAll("concurrencyTimeline") List<long[]> timeline) {
    Model model = Model.of(limit);
    long lease = limit.lease().toNanos() / 1_000;
    long hint = limit.retryHint().toNanos() / 1_000;
    Map<String, Long> oracle = new HashMap<>();
    List<String> granted = new ArrayList<>();
    State state = null;
    long now = 1_000_000;
    int next = 0;
    for (long[] op : timeline) {
      now += op[0];
      long at = now;
      oracle.values().removeIf(end -> end <= at);
      if (op[1] == 0) {
        String permit = "p" + next++;
        Outcome outcome = model.step(state, now, 1 + op[2], permit);
        boolean fits = oracle.size() < limit.limit();
        assertThat(outcome.allowed())
            .as("%d of %d live", oracle.size(), limit.limit())
            .isEqualTo(fits);
        if (fits) {
          oracle.put(permit, now + lease);
          granted.add(permit);
          state = outcome.state();
          assertThat(outcome.remaining()).isEqualTo(limit.limit() - oracle.size());
        } else {
          long first = oracle.values().stream().mapToLong(Long::longValue).min().orElseThrow();
          assertThat(outcome.retryAfter()).isEqualTo(Math.max(1, Math.min(hint, first - now)));
          assertThat(outcome.remaining()).isZero();
        }
        long last = oracle.values().stream().mapToLong(Long::longValue).max().orElse(now);
        assertThat(outcome.resetAfter()).isEqualTo(last - now);
        assertThat(((State.Permits) outcome.state()).ids().length)
            .isLessThanOrEqualTo((int) limit.limit());
      } else {
        String permit =
            granted.isEmpty() || op[2] % 5 == 0
                ? "unknown"
                : granted.get((int) (op[2] % granted.size()));
        State released = model.release(state, now, permit);
        assertThat(released != null)
            .as("release of %s", permit)
            .isEqualTo(oracle.containsKey(permit));
        oracle.remove(permit);
        if (released != null) {
          state = released;
        }
      }
      assertThat(model.peek(state, now).remaining()).isEqualTo(limit.limit() - oracle.size());
    }
  }

  @Provide
  Arbitrary<Limit.Concurrency> concurrencyLimits() {
    return Combinators.combine(
            Arbitraries.longs().between(1, 8),
            Arbitraries.longs().between(1, 5_000),
            Arbitraries.longs().between(1, 5_000))
        .as(
            (max, leaseMs, hintMs) ->
                Limit.concurrency(
                    max,
                    java.time.Duration.ofMillis(leaseMs),
                    java.time.Duration.ofMillis(Math.min(leaseMs, hintMs))));
  }

  /** Steps of (time step in microseconds, 0 acquire / 1 release, a number to pick with). */
  @Provide
  Arbitrary<List<long[]>> concurrencyTimeline() {
    Arbitrary<Long> steps =
        Arbitraries.frequencyOf(
            Tuple.of(3, Arbitraries.just(0L)),
            Tuple.of(5, Arbitraries.longs().between(1, 1_000_000)),
            Tuple.of(1, Arbitraries.longs().between(1, 10_000_000)));
    return Combinators.combine(
            steps, Arbitraries.longs().between(0, 1), Arbitraries.longs().between(0, 99))
        .as((step, kind, pick) -> new long[] {step, kind, pick})
        .list()
        .ofMinSize(1)
        .ofMaxSize(60);
  }

  @Property(tries = TRIES)
  void anyTimelineIsSafeAndGoingBackNeverRefills(
      @ForAll("limitsForWildTimelines") Limit limit,
      @ForAll("wildTimeline") List<long[]> timeline) {
    Model model = Model.of(limit);
    long capacity = limit.capacity();
    State state = null;
    long now = 0;
    long latest = Long.MIN_VALUE;
    for (long[] move : timeline) {
      now = move[0] == 1 ? move[1] : saturatedAdd(now, move[1]);
      long cost = Math.min(move[2], capacity);
      Outcome o = model.step(state, now, cost);
      assertThat(o.remaining()).isBetween(0L, capacity);
      assertThat(o.retryAfter()).isNotNegative();
      assertThat(o.resetAfter()).isNotNegative();
      assertThat(o.retryAfter())
          .isLessThan(Long.MAX_VALUE / 1_000); // Decision.retryAfter() as a Duration
      assertThat(o.resetAfter()).isLessThan(Long.MAX_VALUE / 1_000);
      if (o.allowed()) {
        assertThat(o.retryAfter()).isZero();
      }
      if (state != null && now < latest) {
        assertThat(model.peek(state, now).remaining())
            .as("back at %d after %d", now, latest)
            .isLessThanOrEqualTo(model.peek(state, latest).remaining());
      }
      if (o.allowed()) {
        state = o.state();
      }
      latest = Math.max(latest, now);
    }
  }

  @Provide
  Arbitrary<Limit> limitsForWildTimelines() {
    return LimitArbitraries.limits();
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    if (((a ^ r) & (b ^ r)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return r;
  }

  @Provide
  Arbitrary<Scenario> anyLimits() {
    return scenarios(
        Arbitraries.oneOf(
            LimitArbitraries.tokenBuckets(),
            LimitArbitraries.leakyBuckets(),
            LimitArbitraries.fixedWindows(),
            LimitArbitraries.slidingWindows(),
            LimitArbitraries.slidingLogs()));
  }

  /**
   * Refunds between the requests of a timeline (each request's step and cost reused as a refund's
   * half the time): a refund never leaves more than the limit's capacity, never takes any away, and
   * never gives back more than was asked.
   */
  @Property(tries = TRIES)
  void aRefundNeverRaisesAboveCapacityNorTakesAnything(@ForAll("anyLimits") Scenario scenario) {
    Model model = Model.of(scenario.limit());
    long now = scenario.start();
    State state = null;
    boolean refund = false;
    for (long[] r : scenario.requests()) {
      now = Maths.add(now, r[0]);
      if (refund) {
        long before = model.peek(state, now).remaining();
        State after = model.refund(state, now, r[1]);
        long left = model.peek(after != null ? after : state, now).remaining();
        assertThat(left)
            .as("%s: refund %d at %d", scenario, r[1], now)
            .isBetween(before, Math.min(scenario.limit().capacity(), before + r[1]));
        if (after != null) {
          state = after;
        }
      } else {
        Outcome outcome = model.step(state, now, r[1]);
        if (outcome.allowed()) {
          state = outcome.state();
        }
      }
      refund = !refund;
    }
  }
}

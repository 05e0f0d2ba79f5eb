package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.internal.algorithm.LimitArbitraries;
import dev.sluice.tck.ReferenceLimiter;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;

/**
 * Differential properties: the {@link InMemoryBackend}, driven through a {@link RateLimiter} on a
 * {@link ManualTimeSource}, gives exactly the decisions (every field) and peeks of the reference
 * models stepped directly ({@link ReferenceLimiter}), for random policies of one to three limits of
 * any algorithms, on a few keys, with resets. With time moving forwards only, sweeps ({@link
 * InMemoryBackend#cleanUp()}) are mixed in and must change no decision; with time moving backwards
 * too, the backend must still agree.
 */
class BackendDifferentialTest {

  /** One operation: 0 acquire, 1 peek, 2 reset, 3 move the clock, 4 sweep. */
  record Op(int kind, int key, long cost, long step) {
    @Override
    public String toString() {
      switch (kind) {
        case 0:
          return "acquire(k" + key + ", " + cost + ")";
        case 1:
          return "peek(k" + key + ")";
        case 2:
          return "reset(k" + key + ")";
        case 3:
          return "advance(" + step + ")";
        default:
          return "cleanUp";
      }
    }
  }

  record Case(Policy policy, List<Op> ops) {}

  @Provide
  Arbitrary<Case> forwards() {
    return cases(false);
  }

  @Provide
  Arbitrary<Case> backAndForth() {
    return cases(true);
  }

  private static Arbitrary<Case> cases(boolean backwards) {
    Arbitrary<Policy> policies =
        LimitArbitraries.limits()
            .list()
            .ofMinSize(1)
            .ofMaxSize(3)
            .map(limits -> Policy.of("p", limits));
    return policies.flatMap(
        policy -> {
          Arbitrary<Long> steps =
              Arbitraries.oneOf(policy.limits().stream().map(LimitArbitraries::steps).toList());
          Arbitrary<Integer> keys = Arbitraries.integers().between(0, 2);
          Arbitrary<Op> op =
              Arbitraries.frequencyOf(
                  Tuple.of(
                      12,
                      Combinators.combine(keys, LimitArbitraries.costs(policy.maxCost()))
                          .as((k, c) -> new Op(0, k, c, 0))),
                  Tuple.of(3, keys.map(k -> new Op(1, k, 0, 0))),
                  Tuple.of(1, keys.map(k -> new Op(2, k, 0, 0))),
                  Tuple.of(5, steps.map(s -> new Op(3, 0, 0, s))),
                  Tuple.of(backwards ? 1 : 0, steps.map(s -> new Op(3, 0, 0, -s))),
                  Tuple.of(backwards ? 0 : 1, Arbitraries.just(new Op(4, 0, 0, 0))));
          return op.list()
              .ofMinSize(5)
              .ofMaxSize(80)
              .withSizeDistribution(RandomDistribution.uniform())
              .map(ops -> new Case(policy, ops));
        });
  }

  @Property(tries = 250)
  void agreesWithTheModelsWhileSweepsRun(@ForAll("forwards") Case c) {
    check(c);
  }

  @Property(tries = 250)
  void agreesWithTheModelsWhenTimeGoesBackwards(@ForAll("backAndForth") Case c) {
    check(c);
  }

  private static void check(Case c) {
    ManualTimeSource clock = new ManualTimeSource(1_700_000_000_000_000L);
    InMemoryBackend backend = InMemoryBackend.builder().timeSource(clock).build();
    RateLimiter limiter =
        RateLimiter.builder().policies(PolicyRegistry.of(c.policy())).backend(backend).build();
    ReferenceLimiter reference = new ReferenceLimiter();
    String[] keys = {"a", "b", "{c}"};
    List<String> done = new ArrayList<>();
    for (Op op : c.ops()) {
      done.add(op.toString());
      String key = keys[op.key()];
      long now = clock.nowMicros();
      switch (op.kind()) {
        case 0:
          assertThat(limiter.tryAcquire(key, "p", op.cost()))
              .as("%s at %d", done, now)
              .isEqualTo(reference.tryAcquire(c.policy(), key, op.cost(), now));
          break;
        case 1:
          assertThat(limiter.peek(key, "p"))
              .as("%s at %d", done, now)
              .isEqualTo(reference.peek(c.policy(), key, now));
          break;
        case 2:
          limiter.reset(key, "p");
          reference.reset(c.policy(), key);
          break;
        case 3:
          clock.advanceMicros(op.step());
          break;
        default:
          backend.cleanUp();
          assertThat(backend.size()).isBetween(0L, 3L);
      }
    }
  }
}

package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.CalendarUnit;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.ManualTimeSource;
import dev.sluice.Policy;
import dev.sluice.RateLimiter;
import dev.sluice.testkit.RedisExtension;
import dev.sluice.testkit.RedisNode;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code acquire.lua} has no calendar: it computes the days of months and years itself. This is its
 * proof against {@code java.time}: for every day, week, month and year boundary of four centuries
 * (2000 to 2399, leap years and the Gregorian century rule included), a request at the boundary is
 * told its window ends one whole unit later, one a microsecond before it that its window ends in a
 * microsecond, and one at a random moment inside that its window ends at the next boundary. Times
 * after 2^53 microseconds (June 2255) are not all doubles: there the microsecond before a boundary
 * and the random moments are left out (a boundary itself is a multiple of 2^11 and stays exact),
 * which is the range the exactness notes of docs/design-decisions.md state.
 */
class CalendarWindowIT {

  @RegisterExtension static final RedisExtension<RedisNode> REDIS = RedisExtension.single();

  private static final long TWO_53 = 1L << 53;

  private static ManualTimeSource clock;
  private static RedisBackend lua;

  @BeforeAll
  static void connect() {
    clock = new ManualTimeSource();
    lua =
        RedisBackend.builder()
            .uri(REDIS.get().uri())
            .mode(RedisBackend.Mode.LUA)
            .clientClock(clock)
            .timeout(Duration.ofSeconds(10))
            .keyPrefix("calendar:")
            .build();
  }

  @AfterAll
  static void close() {
    lua.close();
  }

  @ParameterizedTest
  @EnumSource(CalendarUnit.class)
  void everyBoundaryOfFourCenturiesIsWhereJavaTimePutsIt(CalendarUnit unit) {
    Policy policy = Policy.of("cal-" + unit.name().toLowerCase(), Limit.calendarWindow(1, unit));
    RateLimiter limiter = RateLimiter.builder().policy(policy).backend(lua).build();
    Random random = new Random(unit.ordinal());
    LocalDate first = firstOnOrAfter(LocalDate.of(2000, 1, 1), unit);
    LocalDate end = LocalDate.of(2400, 1, 1);
    List<long[]> probes = new ArrayList<>(); // {time, expected reset after}
    int boundaries = 0;
    for (LocalDate day = first; day.isBefore(end); day = next(day, unit)) {
      long start = micros(day);
      long length = micros(next(day, unit)) - start;
      probes.add(new long[] {start, length});
      if (start + length <= TWO_53) {
        probes.add(new long[] {start - 1, 1});
        long inside = start + 1 + random.nextLong(length - 1);
        probes.add(new long[] {inside, start + length - inside});
      }
      boundaries++;
    }
    // The client clock is read when a call is made: calls in flight each carry their own time.
    for (int from = 0; from < probes.size(); from += 512) {
      List<long[]> chunk = probes.subList(from, Math.min(from + 512, probes.size()));
      List<CompletableFuture<Decision>> answers = new ArrayList<>();
      for (long[] probe : chunk) {
        clock.set(probe[0]);
        answers.add(
            limiter.tryAcquireAsync("k" + probe[0], policy.name(), 1).toCompletableFuture());
      }
      for (int i = 0; i < chunk.size(); i++) {
        long[] probe = chunk.get(i);
        Decision decision = answers.get(i).join();
        assertThat(decision.allowed()).isTrue();
        assertThat(decision.resetAfterMicros())
            .as("%s window of %s", unit, Instant.EPOCH.plus(probe[0], ChronoUnit.MICROS))
            .isEqualTo(probe[1]);
      }
    }
    assertThat(boundaries).as("boundaries of four centuries").isGreaterThan(399);
  }

  private static LocalDate firstOnOrAfter(LocalDate day, CalendarUnit unit) {
    return unit == CalendarUnit.WEEK
        ? day.with(TemporalAdjusters.nextOrSame(DayOfWeek.MONDAY))
        : day;
  }

  private static LocalDate next(LocalDate day, CalendarUnit unit) {
    return switch (unit) {
      case DAY -> day.plusDays(1);
      case WEEK -> day.plusWeeks(1);
      case MONTH -> day.plusMonths(1);
      case YEAR -> day.plusYears(1);
    };
  }

  private static long micros(LocalDate day) {
    return day.atStartOfDay(ZoneOffset.UTC).toEpochSecond() * 1_000_000;
  }
}

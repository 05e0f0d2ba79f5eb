package dev.sluice;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when told to, for tests: {@code clock.advance(Duration.ofSeconds(1))},
 * then an assertion. Thread-safe. It may be set backwards, to test that buckets ignore that.
 *
 * <p>A supported testing aid, not only Sluice's own: give it to {@link
 * InMemoryBackend.Builder#timeSource} (or {@code RedisBackend.Builder#clientClock}) to test code
 * that is rate limited without waiting for real time to pass.
 */
public final class ManualTimeSource implements TimeSource {

  private final AtomicLong micros;

  /**
   * A clock that starts at {@code startMicros}.
   *
   * @param startMicros the first reading, in microseconds (any value, negative included)
   */
  public ManualTimeSource(long startMicros) {
    this.micros = new AtomicLong(startMicros);
  }

  /** A clock that starts at zero. */
  public ManualTimeSource() {
    this(0);
  }

  @Override
  public long nowMicros() {
    return micros.get();
  }

  /**
   * Moves the clock instead of sleeping, so that a waiting acquire on this clock returns at once
   * with the clock where the wait would have ended.
   *
   * @param micros how far to move
   * @throws InterruptedException if the thread's interrupt flag is set (it is cleared, as a real
   *     sleep would)
   */
  @Override
  public void sleep(long micros) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    advanceMicros(micros);
  }

  /**
   * Moves the clock and answers a completed stage.
   *
   * @param micros how far to move
   * @return a completed stage
   */
  @Override
  public CompletionStage<Void> after(long micros) {
    advanceMicros(micros);
    return CompletableFuture.completedFuture(null);
  }

  /**
   * Moves the clock by {@code duration}, forwards or (if negative) backwards.
   *
   * @param duration how far to move, a whole number of microseconds
   * @return this clock
   */
  public ManualTimeSource advance(Duration duration) {
    micros.addAndGet(duration.toNanos() / 1_000);
    return this;
  }

  /**
   * Moves the clock by {@code micros} microseconds.
   *
   * @param micros how far to move, negative to go back
   * @return this clock
   */
  public ManualTimeSource advanceMicros(long micros) {
    this.micros.addAndGet(micros);
    return this;
  }

  /**
   * Sets the clock.
   *
   * @param micros the new reading
   * @return this clock
   */
  public ManualTimeSource set(long micros) {
    this.micros.set(micros);
    return this;
  }
}

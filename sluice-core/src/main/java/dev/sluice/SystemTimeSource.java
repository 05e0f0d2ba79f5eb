package dev.sluice;

/** The monotonic system clock, anchored once to the Unix epoch. */
enum SystemTimeSource implements TimeSource {
  INSTANCE;

  private final long offsetNanos = System.currentTimeMillis() * 1_000_000L - System.nanoTime();

  @Override
  public long nowMicros() {
    return (System.nanoTime() + offsetNanos) / 1_000;
  }
}

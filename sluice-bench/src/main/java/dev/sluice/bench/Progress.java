package dev.sluice.bench;

import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Progress lines on standard output: which part, how far, and the time since the run started. Child
 * processes print through the same format so the one command shows one stream.
 */
public final class Progress {

  private static final long STARTED = System.nanoTime();
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

  private Progress() {}

  /**
   * Prints one line, prefixed with the wall clock.
   *
   * @param part the part, e.g. {@code "2/3 redis"}
   * @param text what is happening
   */
  public static void line(String part, String text) {
    System.out.printf("%s [%s] %s%n", LocalTime.now(ZoneOffset.UTC).format(CLOCK), part, text);
    System.out.flush();
  }

  /**
   * Prints a point's start: {@code [part] i/n what}.
   *
   * @param part the part
   * @param index the point's number, from 1
   * @param total the number of points of the part
   * @param what the point
   */
  public static void point(String part, int index, int total, String what) {
    line(part, index + "/" + total + " " + what);
  }

  /**
   * The time since this JVM started measuring.
   *
   * @return the elapsed time
   */
  public static Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - STARTED);
  }
}

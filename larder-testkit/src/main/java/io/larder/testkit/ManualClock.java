package io.larder.testkit;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when told to, for TTL tests that do not sleep.
 *
 * <pre>{@code
 * ManualClock clock = new ManualClock();
 * Store store = Stores.memoryBuilder().clock(clock).build();
 * clock.advance(Duration.ofMinutes(5));
 * }</pre>
 */
public final class ManualClock implements InstantSource {
  private final AtomicLong millis;

  /** Creates a clock reading the current wall-clock time, truncated to milliseconds. */
  public ManualClock() {
    this(Instant.now());
  }

  /**
   * Creates a clock reading {@code start}.
   *
   * @param start the initial time
   */
  public ManualClock(Instant start) {
    this.millis = new AtomicLong(start.toEpochMilli());
  }

  /**
   * Moves the clock forward.
   *
   * @param by a non-negative duration
   * @throws IllegalArgumentException if {@code by} is negative
   */
  public void advance(Duration by) {
    if (by.isNegative()) {
      throw new IllegalArgumentException("a clock cannot go back: " + by);
    }
    millis.addAndGet(by.toMillis());
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis.get());
  }

  @Override
  public long millis() {
    return millis.get();
  }
}

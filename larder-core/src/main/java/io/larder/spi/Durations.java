package io.larder.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * Checks of duration options and the one conversion of TTLs to whole seconds, shared by the
 * stores and integrations so that each rule and message exists once.
 */
public final class Durations {
  private Durations() {}

  /**
   * Checks that a duration option is positive.
   *
   * @param value the value given
   * @param option the option's name, for the messages, for example {@code "timeout"}
   * @return {@code value}
   * @throws NullPointerException if {@code value} is null, naming the option
   * @throws IllegalArgumentException if {@code value} is zero or negative, naming the option
   *     and the value
   */
  public static Duration requirePositive(Duration value, String option) {
    Objects.requireNonNull(value, option);
    if (value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(option + " must be positive, was " + value);
    }
    return value;
  }

  /**
   * Checks that a duration option is zero or positive (where zero means "off").
   *
   * @param value the value given
   * @param option the option's name, for the messages
   * @return {@code value}
   * @throws NullPointerException if {@code value} is null, naming the option
   * @throws IllegalArgumentException if {@code value} is negative, naming the option and the
   *     value
   */
  public static Duration requireNonNegative(Duration value, String option) {
    Objects.requireNonNull(value, option);
    if (value.isNegative()) {
      throw new IllegalArgumentException(option + " must be zero or positive, was " + value);
    }
    return value;
  }

  /**
   * Converts a store TTL to whole seconds for a server that counts seconds, rounding
   * <em>up</em> (as docs/ttl.md promises): an entry never expires before its TTL, and a TTL
   * below a second is one second, never 0 (which servers read as "never" or "now").
   *
   * @param ttlMillis a positive TTL in milliseconds
   * @return the seconds, at least 1
   * @throws IllegalArgumentException if {@code ttlMillis} is zero or negative
   */
  public static long ttlSeconds(long ttlMillis) {
    if (ttlMillis <= 0) {
      throw new IllegalArgumentException("TTL must be positive, was " + ttlMillis + " ms");
    }
    return ttlMillis / 1000 + (ttlMillis % 1000 == 0 ? 0 : 1);
  }
}

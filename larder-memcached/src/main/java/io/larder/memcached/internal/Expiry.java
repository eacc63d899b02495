package io.larder.memcached.internal;

import io.larder.spi.Durations;

/**
 * Turns Larder's TTLs into memcached's expiration times. Pure.
 *
 * <p>memcached reads an expiration time of up to 30 days (2,592,000 s) as seconds from now
 * and anything larger as a Unix time, kept in 32 bits. So a TTL is rounded up to whole
 * seconds ({@link Durations#ttlSeconds}); up to 30 days it is sent as it is; beyond, it is sent as the server's current
 * Unix time plus the TTL, capped at 2038-01-19 ({@code 2^31 - 1}), the latest time memcached
 * can hold (a later date overflows and the item is never stored). {@code 0} means never.
 */
final class Expiry {
  /** The longest expiration time memcached reads as relative: 30 days. */
  static final long MAX_RELATIVE_SECONDS = 2_592_000L;
  /** The latest Unix time memcached holds. */
  static final long MAX_UNIX_TIME = Integer.MAX_VALUE;

  private Expiry() {}

  /**
   * Returns the expiration time to send for a TTL.
   *
   * @param ttlMillis positive milliseconds, or {@code 0} for never
   * @param serverNowSeconds the server's current Unix time
   * @return {@code 0} for never, seconds up to 30 days, else a Unix time
   * @throws IllegalArgumentException if {@code ttlMillis} is negative
   */
  static long exptime(long ttlMillis, long serverNowSeconds) {
    if (ttlMillis == 0) {
      return 0;
    }
    return fromSeconds(Durations.ttlSeconds(ttlMillis), serverNowSeconds);
  }

  /**
   * Returns the expiration time that keeps an item's remaining TTL, as read with the
   * {@code t} flag.
   *
   * @param remainingSeconds the {@code t} value: seconds left, or {@code -1} for never
   * @param serverNowSeconds the server's current Unix time
   * @return the expiration time to send
   */
  static long keep(int remainingSeconds, long serverNowSeconds) {
    if (remainingSeconds == -1 || remainingSeconds == Reply.NO_TTL) {
      return 0;
    }
    // 0 left means "expires within this second"; 0 would mean "never"
    return fromSeconds(Math.max(1, remainingSeconds), serverNowSeconds);
  }

  private static long fromSeconds(long seconds, long serverNowSeconds) {
    if (seconds <= MAX_RELATIVE_SECONDS) {
      return seconds;
    }
    long at = serverNowSeconds + seconds;
    return at < 0 || at > MAX_UNIX_TIME ? MAX_UNIX_TIME : at;
  }
}

package io.larder.memcached.internal;

import io.larder.spi.Counters;

/**
 * Larder's signed 64-bit counters on memcached's unsigned {@code ma}. Pure.
 *
 * <p>{@code ma} adds modulo 2^64, so adding the two's complement of a negative delta
 * subtracts, and the result, read as a signed {@code long}, is the signed sum unless the sum
 * overflowed. A result of 2^63 or more is a negative number in two's complement, which the
 * client rewrites as {@code -123} text at once (see {@code DefaultMemcachedStore#incr}).
 * Reading either form back is {@link Counters#parseWrapping}.
 */
final class SignedCounters {
  private SignedCounters() {}

  /**
   * Returns the {@code D}/{@code J} token for a delta: the delta as unsigned 64 bits.
   *
   * @param delta a signed delta
   * @return for {@code -1}, {@code 18446744073709551615}
   */
  static String token(long delta) {
    return Long.toUnsignedString(delta);
  }

  /**
   * Tells whether a signed addition overflowed, given only its wrapped result: for
   * {@code delta >= 0} a true sum above {@code Long.MAX_VALUE} wraps below
   * {@code Long.MIN_VALUE + delta}, which no sum of a {@code long} and {@code delta} can be;
   * symmetrically for negative deltas.
   *
   * @param delta the delta added
   * @param wrapped the sum modulo 2^64, as a signed long
   * @return {@code true} if the true sum does not fit in a {@code long}
   */
  static boolean overflowed(long delta, long wrapped) {
    return delta >= 0 ? wrapped < Long.MIN_VALUE + delta : wrapped > Long.MAX_VALUE + delta;
  }
}

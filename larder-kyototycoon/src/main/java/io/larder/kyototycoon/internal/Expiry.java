package io.larder.kyototycoon.internal;

import io.larder.spi.Durations;
import io.larder.spi.Store;

/**
 * Kyoto Tycoon's expiration times ({@code xt}), as pure functions.
 *
 * <p>The server keeps an absolute time in whole seconds of its own clock, 40 bits wide
 * ({@link #XT_MAX}, about the year 36812, means "never"). A record lives while the server's
 * current second is not past it, so one written with a relative {@code xt} of {@code n}
 * seconds lives between {@code n} and {@code n + 1} seconds.
 *
 * <p>What a client sends: a positive number of seconds from now; a negative number, whose
 * absolute value is an absolute time; in the binary protocol, {@code 0} means "expire now"
 * (it is not "never"); in HTTP RPC, an omitted {@code xt} means "never"; anything beyond
 * {@code XT_MAX} is clamped to it. So this class sends {@link Long#MAX_VALUE} in the binary
 * protocol and nothing in HTTP for "never", and otherwise the TTL in whole seconds rounded up
 * ({@link Durations#ttlSeconds}, as for every store), so at least one second.
 */
final class Expiry {
  /** The largest expiration time the server stores, meaning "never": {@code 2^40 - 1}. */
  static final long XT_MAX = (1L << 40) - 1;

  private Expiry() {}

  /**
   * Returns the {@code xt} of a binary {@code set_bulk} record for a store TTL.
   *
   * @param ttlMillis positive milliseconds, or {@link Store#NO_EXPIRY}
   * @return seconds from now, or {@link Long#MAX_VALUE} (clamped by the server to "never")
   */
  static long binary(long ttlMillis) {
    return ttlMillis == Store.NO_EXPIRY ? Long.MAX_VALUE : Durations.ttlSeconds(ttlMillis);
  }

  /**
   * Returns the {@code xt} parameter of an HTTP RPC call for a store TTL.
   *
   * @param ttlMillis positive milliseconds, or {@link Store#NO_EXPIRY}
   * @return seconds from now in decimal, or {@code null} to omit the parameter ("never")
   */
  static String http(long ttlMillis) {
    return ttlMillis == Store.NO_EXPIRY ? null : Long.toString(Durations.ttlSeconds(ttlMillis));
  }

  /**
   * Returns the HTTP {@code xt} parameter that keeps an absolute expiration time read with
   * {@code get_bulk}: the time negated, or nothing for "never".
   *
   * @param absoluteXt the time {@code get_bulk} returned
   * @return the parameter, or {@code null} to omit it
   */
  static String keep(long absoluteXt) {
    return absoluteXt >= XT_MAX || absoluteXt <= 0 ? null : Long.toString(-absoluteXt);
  }
}

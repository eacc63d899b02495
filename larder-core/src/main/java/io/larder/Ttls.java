package io.larder;

import io.larder.spi.Store;
import java.time.Duration;
import java.util.Objects;

/** Converts the facade's {@link Duration} TTLs into the store's milliseconds. */
final class Ttls {
  /** TTLs this long or longer mean "never expires" (a hundred years). */
  static final Duration FOREVER_THRESHOLD = Duration.ofDays(36_525);

  private Ttls() {}

  /**
   * Returns a TTL in store milliseconds, rounded up: {@link Store#NO_EXPIRY} for
   * {@link Cache#FOREVER} and anything over a hundred years, -1 for "expired already" (zero
   * or negative).
   *
   * @throws NullPointerException if {@code ttl} is null
   */
  static long millis(Duration ttl) {
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isZero() || ttl.isNegative()) {
      return -1;
    }
    if (ttl.compareTo(FOREVER_THRESHOLD) >= 0) {
      return Store.NO_EXPIRY;
    }
    long ms = ttl.toMillis();
    return ttl.minusMillis(ms).isZero() ? ms : ms + 1;
  }

  /**
   * Returns a TTL that must be positive in store milliseconds.
   *
   * @param what what the TTL is for, for the message ("counter")
   * @throws IllegalArgumentException if {@code ttl} is zero or negative
   */
  static long positive(Duration ttl, String what) {
    long ms = millis(ttl);
    if (ms < 0) {
      throw new IllegalArgumentException(what + " TTL must be positive, was " + ttl);
    }
    return ms;
  }

  /** The store TTL of a computed value: fresh for {@code ttl}, then servable stale. */
  static long storeMillis(Freshness f) {
    long fresh = millis(f.ttl());
    return fresh == Store.NO_EXPIRY ? Store.NO_EXPIRY : millis(f.ttl().plus(f.staleTime()));
  }

  /** The epoch millisecond a value computed at {@code now} stops being fresh; 0 for never. */
  static long freshUntil(Freshness f, long now) {
    long fresh = millis(f.ttl());
    return fresh == Store.NO_EXPIRY ? 0 : now + fresh;
  }
}

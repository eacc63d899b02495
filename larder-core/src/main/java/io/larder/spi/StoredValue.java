package io.larder.spi;

import java.util.Objects;

/**
 * Bytes read from a store together with the version that a compare-and-set checks and, where
 * the store knows it, the time the entry has left to live.
 *
 * <p>What a version is belongs to the store: a row counter (SQLite), a CAS unique
 * (memcached), a write counter (memory). Stores without versions set it to {@code 0} and
 * compare {@link #bytes()} instead. The array is not copied; neither side may modify it.
 *
 * @param bytes the stored bytes, never {@code null}
 * @param version the store's version of the entry
 * @param ttlMillis the milliseconds the entry has left to live when read, {@link Store#NO_EXPIRY}
 *     if it never expires, or {@link #UNKNOWN_TTL} if the store does not say; the
 *     {@link Store#incr} and {@link Store#touch} defaults use it to keep a counter's expiry
 */
public record StoredValue(byte[] bytes, long version, long ttlMillis) {
  /** The {@link #ttlMillis} of a store that does not report what time an entry has left. */
  public static final long UNKNOWN_TTL = -1;

  /**
   * Creates a stored value.
   *
   * @param bytes the stored bytes
   * @param version the store's version of the entry
   * @param ttlMillis what time the entry has left, {@link Store#NO_EXPIRY} or
   *     {@link #UNKNOWN_TTL}
   * @throws NullPointerException if {@code bytes} is null
   * @throws IllegalArgumentException if {@code ttlMillis} is below {@link #UNKNOWN_TTL}
   */
  public StoredValue {
    Objects.requireNonNull(bytes, "bytes");
    if (ttlMillis < UNKNOWN_TTL) {
      throw new IllegalArgumentException("ttlMillis must be -1 (unknown) or more, was " + ttlMillis);
    }
  }

  /**
   * Creates a stored value whose remaining time to live is not known.
   *
   * @param bytes the stored bytes
   * @param version the store's version of the entry
   * @throws NullPointerException if {@code bytes} is null
   */
  public StoredValue(byte[] bytes, long version) {
    this(bytes, version, UNKNOWN_TTL);
  }
}

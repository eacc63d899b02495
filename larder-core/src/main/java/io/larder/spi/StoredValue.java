package io.larder.spi;

import java.util.Objects;

/**
 * Bytes read from a store together with the version that a compare-and-set checks.
 *
 * <p>What a version is belongs to the store: a row counter (SQLite), a CAS unique
 * (memcached), a write counter (memory). Stores without versions set it to {@code 0} and
 * compare {@link #bytes()} instead. The array is not copied; neither side may modify it.
 *
 * @param bytes the stored bytes, never {@code null}
 * @param version the store's version of the entry
 */
public record StoredValue(byte[] bytes, long version) {
  /**
   * Creates a stored value.
   *
   * @param bytes the stored bytes
   * @param version the store's version of the entry
   * @throws NullPointerException if {@code bytes} is null
   */
  public StoredValue {
    Objects.requireNonNull(bytes, "bytes");
  }
}

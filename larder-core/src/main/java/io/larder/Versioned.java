package io.larder;

import io.larder.spi.StoredValue;
import org.jspecify.annotations.Nullable;

/**
 * A value read for a compare-and-set: the value (or its absence) and the store's version
 * of it.
 *
 * <pre>{@code
 * Versioned<Long> stock = cache.getVersioned("stock:312", Long.class);
 * long left = stock.exists() ? stock.value() : 10;
 * boolean written = cache.compareAndSet(stock, left - 1);   // false if someone wrote first
 * }</pre>
 *
 * <p>Pass it back to {@link Cache#compareAndSet} of the same cache. Most code should call
 * {@link Cache#update(String, Codec, java.util.function.UnaryOperator)}, which runs the
 * read-modify-write loop itself.
 *
 * @param <T> the value type
 */
public final class Versioned<T> {
  /** The runtime of the cache that read it: a compare-and-set must go to the same one. */
  final CacheRuntime owner;
  final Keys.StoreKey key;
  final StoredValue stored;
  final Codec<T> codec;
  private final T value;

  Versioned(CacheRuntime owner, Keys.StoreKey key, StoredValue stored, Codec<T> codec, T value) {
    this.owner = owner;
    this.key = key;
    this.stored = stored;
    this.codec = codec;
    this.value = value;
  }

  /**
   * Returns the key as the caller gave it.
   *
   * @return the key
   */
  public String key() {
    return key.userKey();
  }

  /**
   * Returns the value read, or {@code null} if the key was missing or its bytes could not be
   * decoded.
   *
   * @return the value or {@code null}
   */
  public @Nullable T value() {
    return value;
  }

  /**
   * Tells whether the key held a value when read (even one that could not be decoded; a
   * compare-and-set then replaces it).
   *
   * @return {@code true} if the key was present
   */
  public boolean exists() {
    return stored != null;
  }

  @Override
  public String toString() {
    return "Versioned[" + key.userKey() + (exists() ? "=" + value : " absent") + "]";
  }
}

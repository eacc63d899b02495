package io.larder;

import io.larder.internal.MemoryStore;
import io.larder.internal.MemoryStoreProvider;
import io.larder.spi.Store;
import java.time.InstantSource;
import java.util.Objects;

/**
 * Factories for the stores built into {@code larder-core}. Store modules have their own
 * (for example {@code io.larder.jdbc.SqliteStores}).
 *
 * <pre>{@code
 * Store store = Stores.memoryBuilder().maxBytes(16 << 20).build();
 * Cache cache = Larder.builder().store(store).build();   // the cache borrows the store
 * }</pre>
 */
public final class Stores {
  private Stores() {}

  /**
   * Returns a new in-process store bounded to 64 MiB.
   *
   * @return the store
   */
  public static Store memory() {
    return memoryBuilder().build();
  }

  /**
   * Returns a builder for an in-process store.
   *
   * @return the builder
   */
  public static MemoryBuilder memoryBuilder() {
    return new MemoryBuilder();
  }

  /**
   * Builds an in-process store (Caffeine): bounded by the total bytes of keys and values,
   * evicting the least valuable entries first (Caffeine's W-TinyLFU), each entry expiring by
   * its own TTL.
   */
  public static final class MemoryBuilder {
    private long maxBytes = MemoryStoreProvider.DEFAULT_MAX_BYTES;
    private InstantSource clock;
    private boolean maxBytesSet;

    private MemoryBuilder() {}

    /**
     * Bounds the bytes held (keys, values, and about 96 bytes per entry); 64 MiB by default.
     *
     * @param maxBytes a positive number of bytes
     * @return this builder
     * @throws IllegalArgumentException if {@code maxBytes} is not positive
     * @throws IllegalStateException if already set
     */
    public MemoryBuilder maxBytes(long maxBytes) {
      if (maxBytesSet) {
        throw new IllegalStateException("maxBytes was already set");
      }
      if (maxBytes < 1) {
        throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
      }
      this.maxBytes = maxBytes;
      maxBytesSet = true;
      return this;
    }

    /**
     * Sets the time source for expiry; tests pass a manual clock. By default the system's
     * monotonic clock.
     *
     * @param clock the time source
     * @return this builder
     * @throws NullPointerException if {@code clock} is null
     * @throws IllegalStateException if already set
     */
    public MemoryBuilder clock(InstantSource clock) {
      if (this.clock != null) {
        throw new IllegalStateException("clock was already set");
      }
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Creates the store.
     *
     * @return the store
     */
    public Store build() {
      return new MemoryStore(maxBytes, clock);
    }
  }
}

package io.larder.internal;

import io.larder.spi.Store;
import io.larder.spi.StoreProvider;
import io.larder.spi.StoreUrl;
import java.time.InstantSource;
import java.util.Set;

/**
 * Opens {@code mem:} URLs: {@code mem:} or {@code mem:?maxBytes=64m}. Not public API.
 */
public final class MemoryStoreProvider implements StoreProvider {
  /** The default bound on the bytes a memory store holds: 64 MiB. */
  public static final long DEFAULT_MAX_BYTES = 64L << 20;

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public MemoryStoreProvider() {}

  @Override
  public Set<String> schemes() {
    return Set.of("mem");
  }

  @Override
  public Store open(StoreUrl url, InstantSource clock) {
    if (!url.body().isEmpty()) {
      throw new IllegalArgumentException("mem: takes no path, only options: '" + url.redacted()
          + "' (did you mean mem:?maxBytes=...)");
    }
    long maxBytes = url.sizeOption("maxBytes").orElse(DEFAULT_MAX_BYTES);
    return new MemoryStore(maxBytes, clock == InstantSource.system() ? null : clock);
  }
}

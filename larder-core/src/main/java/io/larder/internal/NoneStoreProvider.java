package io.larder.internal;

import io.larder.spi.Store;
import io.larder.spi.StoreProvider;
import io.larder.spi.StoreUrl;
import java.time.InstantSource;
import java.util.Set;

/**
 * Opens {@code none:} URLs: caching off, every write evicted at once (see {@link NoneStore}).
 * The scheme takes no path and no options of its own. Not public API.
 */
public final class NoneStoreProvider implements StoreProvider {

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public NoneStoreProvider() {}

  @Override
  public Set<String> schemes() {
    return Set.of("none");
  }

  @Override
  public Store open(StoreUrl url, InstantSource clock) {
    if (!url.body().isEmpty()) {
      throw new IllegalArgumentException("none: takes no path and no options of its own: '"
          + url.redacted() + "' (write none:, or none:?prefix=... for the cache's options)");
    }
    return new NoneStore();
  }
}

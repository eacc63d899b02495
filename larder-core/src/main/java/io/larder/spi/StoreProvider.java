package io.larder.spi;

import java.time.InstantSource;
import java.util.Set;

/**
 * Opens stores for one or more URL schemes; found with {@link java.util.ServiceLoader}.
 *
 * <p>A module adds a scheme by shipping an implementation listed in
 * {@code META-INF/services/io.larder.spi.StoreProvider}: {@code larder-jdbc} adds
 * {@code sqlite:}, {@code larder-redis} adds {@code redis:}. Implementations need a public
 * no-argument constructor.
 */
public interface StoreProvider {

  /**
   * Returns the URL schemes this provider opens, in lower case, without the colon.
   *
   * @return the schemes, for example {@code Set.of("redis", "rediss")}
   */
  Set<String> schemes();

  /**
   * Opens a store for a URL.
   *
   * <p>The provider reads its own options from {@code url} with {@link StoreUrl#option};
   * options nobody read are reported to the user as unknown.
   *
   * @param url the parsed URL; its scheme is one of {@link #schemes()}
   * @param clock the time source for expiry, injected by tests
   * @return the open store, owned by the caller
   * @throws IllegalArgumentException if the URL or an option is malformed
   * @throws io.larder.CacheException if the store cannot be reached
   */
  Store open(StoreUrl url, InstantSource clock);
}

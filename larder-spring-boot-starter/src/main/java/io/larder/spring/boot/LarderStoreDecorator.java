package io.larder.spring.boot;

import io.larder.spi.Store;

/**
 * A bean that wraps the store of the auto-configured Larder cache (for timing, logging,
 * fault injection); every such bean applies, in order. The metrics configuration declares one
 * that times each store call when Micrometer is present.
 */
@FunctionalInterface
public interface LarderStoreDecorator {
  /**
   * Returns the store to use in place of {@code store}; it must forward {@code close()}.
   *
   * @param store the store opened from {@code larder.url}, or decorated by an earlier bean
   * @return the decorated store
   */
  Store decorate(Store store);
}

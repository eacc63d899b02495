/**
 * The store SPI: what a store implements ({@link io.larder.spi.Store}), how it is found for a
 * URL scheme ({@link io.larder.spi.StoreProvider}), and the plumbing every store shares
 * (addresses, reconnect backoff, TTL seconds, counters, option checks).
 *
 * <p>Every type is non-null unless annotated {@code @Nullable} (JSpecify).
 */
@NullMarked
package io.larder.spi;

import org.jspecify.annotations.NullMarked;

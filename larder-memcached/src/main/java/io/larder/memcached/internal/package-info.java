/**
 * The memcached store's implementation: URL parsing, the meta-protocol client on Netty,
 * connections and their reconnects; not exported from the {@code io.larder.memcached} module
 * and not public API.
 */
package io.larder.memcached.internal;

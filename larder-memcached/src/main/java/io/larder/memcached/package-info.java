/**
 * The memcached store: {@code memcached://host:port} and pools of servers, over Larder's own
 * client for memcached's meta protocol ({@code mg}, {@code ms}, {@code md}, {@code ma},
 * {@code mn}) on Netty.
 *
 * <p>Usually opened from a URL, with this module on the class path:
 *
 * <pre>{@code
 * Cache cache = Larder.open("memcached://cache1:11211,cache2:11211?ttl=60s");
 * }</pre>
 *
 * <p>or built directly for one server with {@link io.larder.memcached.MemcachedStores}. See
 * {@code docs/memcached.md} for URLs, the protocol features used, limits and failover.
 */
package io.larder.memcached;

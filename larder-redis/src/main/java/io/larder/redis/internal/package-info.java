/**
 * The Redis store's implementation: URL parsing, key mapping, Lua scripts, the single-server
 * and cluster transports over Lettuce, and the settings checks. Not exported from the
 * {@code io.larder.redis} module and not public API; only
 * {@link io.larder.redis.internal.RedisStoreProvider} is public, for
 * {@link java.util.ServiceLoader}.
 */
package io.larder.redis.internal;

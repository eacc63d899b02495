/**
 * The Redis store's implementation: URL parsing, key mapping, versions carried in values, Lua
 * scripts, the single-server and cluster transports over Lettuce, the merging of concurrent
 * calls, the caller-thread connection to a single server, and the settings checks. Not exported from the
 * {@code io.larder.redis} module and not public API; only
 * {@link io.larder.redis.internal.RedisStoreProvider} is public, for
 * {@link java.util.ServiceLoader}.
 */
package io.larder.redis.internal;

/**
 * Larder's Redis store ({@code redis:}, {@code rediss:} and {@code redis-cluster:} URLs) on
 * Lettuce, in {@code io.larder.redis}.
 *
 * @provides io.larder.spi.StoreProvider the Redis schemes
 */
module io.larder.redis {
  requires transitive io.larder;
  requires lettuce.core;
  requires io.netty.common;
  requires io.netty.transport;

  exports io.larder.redis;

  provides io.larder.spi.StoreProvider with io.larder.redis.internal.RedisStoreProvider;
}

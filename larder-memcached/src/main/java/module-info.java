/**
 * Larder's memcached store ({@code memcached:} and {@code memcacheds:} URLs), a meta-protocol
 * client on Netty, in {@code io.larder.memcached}.
 *
 * @provides io.larder.spi.StoreProvider the memcached schemes
 */
module io.larder.memcached {
  requires transitive io.larder;
  requires com.github.benmanes.caffeine;
  requires io.netty.buffer;
  requires io.netty.codec;
  requires io.netty.common;
  requires io.netty.handler;
  requires io.netty.transport;

  exports io.larder.memcached;

  provides io.larder.spi.StoreProvider with
      io.larder.memcached.internal.MemcachedStoreProvider;
}

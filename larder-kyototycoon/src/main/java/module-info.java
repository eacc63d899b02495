/**
 * Larder's Kyoto Tycoon store ({@code kt:} URLs), in {@code io.larder.kyototycoon}.
 *
 * @provides io.larder.spi.StoreProvider the {@code kt:} scheme
 */
module io.larder.kyototycoon {
  requires transitive io.larder;
  requires io.netty.buffer;
  requires io.netty.codec;
  requires io.netty.common;
  requires io.netty.handler;
  requires io.netty.transport;

  exports io.larder.kyototycoon;

  provides io.larder.spi.StoreProvider with
      io.larder.kyototycoon.internal.KyotoTycoonStoreProvider;
}

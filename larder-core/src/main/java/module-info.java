/**
 * Larder's API ({@code io.larder}), the store SPI ({@code io.larder.spi}) and the built-in
 * {@code mem:} and {@code none:} stores; finds the other stores' {@code StoreProvider}s with
 * {@link java.util.ServiceLoader}.
 *
 * @uses io.larder.spi.StoreProvider
 * @provides io.larder.spi.StoreProvider the {@code mem:} and {@code none:} schemes
 */
module io.larder {
  requires com.github.benmanes.caffeine;
  requires static transitive org.jspecify;

  exports io.larder;
  exports io.larder.spi;

  uses io.larder.spi.StoreProvider;

  provides io.larder.spi.StoreProvider with
      io.larder.internal.MemoryStoreProvider,
      io.larder.internal.NoneStoreProvider;
}

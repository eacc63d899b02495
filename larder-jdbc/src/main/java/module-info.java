/**
 * Larder's SQLite store ({@code sqlite:} URLs), in {@code io.larder.jdbc}.
 *
 * @provides io.larder.spi.StoreProvider the {@code sqlite:} scheme
 */
module io.larder.jdbc {
  requires transitive io.larder;
  requires transitive java.sql;
  requires org.xerial.sqlitejdbc;

  exports io.larder.jdbc;

  provides io.larder.spi.StoreProvider with io.larder.jdbc.internal.SqliteStoreProvider;
}

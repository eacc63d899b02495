/**
 * Larder's SQL stores, in {@code io.larder.jdbc}: the embedded SQLite file ({@code sqlite:}) and
 * a table in PostgreSQL or MariaDB ({@code postgresql:}, {@code mariadb:}, {@code mysql:}),
 * pooled by HikariCP. The PostgreSQL and MariaDB JDBC drivers are found by JDBC's own service
 * lookup at run time.
 *
 * @provides io.larder.spi.StoreProvider the {@code sqlite:} and database schemes
 */
module io.larder.jdbc {
  requires transitive io.larder;
  requires transitive java.sql;
  requires org.xerial.sqlitejdbc;
  requires com.zaxxer.hikari;

  exports io.larder.jdbc;

  provides io.larder.spi.StoreProvider with
      io.larder.jdbc.internal.SqliteStoreProvider,
      io.larder.jdbc.internal.DatabaseStoreProvider;
}

package io.larder.jdbc.internal;

import io.larder.jdbc.DatabaseStores;
import io.larder.spi.Store;
import io.larder.spi.StoreProvider;
import io.larder.spi.StoreUrl;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Set;

/**
 * Opens {@code postgresql://user:password@host:port/database}, {@code mariadb://...} and
 * {@code mysql://...} (a MariaDB server) URLs with a connection pool of their own.
 *
 * <p>Options: {@code table}, {@code createTable}, {@code unlogged}, {@code maxEntries},
 * {@code purgeInterval}, {@code timeout} (statement timeout), {@code connectTimeout},
 * {@code poolSize}, {@code minIdle}, and the drivers' TLS options; see
 * {@code docs/database.md}.
 */
public final class DatabaseStoreProvider implements StoreProvider {

  /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
  public DatabaseStoreProvider() {}

  /**
   * Returns the schemes this provider opens.
   *
   * @return {@code postgresql}, {@code postgres}, {@code mariadb} and {@code mysql}
   */
  @Override
  public Set<String> schemes() {
    return Set.of("postgresql", "postgres", "mariadb", "mysql");
  }

  /**
   * Opens the table a URL names, creating it if missing.
   *
   * @param url a database URL
   * @param clock the time source for expiry
   * @return the open store
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the URL or an option is malformed
   * @throws io.larder.CacheException if the database cannot be reached or fails
   */
  @Override
  public Store open(StoreUrl url, InstantSource clock) {
    return DatabaseStores.open(Objects.requireNonNull(url, "url"),
        Objects.requireNonNull(clock, "clock"));
  }
}

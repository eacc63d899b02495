package io.larder.jdbc;

import io.larder.spi.Store;

/**
 * A {@link Store} kept in a table of a PostgreSQL or MariaDB database, with the maintenance
 * call that the table needs.
 *
 * <p>Expired entries are never returned, but they stay in the table until they are purged: by
 * the store's own schedule (see {@link DatabaseStores.Builder#purgeInterval}), or by calling
 * {@link #purgeExpired()}.
 */
public interface DatabaseCacheStore extends Store {

  /**
   * Deletes every expired entry from the table now and, if the store has an entry limit and
   * the table holds more, the least recently used entries down to about 90% of it.
   *
   * <p>Rows go in batches of short statements; on PostgreSQL rows locked by another writer
   * (or by another process purging at once) are skipped rather than waited for.
   *
   * @return how many entries were deleted
   * @throws io.larder.CacheTimeoutException if a batch outlasts the statement timeout
   * @throws io.larder.CacheException if the store is closed or the database fails
   */
  int purgeExpired();
}

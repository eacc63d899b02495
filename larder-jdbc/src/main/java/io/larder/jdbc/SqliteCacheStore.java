package io.larder.jdbc;

import io.larder.spi.Store;

/**
 * A {@link Store} kept in an SQLite file, with the maintenance call that the file needs.
 *
 * <p>Expired entries are never returned, but they stay in the file until they are purged:
 * by the store's own schedule (see {@link SqliteStores.Builder#purgeInterval}), when the
 * store culls to stay under its entry limit, or by calling {@link #purgeExpired()}.
 */
public interface SqliteCacheStore extends Store {

  /**
   * Deletes every expired entry from the file now.
   *
   * <p>Large purges run in batches of short transactions, so that other writers, in this
   * process or another, are not locked out for long.
   *
   * @return how many expired entries were deleted
   * @throws io.larder.CacheTimeoutException if the file stayed locked by another writer for
   *     longer than the busy timeout
   * @throws io.larder.CacheException if the store is closed or SQLite fails
   */
  int purgeExpired();
}

/**
 * The SQLite store: a cache kept in one embedded database file, shared safely by the
 * threads of one process and by several processes.
 *
 * <p>Open it through a URL ({@code sqlite:data/cache.db?maxEntries=100000}) or with
 * {@link io.larder.jdbc.SqliteStores#builder(java.nio.file.Path)}.
 */
package io.larder.jdbc;

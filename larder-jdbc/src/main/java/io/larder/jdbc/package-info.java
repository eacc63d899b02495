/**
 * The SQL stores: a cache kept in one embedded SQLite file, shared safely by the threads of one
 * process and by several processes, or in a table of a PostgreSQL or MariaDB database, shared
 * by every web server.
 *
 * <p>Open them through a URL ({@code sqlite:data/cache.db?maxEntries=100000},
 * {@code postgresql://user:password@host:5432/db?table=larder_cache}) or with
 * {@link io.larder.jdbc.SqliteStores#builder(java.nio.file.Path)} and
 * {@link io.larder.jdbc.DatabaseStores#postgresql(javax.sql.DataSource)}.
 */
package io.larder.jdbc;

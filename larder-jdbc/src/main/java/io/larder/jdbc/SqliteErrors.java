package io.larder.jdbc;

import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.CacheTimeoutException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;

/** Maps SQLite failures onto the {@link CacheException} family. */
final class SqliteErrors {
  // primary result codes, https://sqlite.org/rescode.html
  private static final int SQLITE_PERM = 3;
  private static final int SQLITE_BUSY = 5;
  private static final int SQLITE_LOCKED = 6;
  private static final int SQLITE_READONLY = 8;
  private static final int SQLITE_CANTOPEN = 14;
  private static final int SQLITE_NOTADB = 26;

  private SqliteErrors() {}

  /**
   * Translates a failure.
   *
   * @param e what the driver threw
   * @param file the cache file, named in the message
   * @param operation what the store was doing, for example {@code "incr"}
   * @param busyTimeout the configured busy timeout, named in timeout messages
   * @return a {@link CacheTimeoutException} if the file stayed locked, a
   *     {@link CacheConnectionException} if it cannot be opened or written, otherwise a
   *     {@link CacheException}
   */
  static CacheException translate(
      SQLException e, Path file, String operation, Duration busyTimeout) {
    // the driver reports extended result codes; the low byte is the primary code
    switch (e.getErrorCode() & 0xff) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        return new CacheTimeoutException("SQLite file " + file + " stayed locked by another "
            + "connection for more than the busy timeout (" + busyTimeout.toMillis()
            + "ms) during " + operation, e);
      case SQLITE_PERM:
      case SQLITE_READONLY:
      case SQLITE_CANTOPEN:
      case SQLITE_NOTADB:
        return new CacheConnectionException("cannot use SQLite file " + file + " for "
            + operation + ": " + e.getMessage(), e);
      default:
        return new CacheException(
            "SQLite " + operation + " on " + file + " failed: " + e.getMessage(), e);
    }
  }
}

package io.larder.jdbc;

import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.CacheTimeoutException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;

/** Maps PostgreSQL and MariaDB failures onto the {@link CacheException} family. */
final class DatabaseErrors {
  // PostgreSQL SQLSTATEs: query_canceled (statement_timeout), lock_not_available (lock_timeout)
  private static final String PG_CANCELED = "57014";
  private static final String PG_LOCK_TIMEOUT = "55P03";
  // MariaDB error codes: max_statement_time exceeded, lock wait timeout
  private static final int MARIADB_STATEMENT_TIME = 1969;
  private static final int MARIADB_LOCK_WAIT = 1205;
  private static final int MARIADB_DEADLOCK = 1213;

  private DatabaseErrors() {}

  /**
   * Translates a failure.
   *
   * @param e what the driver or pool threw
   * @param where the dialect and table, named in the message
   * @param operation what the store was doing, for example {@code "incr"}
   * @return a {@link CacheTimeoutException} for a statement or lock timeout, or a socket read
   *     timeout on the open connection, a {@link CacheConnectionException} when the database
   *     cannot be reached, otherwise a {@link CacheException}
   */
  static CacheException translate(SQLException e, Dialect where, String operation) {
    return translate(e, where, operation, true);
  }

  /**
   * Translates a failure to get a connection. Unlike {@link #translate}, it does not read a
   * socket timeout among the causes as a timeout: a server that accepts the connection but
   * never answers the handshake is one that cannot be reached, a
   * {@link CacheConnectionException}, however the pool words it.
   *
   * @param e what the data source threw
   * @param where the dialect and table, named in the message
   * @param operation what the store was doing
   * @return the translated failure
   */
  static CacheException translateConnect(SQLException e, Dialect where, String operation) {
    return translate(e, where, operation, false);
  }

  private static CacheException translate(SQLException e, Dialect where, String operation,
      boolean connected) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String message = where.product() + " " + operation + " on table " + where.table
        + " failed: " + e.getMessage();
    if (e instanceof SQLTimeoutException || PG_CANCELED.equals(state)
        || PG_LOCK_TIMEOUT.equals(state) || e.getErrorCode() == MARIADB_STATEMENT_TIME
        || e.getErrorCode() == MARIADB_LOCK_WAIT || (connected && socketTimedOut(e))) {
      return new CacheTimeoutException(message, e);
    }
    if (e instanceof SQLTransientConnectionException || state.startsWith("08")
        || state.equals("57P01") || state.equals("57P03")) {
      // 57P01 admin_shutdown and 57P03 cannot_connect_now: the server is going or coming
      return new CacheConnectionException(message, e);
    }
    return new CacheException(message, e);
  }

  /**
   * Tells whether the driver's last bound, its socket read timeout, cut the call off (the
   * drivers report it as a broken connection, with the {@link SocketTimeoutException} as a
   * cause): the call outlasted its time, as a statement timeout would.
   */
  private static boolean socketTimedOut(Throwable e) {
    Throwable t = e;
    for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
      if (t instanceof SocketTimeoutException) {
        return true;
      }
    }
    return false;
  }

  /** Tells whether retrying the whole transaction may succeed: a deadlock or a conflict. */
  static boolean retryable(SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    return state.equals("40P01") || state.equals("40001")
        || e.getErrorCode() == MARIADB_DEADLOCK;
  }
}

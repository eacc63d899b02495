package io.larder.jdbc;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.sqlite.SQLiteConfig;
import org.sqlite.jdbc4.JDBC4Connection;

/**
 * One JDBC connection to the cache file with its prepared statements kept for reuse. Not
 * thread-safe: one thread uses it at a time.
 */
final class SqliteConnection implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(SqliteConnection.class.getName());

  private final Connection connection;
  private final Map<String, PreparedStatement> statements = new HashMap<>();

  private SqliteConnection(Connection connection) {
    this.connection = connection;
  }

  /**
   * Opens a connection in auto-commit mode with SQLite's busy timeout set.
   *
   * @param file an absolute path
   * @param busyTimeout how long SQLite retries a locked file
   * @return the connection
   * @throws SQLException if SQLite cannot open the file
   */
  static SqliteConnection open(Path file, Duration busyTimeout) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout((int) busyTimeout.toMillis());
    // by file name rather than through DriverManager: the driver would read a '?' in the
    // path as the start of URL parameters
    return new SqliteConnection(
        new JDBC4Connection("jdbc:sqlite:" + file, file.toString(), config.toProperties()));
  }

  /**
   * Returns a prepared statement for {@code sql} with its parameters bound.
   *
   * @param sql the statement
   * @param params values for its {@code ?} parameters: {@code String}, {@code Long},
   *     {@code Integer} or {@code byte[]}
   * @return the statement, owned by this connection
   * @throws SQLException if SQLite rejects the statement
   */
  PreparedStatement prepare(String sql, Object... params) throws SQLException {
    PreparedStatement statement = statements.get(sql);
    if (statement == null) {
      statement = connection.prepareStatement(sql);
      statements.put(sql, statement);
    }
    for (int i = 0; i < params.length; i++) {
      Object param = params[i];
      if (param instanceof byte[]) {
        statement.setBytes(i + 1, (byte[]) param);
      } else if (param instanceof String) {
        statement.setString(i + 1, (String) param);
      } else {
        statement.setLong(i + 1, ((Number) param).longValue());
      }
    }
    return statement;
  }

  /**
   * Runs a statement that changes rows.
   *
   * @return how many rows it changed, not counting changes made by triggers
   * @throws SQLException if SQLite fails
   */
  int update(String sql, Object... params) throws SQLException {
    return prepare(sql, params).executeUpdate();
  }

  /**
   * Runs a query whose first row's first column is a number.
   *
   * @return that number, or {@code defaultValue} if there is no row
   * @throws SQLException if SQLite fails
   */
  long queryLong(long defaultValue, String sql, Object... params) throws SQLException {
    try (ResultSet rows = prepare(sql, params).executeQuery()) {
      return rows.next() ? rows.getLong(1) : defaultValue;
    }
  }

  /**
   * Runs a statement without parameters and without keeping it prepared: transaction
   * control, pragmas and schema changes.
   *
   * @return the first column of the first row as text, or {@code null} if it returns none
   * @throws SQLException if SQLite fails
   */
  String execute(String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      if (!statement.execute(sql)) {
        return null;
      }
      try (ResultSet rows = statement.getResultSet()) {
        return rows.next() ? rows.getString(1) : null;
      }
    }
  }

  /** Closes the prepared statements and the connection, logging failures. */
  @Override
  public void close() {
    for (PreparedStatement statement : statements.values()) {
      try {
        statement.close();
      } catch (SQLException e) {
        LOG.log(Level.DEBUG, "closing an SQLite statement failed", e);
      }
    }
    statements.clear();
    try {
      connection.close();
    } catch (SQLException e) {
      LOG.log(Level.WARNING, "closing an SQLite connection failed", e);
    }
  }
}

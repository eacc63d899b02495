package io.larder.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * MariaDB (10.6 or later): an InnoDB table with {@code VARBINARY} keys, key lists as one
 * placeholder per key, many-row {@code INSERT ... ON DUPLICATE KEY UPDATE}, a sequence for
 * versions, and {@code DELETE ... RETURNING}. MySQL lacks sequences and {@code RETURNING}, so
 * it is not supported.
 */
final class MariaDbDialect extends Dialect {

  MariaDbDialect(String table) {
    super(table);
  }

  @Override
  String product() {
    return "MariaDB";
  }

  @Override
  boolean stopsDeletesSilently() {
    return true;
  }

  @Override
  List<String> ddl(boolean unlogged) {
    return List.of(
        "CREATE TABLE IF NOT EXISTS " + table + " ("
            + "cache_key VARBINARY(" + MAX_KEY_BYTES + ") NOT NULL PRIMARY KEY,"
            + " cache_value LONGBLOB NOT NULL, expires_at BIGINT NOT NULL,"
            + " version BIGINT NOT NULL, accessed_at BIGINT NOT NULL,"
            + " KEY " + table + "_by_expiry (expires_at),"
            + " KEY " + table + "_by_access (accessed_at)) ENGINE=InnoDB",
        "CREATE SEQUENCE IF NOT EXISTS " + sequence);
  }

  @Override
  boolean tableExists(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM"
        + " information_schema.tables WHERE table_schema = DATABASE() AND table_name IN (?, ?)")) {
      s.setString(1, table);
      s.setString(2, sequence);
      try (ResultSet r = s.executeQuery()) {
        return r.next() && r.getInt(1) == 2;
      }
    }
  }

  @Override
  void createTable(Connection c, boolean unlogged) throws SQLException {
    // each statement is atomic under its metadata lock, so IF NOT EXISTS is enough here
    try (Statement s = c.createStatement()) {
      for (String statement : ddl(unlogged)) {
        s.execute(statement);
      }
    }
  }

  @Override
  String nextVersion() {
    return "NEXTVAL(" + sequence + ")";
  }

  @Override
  String upsert() {
    return "INSERT INTO " + table + " " + COLUMNS + " VALUES (?, ?, ?, " + nextVersion()
        + ", ?)" + ON_DUPLICATE;
  }

  private static final String ON_DUPLICATE = " ON DUPLICATE KEY UPDATE"
      + " cache_value = VALUES(cache_value), expires_at = VALUES(expires_at),"
      + " version = VALUES(version), accessed_at = VALUES(accessed_at)";

  @Override
  String addIfAbsent() {
    // the affected-row count of ON DUPLICATE KEY UPDATE depends on a driver option that a
    // borrowed DataSource may not set; deleteExpired() + insertIfAbsent() do not
    return null;
  }

  @Override
  String insertIfAbsent() {
    return "INSERT IGNORE INTO " + table + " " + COLUMNS + " VALUES (?, ?, ?, " + nextVersion()
        + ", ?)";
  }

  @Override
  String incrementInPlace() {
    // MariaDB's UPDATE has no RETURNING: the sum goes to a session variable as well, read by
    // incrementResult() on the same connection after the row lock is gone
    String sum = "(CASE WHEN cache_value REGEXP " + COUNTER_PATTERN
        + " THEN CAST(TRIM(cache_value) AS DECIMAL(20, 0)) + ? END)";
    return "UPDATE " + table + " SET cache_value = CAST((@larder_counter := " + sum
        + ") AS CHAR), version = " + nextVersion() + ", accessed_at = ?"
        + " WHERE cache_key = ? AND " + LIVE + " AND " + sum + " BETWEEN " + LONG_RANGE;
  }

  @Override
  String incrementResult() {
    return "SELECT @larder_counter";
  }

  @Override
  int maxKeysPerStatement() {
    return 10_000; // one placeholder per key, and the protocol allows 65,535
  }

  @Override
  String keysIn(int count) {
    StringBuilder in = new StringBuilder(16 + 2 * count).append("cache_key IN (");
    for (int i = 0; i < count; i++) {
      in.append(i == 0 ? "?" : ", ?");
    }
    return in.append(')').toString();
  }

  @Override
  int bindKeys(PreparedStatement statement, int index, byte[][] keys) throws SQLException {
    for (byte[] key : keys) {
      statement.setBytes(index++, key);
    }
    return index;
  }

  @Override
  String setMany(int count) {
    StringBuilder sql = new StringBuilder(120 + 32 * count)
        .append("INSERT INTO ").append(table).append(' ').append(COLUMNS).append(" VALUES ");
    for (int i = 0; i < count; i++) {
      sql.append(i == 0 ? "" : ", ").append("(?, ?, ?, ").append(nextVersion()).append(", ?)");
    }
    return sql.append(ON_DUPLICATE).toString();
  }

  @Override
  void bindSetMany(PreparedStatement statement, byte[][] keys, byte[][] values,
      long expiresAt, long now) throws SQLException {
    int index = 1;
    for (int i = 0; i < keys.length; i++) {
      statement.setBytes(index++, keys[i]);
      statement.setBytes(index++, values[i]);
      statement.setLong(index++, expiresAt);
      statement.setLong(index++, now);
    }
  }

  @Override
  int setManyChunk() {
    return 500;
  }

  @Override
  String purgeBatch() {
    return "DELETE FROM " + table + " WHERE expires_at > 0 AND expires_at <= ? LIMIT ?";
  }

  @Override
  String evictBatch() {
    return "DELETE FROM " + table + " ORDER BY accessed_at LIMIT ?";
  }

  @Override
  String sessionTimeoutSql(long millis) {
    long lockSeconds = Math.max(1, (millis + 999) / 1000);
    return "SET SESSION max_statement_time = " + (millis / 1000.0)
        + ", innodb_lock_wait_timeout = " + lockSeconds;
  }

  @Override
  List<String> diagnose(Connection c) throws SQLException {
    List<String> warnings = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT @@innodb_flush_log_at_trx_commit, @@log_bin,"
            + " @@max_allowed_packet")) {
      if (r.next()) {
        if (r.getInt(1) == 1) {
          warnings.add("innodb_flush_log_at_trx_commit is 1: every cache write waits for a"
              + " redo log flush to disk; 2 (or 0) suits a cache, which may lose its last"
              + " second of writes in a crash");
        }
        if (r.getBoolean(2)) {
          warnings.add("the binary log is on: every cache write is logged and replicated;"
              + " run the cache table's writes with SET SESSION sql_log_bin = 0, or keep the"
              + " cache in a server without binary logging");
        }
        if (r.getLong(3) < 16L << 20) {
          warnings.add("max_allowed_packet is " + r.getLong(3) + " bytes: larger cache"
              + " values or a large setMany are refused; 16M or more suits a cache");
        }
      }
    }
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT privilege_type FROM"
            + " information_schema.user_privileges WHERE grantee = CONCAT('''',"
            + " SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''',"
            + " SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')"
            + " UNION SELECT privilege_type FROM information_schema.schema_privileges"
            + " WHERE table_schema = DATABASE() UNION SELECT privilege_type FROM"
            + " information_schema.table_privileges WHERE table_schema = DATABASE()"
            + " AND table_name = '" + table + "'")) {
      List<String> granted = new ArrayList<>();
      while (r.next()) {
        granted.add(r.getString(1));
      }
      List<String> missing = new ArrayList<>();
      for (String needed : List.of("SELECT", "INSERT", "UPDATE", "DELETE")) {
        if (!granted.contains(needed)) {
          missing.add(needed);
        }
      }
      if (!missing.isEmpty()) {
        warnings.add("the user lacks " + String.join(", ", missing) + " on table " + table
            + ": GRANT SELECT, INSERT, UPDATE, DELETE ON " + table + " TO ...");
      }
    }
    return warnings;
  }
}

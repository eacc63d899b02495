package io.larder.jdbc;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * PostgreSQL: {@code bytea} keys and values, key lists as one {@code bytea[]} parameter, an
 * optional {@code UNLOGGED} table, and culling with {@code FOR UPDATE SKIP LOCKED} so that
 * processes culling at once take different rows rather than waiting for each other.
 */
final class PostgresDialect extends Dialect {

  PostgresDialect(String table) {
    super(table);
  }

  @Override
  String product() {
    return "PostgreSQL";
  }

  @Override
  List<String> ddl(boolean unlogged) {
    return List.of(
        "CREATE " + (unlogged ? "UNLOGGED " : "") + "TABLE IF NOT EXISTS " + table + " ("
            + "cache_key bytea PRIMARY KEY, cache_value bytea NOT NULL,"
            + " expires_at bigint NOT NULL, version bigint NOT NULL,"
            + " accessed_at bigint NOT NULL)",
        "CREATE INDEX IF NOT EXISTS " + table + "_by_expiry ON " + table
            + " (expires_at) WHERE expires_at > 0",
        "CREATE INDEX IF NOT EXISTS " + table + "_by_access ON " + table + " (accessed_at)",
        "CREATE SEQUENCE IF NOT EXISTS " + sequence);
  }

  @Override
  boolean tableExists(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT to_regclass(?) IS NOT NULL AND to_regclass(?) IS NOT NULL")) {
      s.setString(1, table);
      s.setString(2, sequence);
      try (ResultSet r = s.executeQuery()) {
        return r.next() && r.getBoolean(1);
      }
    }
  }

  @Override
  void createTable(Connection c, boolean unlogged) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      // IF NOT EXISTS still races in the catalog; a lock per table name serializes creators
      s.execute("SELECT pg_advisory_xact_lock(hashtext('larder:" + table + "'))");
      for (String statement : ddl(unlogged)) {
        s.execute(statement);
      }
      c.commit();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  @Override
  String nextVersion() {
    return "nextval('" + sequence + "')";
  }

  @Override
  String upsert() {
    return "INSERT INTO " + table + " " + COLUMNS + " VALUES (?, ?, ?, " + nextVersion()
        + ", ?) ON CONFLICT (cache_key) DO UPDATE SET cache_value = EXCLUDED.cache_value,"
        + " expires_at = EXCLUDED.expires_at, version = EXCLUDED.version,"
        + " accessed_at = EXCLUDED.accessed_at";
  }

  @Override
  String addIfAbsent() {
    return upsert() + " WHERE " + table + ".expires_at <> 0 AND " + table
        + ".expires_at <= ?";
  }

  @Override
  String insertIfAbsent() {
    return "INSERT INTO " + table + " " + COLUMNS + " VALUES (?, ?, ?, " + nextVersion()
        + ", ?) ON CONFLICT (cache_key) DO NOTHING";
  }

  @Override
  String incrementInPlace() {
    // encode(..., 'escape') leaves digits, spaces and '-' as they are and escapes any byte
    // that is not ASCII, so the pattern sees the stored bytes; CASE keeps the cast from ever
    // meeting text that is not a number
    String text = "encode(cache_value, 'escape')";
    String sum = "(CASE WHEN " + text + " ~ " + COUNTER_PATTERN + " THEN btrim(" + text
        + ", ' ')::numeric + ? END)";
    return "UPDATE " + table + " SET cache_value = convert_to(" + sum + "::text, 'UTF8'),"
        + " version = " + nextVersion() + ", accessed_at = ? WHERE cache_key = ? AND " + LIVE
        + " AND " + sum + " BETWEEN " + LONG_RANGE + " RETURNING cache_value";
  }

  @Override
  String incrementResult() {
    return null;
  }

  @Override
  int maxKeysPerStatement() {
    return Integer.MAX_VALUE; // one array parameter
  }

  @Override
  String keysIn(int count) {
    return "cache_key = ANY (?)";
  }

  @Override
  int bindKeys(PreparedStatement statement, int index, byte[][] keys) throws SQLException {
    statement.setArray(index, byteaArray(statement.getConnection(), keys));
    return index + 1;
  }

  @Override
  String setMany(int count) {
    // one statement for the whole map: the rows arrive as two parallel arrays
    return "INSERT INTO " + table + " " + COLUMNS
        + " SELECT e.k, e.v, ?, " + nextVersion() + ", ? FROM unnest(?, ?) AS e(k, v)"
        + " ON CONFLICT (cache_key) DO UPDATE SET cache_value = EXCLUDED.cache_value,"
        + " expires_at = EXCLUDED.expires_at, version = EXCLUDED.version,"
        + " accessed_at = EXCLUDED.accessed_at";
  }

  @Override
  void bindSetMany(PreparedStatement statement, byte[][] keys, byte[][] values,
      long expiresAt, long now) throws SQLException {
    statement.setLong(1, expiresAt);
    statement.setLong(2, now);
    statement.setArray(3, byteaArray(statement.getConnection(), keys));
    statement.setArray(4, byteaArray(statement.getConnection(), values));
  }

  @Override
  int setManyChunk() {
    return Integer.MAX_VALUE;
  }

  @Override
  String purgeBatch() {
    return "DELETE FROM " + table + " WHERE cache_key IN (SELECT cache_key FROM " + table
        + " WHERE expires_at > 0 AND expires_at <= ? LIMIT ? FOR UPDATE SKIP LOCKED)";
  }

  @Override
  String evictBatch() {
    return "DELETE FROM " + table + " WHERE cache_key IN (SELECT cache_key FROM " + table
        + " ORDER BY accessed_at LIMIT ? FOR UPDATE SKIP LOCKED)";
  }

  @Override
  String sessionTimeoutSql(long millis) {
    return "SET statement_timeout = " + millis + "; SET lock_timeout = " + millis;
  }

  @Override
  List<String> diagnose(Connection c) throws SQLException {
    List<String> warnings = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(
        "SELECT c.relpersistence, current_setting('synchronous_commit'),"
            // one privilege per call: a list asks whether any of them is held
            + " has_table_privilege(c.oid, 'SELECT') AND has_table_privilege(c.oid, 'INSERT')"
            + " AND has_table_privilege(c.oid, 'UPDATE')"
            + " AND has_table_privilege(c.oid, 'DELETE'),"
            + " has_sequence_privilege(?::regclass, 'USAGE')"
            + " FROM pg_class c WHERE c.oid = ?::regclass")) {
      s.setString(1, sequence);
      s.setString(2, table);
      try (ResultSet r = s.executeQuery()) {
        if (r.next()) {
          boolean logged = "p".equals(r.getString(1));
          String synchronousCommit = r.getString(2);
          if (logged && !"off".equals(synchronousCommit)) {
            warnings.add("table " + table + " is logged and synchronous_commit is "
                + synchronousCommit + ": every cache write waits for a WAL flush to disk;"
                + " open with unlogged=true (a fresh table) or run ALTER TABLE " + table
                + " SET UNLOGGED, or ALTER ROLE ... SET synchronous_commit = off");
          }
          if (!r.getBoolean(3)) {
            warnings.add("the user lacks SELECT, INSERT, UPDATE or DELETE on table " + table
                + ": GRANT SELECT, INSERT, UPDATE, DELETE ON " + table + " TO ...");
          }
          if (!r.getBoolean(4)) {
            warnings.add("the user lacks USAGE on sequence " + sequence
                + ": GRANT USAGE ON SEQUENCE " + sequence + " TO ...");
          }
        }
      }
    }
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT current_setting('statement_timeout')")) {
      if (r.next() && "0".equals(r.getString(1))) {
        warnings.add("statement_timeout is 0 for this session: a stuck cache query waits"
            + " forever (Larder sets it on the connections of its own pool)");
      }
    }
    return warnings;
  }

  private static Array byteaArray(Connection c, byte[][] items) throws SQLException {
    return c.createArrayOf("bytea", items);
  }
}

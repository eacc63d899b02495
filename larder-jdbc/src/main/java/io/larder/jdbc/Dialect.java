package io.larder.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The SQL one database speaks for the cache table: what differs between PostgreSQL and
 * MariaDB. Every statement names the table given at construction; the store binds the rest.
 *
 * <p>The table: {@code cache_key} (the key's UTF-8 bytes, so that byte order is code point
 * order and a prefix is a key range), {@code cache_value}, {@code expires_at} and
 * {@code accessed_at} (epoch milliseconds of the store's clock; {@code expires_at = 0} means
 * never) and {@code version} (from a sequence, never reused).
 */
abstract class Dialect {
  /** The longest key kept as it is, in UTF-8 bytes; the facade encodes longer ones. */
  static final int MAX_KEY_BYTES = 1024;

  private static final Pattern TABLE = Pattern.compile("[a-z_][a-z0-9_]{0,50}");

  static final String COLUMNS = "(cache_key, cache_value, expires_at, version, accessed_at)";
  static final String LIVE = "(expires_at = 0 OR expires_at > ?)";
  /** What {@code Counters.parse} accepts: spaces, an optional minus sign, 1 to 19 digits. */
  static final String COUNTER_PATTERN = "'^ *-?[0-9]{1,19} *$'";
  static final String LONG_RANGE = "-9223372036854775808 AND 9223372036854775807";

  final String table;
  final String sequence;

  Dialect(String table) {
    this.table = table;
    this.sequence = table + "_version";
  }

  /**
   * Checks a table name: lower-case letters, digits and underscores, so it never needs quoting.
   *
   * @throws IllegalArgumentException if the name is not such a word
   */
  static String checkTable(String table) {
    if (!TABLE.matcher(table).matches()) {
      throw new IllegalArgumentException("table must be 1 to 51 lower-case letters, digits or"
          + " underscores, starting with a letter or underscore, was '" + table + "'");
    }
    return table;
  }

  /** Returns the database's name for messages: {@code "PostgreSQL"} or {@code "MariaDB"}. */
  abstract String product();

  /** Returns the statements that create the table, its indexes and its sequence. */
  abstract List<String> ddl(boolean unlogged);

  /** Tells whether the table exists, by asking the catalog; the connection is in autocommit. */
  abstract boolean tableExists(Connection c) throws SQLException;

  /**
   * Runs the DDL so that two processes creating the table at once do not trip over each other.
   */
  abstract void createTable(Connection c, boolean unlogged) throws SQLException;

  /** Returns the expression that takes the next version from the sequence. */
  abstract String nextVersion();

  /** {@code INSERT ... ON CONFLICT DO UPDATE}: key, value, expiresAt, now. */
  abstract String upsert();

  /** Binds a key list to one parameter, or to {@code keys.length} parameters. */
  abstract int bindKeys(PreparedStatement statement, int index, byte[][] keys)
      throws SQLException;

  /**
   * How many keys one {@link #keysIn} statement takes at most; a longer list is read (or
   * deleted) in several statements on one connection.
   */
  abstract int maxKeysPerStatement();

  /** Returns the condition {@code cache_key IN (keys)} for {@link #bindKeys}. */
  abstract String keysIn(int count);

  /**
   * Adds to a live, well-formed counter in one statement, holding the row lock only while it
   * runs: delta, now, key, now, delta. It changes nothing (so that the caller falls back
   * to {@link #lockForIncrement()}, which reports the error exactly) when the key is missing or
   * expired, does not hold a decimal 64-bit integer, or the sum would overflow.
   */
  abstract String incrementInPlace();

  /** Reads what {@link #incrementInPlace()} wrote, on the same connection; null if it returns
   * its result itself. */
  abstract String incrementResult();

  /** Returns statements that write many entries at once; see {@link #bindSetMany}. */
  abstract String setMany(int count);

  /** Binds sorted keys and values (and expiresAt, now) for {@link #setMany}. */
  abstract void bindSetMany(PreparedStatement statement, byte[][] keys, byte[][] values,
      long expiresAt, long now) throws SQLException;

  /** How many entries one {@link #setMany} statement carries at most. */
  abstract int setManyChunk();

  /** Deletes up to a number of expired rows: now, limit. */
  abstract String purgeBatch();

  /** Deletes up to a number of least recently used rows: limit. */
  abstract String evictBatch();

  /** Sets the session's timeouts, run once on each new connection of a pool we own. */
  abstract String sessionTimeoutSql(long millis);

  /** Reads the settings that hurt a cache and returns a sentence for each. */
  abstract List<String> diagnose(Connection c) throws SQLException;

  // ---- statements both dialects share

  String get() {
    return "SELECT cache_value FROM " + table + " WHERE cache_key = ? AND " + LIVE;
  }

  String getVersioned() {
    return "SELECT cache_value, version FROM " + table + " WHERE cache_key = ? AND " + LIVE;
  }

  String getMany(int count) {
    return "SELECT cache_key, cache_value FROM " + table + " WHERE " + keysIn(count)
        + " AND " + LIVE;
  }

  String exists() {
    return "SELECT 1 FROM " + table + " WHERE cache_key = ? AND " + LIVE;
  }

  String lockForIncrement() {
    return "SELECT cache_value, expires_at FROM " + table + " WHERE cache_key = ? FOR UPDATE";
  }

  String setCounter() {
    return "UPDATE " + table + " SET cache_value = ?, version = " + nextVersion()
        + ", accessed_at = ? WHERE cache_key = ?";
  }

  String replaceIfVersion() {
    return "UPDATE " + table + " SET cache_value = ?, expires_at = ?, version = "
        + nextVersion() + ", accessed_at = ? WHERE cache_key = ? AND version = ? AND " + LIVE;
  }

  String touch() {
    return "UPDATE " + table + " SET expires_at = ?, version = " + nextVersion()
        + ", accessed_at = ? WHERE cache_key = ? AND " + LIVE;
  }

  String delete() {
    return "DELETE FROM " + table + " WHERE cache_key = ? RETURNING expires_at";
  }

  String deleteMany(int count) {
    return "DELETE FROM " + table + " WHERE " + keysIn(count) + " RETURNING expires_at";
  }

  String clearAll() {
    return "DELETE FROM " + table;
  }

  String clearRange() {
    return "DELETE FROM " + table + " WHERE cache_key >= ? AND cache_key < ?";
  }

  String clearFrom() {
    return "DELETE FROM " + table + " WHERE cache_key >= ?";
  }

  /**
   * Returns the query that finds one row a clear statement ({@link #clearAll},
   * {@link #clearRange} or {@link #clearFrom}) would delete, with the same parameters: its
   * {@code WHERE}, {@code LIMIT 1}.
   */
  String anyLeft(String clear) {
    return "SELECT 1" + clear.substring("DELETE".length()) + " LIMIT 1";
  }

  /**
   * Tells whether the server may answer a {@code DELETE} it stopped at its statement time
   * limit with "0 rows" and nothing deleted, instead of an error (MariaDB does; see
   * {@link Rows#deleteReturningLive}).
   */
  boolean stopsDeletesSilently() {
    return false;
  }

  String count() {
    return "SELECT count(*) FROM " + table;
  }

  String recordRead() {
    return "UPDATE " + table + " SET accessed_at = ? WHERE cache_key = ? AND accessed_at < ?";
  }

  /**
   * Add as a single statement where the database has one: inserts, or replaces an expired
   * row, and changes nothing if a live row is there. Parameters: key, value, expiresAt, now,
   * now. Returns null where the database needs {@link #deleteExpired()} and
   * {@link #insertIfAbsent()} instead.
   */
  abstract String addIfAbsent();

  /**
   * Deletes a key's row if it has expired: key, now. It returns the row, so that a statement
   * the server stopped is told apart from one that found nothing (see
   * {@link Rows#deleteReturningLive}).
   */
  String deleteExpired() {
    return "DELETE FROM " + table + " WHERE cache_key = ? AND expires_at <> 0"
        + " AND expires_at <= ? RETURNING expires_at";
  }

  /** Inserts a row unless the key has one: key, value, expiresAt, now. */
  abstract String insertIfAbsent();

  @Override
  public String toString() {
    return product() + " table " + table;
  }
}

package io.larder.jdbc;

import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.CacheTimeoutException;
import io.larder.spi.Counters;
import io.larder.spi.Invalidations;
import io.larder.spi.StoreSize;
import io.larder.spi.StoreTraits;
import io.larder.spi.StoredValue;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The store behind {@link SqliteStores}: one table of entries in an SQLite file.
 *
 * <h2>Schema</h2>
 * {@code larder_entries(key, value, expires_at, version, accessed_at)}: times are epoch
 * milliseconds of the injected clock, {@code expires_at = 0} means never. A one-row
 * {@code larder_meta} holds the number of rows and the last version handed out, both kept
 * by triggers, so that the entry limit is checked without counting and versions are never
 * reused, even for a key deleted and written again. {@code PRAGMA user_version} records the
 * schema's version.
 *
 * <h2>Concurrency</h2>
 * The file runs in WAL mode, so reads go on beside a writer. Reads use a small pool of
 * connections, each in auto-commit mode. Writes in this process go through one connection
 * behind a fair lock; writers in other processes are met by SQLite's busy timeout. A write
 * is either a single statement, which takes the write lock before it reads, or a
 * {@code BEGIN IMMEDIATE} transaction that takes it up front: a deferred transaction that
 * reads and then writes can fail when another writer commits in between.
 */
final class SqliteStore implements SqliteCacheStore, Invalidations {
  private static final System.Logger LOG = System.getLogger(SqliteStore.class.getName());

  private static final int SCHEMA_VERSION = 1;
  private static final int PURGE_BATCH = 1_000;

  private static final List<String> SCHEMA = List.of(
      "CREATE TABLE IF NOT EXISTS larder_entries ("
          + " key TEXT PRIMARY KEY NOT NULL,"
          + " value BLOB NOT NULL,"
          + " expires_at INTEGER NOT NULL,"
          + " version INTEGER NOT NULL,"
          + " accessed_at INTEGER NOT NULL)",
      "CREATE INDEX IF NOT EXISTS larder_entries_by_access"
          + " ON larder_entries (accessed_at, version)",
      "CREATE INDEX IF NOT EXISTS larder_entries_by_expiry"
          + " ON larder_entries (expires_at) WHERE expires_at > 0",
      "CREATE TABLE IF NOT EXISTS larder_meta ("
          + " id INTEGER PRIMARY KEY CHECK (id = 0),"
          + " entries INTEGER NOT NULL,"
          + " last_version INTEGER NOT NULL)",
      "INSERT OR IGNORE INTO larder_meta (id, entries, last_version)"
          + " SELECT 0, count(*), coalesce(max(version), 0) FROM larder_entries",
      "CREATE TRIGGER IF NOT EXISTS larder_entries_inserted AFTER INSERT ON larder_entries"
          + " BEGIN UPDATE larder_meta SET entries = entries + 1,"
          + " last_version = max(last_version, NEW.version) WHERE id = 0; END",
      "CREATE TRIGGER IF NOT EXISTS larder_entries_versioned"
          + " AFTER UPDATE OF version ON larder_entries"
          + " BEGIN UPDATE larder_meta SET last_version = max(last_version, NEW.version)"
          + " WHERE id = 0; END",
      "CREATE TRIGGER IF NOT EXISTS larder_entries_deleted AFTER DELETE ON larder_entries"
          + " BEGIN UPDATE larder_meta SET entries = entries - 1 WHERE id = 0; END");

  private static final String LIVE = "(expires_at = 0 OR expires_at > ?)";
  private static final String NEXT_VERSION =
      "(SELECT last_version + 1 FROM larder_meta WHERE id = 0)";
  private static final String KEYS_IN = "key IN (SELECT value FROM json_each(?))";
  private static final String INSERT =
      "INSERT INTO larder_entries (key, value, expires_at, version, accessed_at)"
          + " VALUES (?, ?, ?, " + NEXT_VERSION + ", ?) ON CONFLICT (key) DO UPDATE SET"
          + " value = excluded.value, expires_at = excluded.expires_at,"
          + " version = excluded.version, accessed_at = excluded.accessed_at";

  private static final String GET = "SELECT value FROM larder_entries WHERE key = ? AND " + LIVE;
  private static final String GET_VERSIONED =
      "SELECT value, version FROM larder_entries WHERE key = ? AND " + LIVE;
  private static final String GET_MANY =
      "SELECT key, value FROM larder_entries WHERE " + KEYS_IN + " AND " + LIVE;
  private static final String EXISTS = "SELECT 1 FROM larder_entries WHERE key = ? AND " + LIVE;
  private static final String GET_ANY =
      "SELECT value, expires_at FROM larder_entries WHERE key = ?";
  private static final String SET = INSERT;
  private static final String ADD = INSERT
      + " WHERE larder_entries.expires_at <> 0 AND larder_entries.expires_at <= ?";
  private static final String REPLACE_IF_VERSION = "UPDATE larder_entries SET value = ?,"
      + " expires_at = ?, version = " + NEXT_VERSION + ", accessed_at = ?"
      + " WHERE key = ? AND version = ? AND " + LIVE;
  private static final String SET_COUNTER = "UPDATE larder_entries SET value = ?,"
      + " version = " + NEXT_VERSION + ", accessed_at = ? WHERE key = ?";
  private static final String TOUCH = "UPDATE larder_entries SET expires_at = ?,"
      + " version = " + NEXT_VERSION + ", accessed_at = ? WHERE key = ? AND " + LIVE;
  private static final String DELETE =
      "DELETE FROM larder_entries WHERE key = ? RETURNING expires_at";
  private static final String DELETE_MANY =
      "DELETE FROM larder_entries WHERE " + KEYS_IN + " RETURNING expires_at";
  private static final String CLEAR_ALL = "DELETE FROM larder_entries";
  private static final String CLEAR_RANGE =
      "DELETE FROM larder_entries WHERE key >= ? AND key < ?";
  private static final String CLEAR_FROM = "DELETE FROM larder_entries WHERE key >= ?";
  private static final String COUNT = "SELECT entries FROM larder_meta WHERE id = 0";
  // the size of a prefix: live rows in a range of the primary key, keys and values in bytes
  private static final String SIZE_WHERE = " FROM larder_entries WHERE " + LIVE;
  private static final String SIZE_ENTRIES = "SELECT count(*)" + SIZE_WHERE;
  private static final String SIZE_BYTES =
      "SELECT coalesce(sum(length(CAST(key AS BLOB)) + length(value)), 0)" + SIZE_WHERE;
  private static final String RANGE = " AND key >= ? AND key < ?";
  private static final String FROM = " AND key >= ?";
  private static final String PURGE_ALL =
      "DELETE FROM larder_entries WHERE expires_at > 0 AND expires_at <= ?";
  private static final String PURGE_SOME = "DELETE FROM larder_entries WHERE rowid IN"
      + " (SELECT rowid FROM larder_entries WHERE expires_at > 0 AND expires_at <= ? LIMIT ?)";
  private static final String EVICT_LEAST_RECENT = "DELETE FROM larder_entries WHERE rowid IN"
      + " (SELECT rowid FROM larder_entries ORDER BY accessed_at, version LIMIT ?)";
  private static final String DATA_VERSION = "PRAGMA data_version";
  private static final String EXPIRED_BETWEEN = "SELECT key FROM larder_entries"
      + " WHERE expires_at > 0 AND expires_at > ? AND expires_at <= ?";
  private static final String RECORD_READ =
      "UPDATE larder_entries SET accessed_at = ? WHERE key = ? AND accessed_at < ?";

  private final Path file;
  private final long maxEntries;
  private final long cullTarget;
  private final Duration busyTimeout;
  private final InstantSource clock;
  private final ReentrantLock writeLock = new ReentrantLock(true);
  private final SqliteConnection writer; // guarded by writeLock
  private final int maxReaders;
  private final BlockingQueue<SqliteConnection> idleReaders;
  private final AtomicInteger openReaders = new AtomicInteger();
  /** Keys read since the last flush and when; written to accessed_at in batches. */
  private final Rows.RecentReads recentReads = new Rows.RecentReads();
  private final ScheduledExecutorService purger;
  private final AtomicBoolean closed = new AtomicBoolean();

  private SqliteStore(Path file, SqliteConnection writer, long maxEntries,
      Duration purgeInterval, Duration busyTimeout, InstantSource clock) {
    this.file = file;
    this.writer = writer;
    this.maxEntries = maxEntries;
    this.cullTarget = maxEntries - maxEntries / 10;
    this.busyTimeout = busyTimeout;
    this.clock = clock;
    this.maxReaders = Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors()));
    this.idleReaders = new ArrayBlockingQueue<>(maxReaders);
    if (purgeInterval.isZero()) {
      this.purger = null;
    } else {
      this.purger = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "larder-sqlite-purge " + file.getFileName());
        thread.setDaemon(true);
        return thread;
      });
      long nanos = purgeInterval.toNanos();
      purger.scheduleWithFixedDelay(this::scheduledPurge, nanos, nanos, TimeUnit.NANOSECONDS);
    }
  }

  /** Opens the file, creating its directories and schema if missing. */
  static SqliteStore open(Path file, long maxEntries, Duration purgeInterval,
      Duration busyTimeout, InstantSource clock) {
    Path absolute = file.toAbsolutePath().normalize();
    try {
      Path parent = absolute.getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (IOException e) {
      throw new CacheConnectionException(
          "cannot create the directory of SQLite file " + absolute + ": " + e, e);
    }
    SqliteConnection writer;
    try {
      writer = SqliteConnection.open(absolute, busyTimeout);
    } catch (SQLException e) {
      throw SqliteErrors.translate(e, absolute, "open", busyTimeout);
    }
    try {
      initialize(writer, absolute);
    } catch (SQLException e) {
      writer.close();
      throw SqliteErrors.translate(e, absolute, "open", busyTimeout);
    } catch (RuntimeException e) {
      writer.close();
      throw e;
    }
    return new SqliteStore(absolute, writer, maxEntries, purgeInterval, busyTimeout, clock);
  }

  private static void initialize(SqliteConnection c, Path file) throws SQLException {
    String mode = c.execute("PRAGMA journal_mode = WAL");
    if (!"wal".equalsIgnoreCase(mode)) {
      LOG.log(Level.WARNING, "SQLite file {0} runs in journal mode {1}, not WAL: readers"
          + " will wait for writers", file, mode);
    }
    c.execute("PRAGMA synchronous = NORMAL");
    inTransaction(c, tx -> {
      long schema = Long.parseLong(tx.execute("PRAGMA user_version"));
      if (schema > SCHEMA_VERSION) {
        throw new CacheConnectionException("SQLite file " + file + " has schema version "
            + schema + ", newer than this Larder's " + SCHEMA_VERSION
            + ", or belongs to another application");
      }
      for (String statement : SCHEMA) {
        tx.execute(statement);
      }
      tx.execute("PRAGMA user_version = " + SCHEMA_VERSION);
      return null;
    });
  }

  @Override
  public byte[] get(String key) {
    SqlKeys.check(key, "key");
    long now = clock.millis();
    byte[] value = read("get", c -> {
      try (ResultSet row = c.prepare(GET, key, now).executeQuery()) {
        return row.next() ? row.getBytes(1) : null;
      }
    });
    if (value != null) {
      rememberRead(key, now);
    }
    return value;
  }

  @Override
  public Map<String, byte[]> getMany(Collection<String> keys) {
    Objects.requireNonNull(keys, "keys");
    keys.forEach(key -> SqlKeys.check(key, "key"));
    if (keys.isEmpty()) {
      return new HashMap<>();
    }
    long now = clock.millis();
    String json = SqlKeys.jsonArray(keys);
    Map<String, byte[]> found = read("getMany", c -> {
      Map<String, byte[]> values = new HashMap<>();
      try (ResultSet rows = c.prepare(GET_MANY, json, now).executeQuery()) {
        while (rows.next()) {
          values.put(rows.getString(1), rows.getBytes(2));
        }
      }
      return values;
    });
    found.keySet().forEach(key -> rememberRead(key, now));
    return found;
  }

  @Override
  public void set(String key, byte[] value, long ttlMillis) {
    SqlKeys.check(key, "key");
    Objects.requireNonNull(value, "value");
    long now = clock.millis();
    long expiresAt = Rows.expiresAt(now, ttlMillis);
    write("set", c -> {
      c.update(SET, key, value, expiresAt, now);
      cullIfFull(c, now);
      return null;
    });
  }

  @Override
  public void setMany(Map<String, byte[]> entries, long ttlMillis) {
    Objects.requireNonNull(entries, "entries");
    entries.forEach((key, value) -> {
      SqlKeys.check(key, "key");
      Objects.requireNonNull(value, () -> "value of key '" + key + "'");
    });
    long now = clock.millis();
    long expiresAt = Rows.expiresAt(now, ttlMillis);
    if (entries.isEmpty()) {
      return;
    }
    write("setMany", c -> {
      inTransaction(c, tx -> {
        for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
          tx.update(SET, entry.getKey(), entry.getValue(), expiresAt, now);
        }
        return null;
      });
      cullIfFull(c, now);
      return null;
    });
  }

  @Override
  public boolean add(String key, byte[] value, long ttlMillis) {
    return add("add", key, value, ttlMillis);
  }

  private boolean add(String operation, String key, byte[] value, long ttlMillis) {
    SqlKeys.check(key, "key");
    Objects.requireNonNull(value, "value");
    long now = clock.millis();
    long expiresAt = Rows.expiresAt(now, ttlMillis);
    return write(operation, c -> {
      // inserts, or replaces an expired row; a live row makes the upsert do nothing
      boolean added = c.update(ADD, key, value, expiresAt, now, now) > 0;
      if (added) {
        cullIfFull(c, now);
      }
      return added;
    });
  }

  @Override
  public boolean delete(String key) {
    SqlKeys.check(key, "key");
    long now = clock.millis();
    return write("delete", c -> Rows.deleteReturningLive(c.prepare(DELETE, key), now)) > 0;
  }

  @Override
  public int deleteMany(Collection<String> keys) {
    Objects.requireNonNull(keys, "keys");
    keys.forEach(key -> SqlKeys.check(key, "key"));
    if (keys.isEmpty()) {
      return 0;
    }
    long now = clock.millis();
    String json = SqlKeys.jsonArray(keys);
    return write("deleteMany", c -> Rows.deleteReturningLive(c.prepare(DELETE_MANY, json), now));
  }

  @Override
  public boolean exists(String key) {
    SqlKeys.check(key, "key");
    long now = clock.millis();
    return read("exists", c -> {
      try (ResultSet row = c.prepare(EXISTS, key, now).executeQuery()) {
        return row.next();
      }
    });
  }

  @Override
  public boolean touch(String key, long ttlMillis) {
    SqlKeys.check(key, "key");
    long now = clock.millis();
    long expiresAt = Rows.expiresAt(now, ttlMillis);
    return write("touch", c -> c.update(TOUCH, expiresAt, now, key, now) > 0);
  }

  @Override
  public long incr(String key, long delta, long ttlMillis) {
    SqlKeys.check(key, "key");
    long now = clock.millis();
    long expiresAt = Rows.expiresAt(now, ttlMillis);
    return write("incr", c -> {
      long result = inTransaction(c, tx -> {
        try (ResultSet row = tx.prepare(GET_ANY, key).executeQuery()) {
          if (row.next()) {
            long rowExpiresAt = row.getLong(2);
            if (rowExpiresAt == 0 || rowExpiresAt > now) {
              long sum = Counters.add(key, Counters.parse(key, row.getBytes(1)), delta);
              tx.update(SET_COUNTER, Counters.format(sum), now, key);
              return sum;
            }
          }
        }
        tx.update(SET, key, Counters.format(delta), expiresAt, now);
        return delta;
      });
      cullIfFull(c, now);
      return result;
    });
  }

  @Override
  public StoredValue getVersioned(String key) {
    SqlKeys.check(key, "key");
    long now = clock.millis();
    StoredValue value = read("getVersioned", c -> {
      try (ResultSet row = c.prepare(GET_VERSIONED, key, now).executeQuery()) {
        return row.next() ? new StoredValue(row.getBytes(1), row.getLong(2)) : null;
      }
    });
    if (value != null) {
      rememberRead(key, now);
    }
    return value;
  }

  @Override
  public boolean compareAndSet(String key, StoredValue expected, byte[] value, long ttlMillis) {
    if (expected == null) {
      return add("compareAndSet", key, value, ttlMillis);
    }
    SqlKeys.check(key, "key");
    Objects.requireNonNull(value, "value");
    long now = clock.millis();
    long expiresAt = Rows.expiresAt(now, ttlMillis);
    return write("compareAndSet", c -> c.update(
        REPLACE_IF_VERSION, value, expiresAt, now, key, expected.version(), now) > 0);
  }

  @Override
  public void clear(String prefix) {
    SqlKeys.check(prefix, "prefix");
    if (prefix.isEmpty()) {
      write("clear", c -> c.update(CLEAR_ALL));
      recentReads.forget("");
      return;
    }
    // a range over the primary key index; LIKE or GLOB would need the prefix escaped
    Optional<String> upper = SqlKeys.successor(prefix);
    write("clear", c -> upper.isPresent()
        ? c.update(CLEAR_RANGE, prefix, upper.get())
        : c.update(CLEAR_FROM, prefix));
    recentReads.forget(prefix);
  }

  /**
   * Counts the live rows under {@code prefix} and the bytes of their keys and values (the
   * file also holds indexes and free pages); two scans of the key range, in one read.
   */
  @Override
  public StoreSize size(String prefix) {
    SqlKeys.check(prefix, "prefix");
    long now = clock.millis();
    Optional<String> upper = prefix.isEmpty() ? Optional.empty() : SqlKeys.successor(prefix);
    String range = prefix.isEmpty() ? "" : upper.isPresent() ? RANGE : FROM;
    Object[] params = prefix.isEmpty() ? new Object[] {now}
        : upper.isPresent() ? new Object[] {now, prefix, upper.get()}
        : new Object[] {now, prefix};
    return read("size", c -> StoreSize.ofPrefix(c.queryLong(0, SIZE_ENTRIES + range, params),
        c.queryLong(0, SIZE_BYTES + range, params)));
  }

  @Override
  public int purgeExpired() {
    long now = clock.millis();
    if (!recentReads.isEmpty()) {
      write("purgeExpired", c -> inTransaction(c, this::flushReads));
    }
    int total = 0;
    int removed;
    do {
      // one short transaction per batch, so that other writers get their turn in between
      removed = write("purgeExpired", c -> c.update(PURGE_SOME, now, PURGE_BATCH));
      total += removed;
    } while (removed == PURGE_BATCH);
    return total;
  }

  private void scheduledPurge() {
    try {
      purgeExpired();
    } catch (CacheException e) {
      if (!closed.get()) {
        LOG.log(Level.WARNING, "scheduled purge of SQLite file " + file + " failed", e);
      }
    }
  }

  /** Culls when the file holds more than {@code maxEntries}; the caller holds the lock. */
  private void cullIfFull(SqliteConnection c, long now) throws SQLException {
    if (maxEntries == 0 || c.queryLong(0, COUNT) <= maxEntries) {
      return;
    }
    try {
      inTransaction(c, tx -> {
        flushReads(tx);
        tx.update(PURGE_ALL, now);
        long excess = tx.queryLong(0, COUNT) - cullTarget;
        if (excess > 0) {
          tx.update(EVICT_LEAST_RECENT, excess);
        }
        return null;
      });
    } catch (SQLException e) {
      // the caller's write is committed; failing it now would misreport it, and the next
      // write culls again
      LOG.log(Level.WARNING, "culling SQLite file " + file + " to " + cullTarget
          + " entries failed", e);
    }
  }

  /** Writes remembered read times to {@code accessed_at}; the caller holds the lock. */
  private Void flushReads(SqliteConnection tx) throws SQLException {
    List<Map.Entry<String, Long>> reads = recentReads.snapshot();
    for (Map.Entry<String, Long> read : reads) {
      long at = read.getValue();
      tx.update(RECORD_READ, at, read.getKey(), at);
    }
    recentReads.written(reads);
    return null;
  }

  private void rememberRead(String key, long now) {
    if (maxEntries > 0) {
      recentReads.remember(key, now);
    }
  }

  /**
   * Releases the connections and stops the purge schedule. Reads remembered for recency are
   * written first. Idempotent.
   */
  /**
   * Any key; milliseconds; new arrays per read (JDBC returns a new array for every column);
   * {@code add} as one {@code INSERT}; values up to SQLite's default blob limit
   * ({@code SQLITE_MAX_LENGTH}, 10^9 bytes).
   */
  @Override
  public StoreTraits traits() {
    return StoreTraits.DEFAULT.withReadsReturnCopies(true).withNativeAdd(true)
        .withMaxValueBytes(1_000_000_000L);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (purger != null) {
      purger.shutdownNow();
    }
    writeLock.lock();
    try {
      if (!recentReads.isEmpty()) {
        inTransaction(writer, this::flushReads);
      }
    } catch (SQLException e) {
      LOG.log(Level.DEBUG, "recording reads in SQLite file " + file + " at close failed", e);
    } finally {
      writer.close();
      writeLock.unlock();
    }
    closeIdleReaders();
  }

  @Override
  public String toString() {
    return "SqliteStore[" + file + "]";
  }

  // ---- invalidations for a near tier (SqliteWatch)

  @Override
  public Subscription subscribe(String prefix, Listener listener) {
    return subscribe(prefix, SqliteWatch.DEFAULT_LAG, listener);
  }

  @Override
  public Subscription subscribe(String prefix, Duration lag, Listener listener) {
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(listener, "listener");
    checkOpen();
    return SqliteWatch.start(this, prefix, lag, listener);
  }

  /** The store's clock, in the milliseconds of {@code expires_at}. */
  long millis() {
    return clock.millis();
  }

  /**
   * Looks at the file for a near tier: {@code PRAGMA data_version} on the writer connection
   * (it moves only for other connections' commits), and the keys under {@code prefix} whose
   * expiry time lies in {@code (fromMillis, toMillis]}.
   */
  SqliteWatch.Look look(String prefix, long fromMillis, long toMillis) {
    return write("watch", c -> {
      long version = c.queryLong(0, DATA_VERSION);
      List<String> expired = new ArrayList<>();
      if (toMillis > fromMillis) {
        try (ResultSet rows = c.prepare(EXPIRED_BETWEEN, fromMillis, toMillis).executeQuery()) {
          while (rows.next()) {
            String key = rows.getString(1);
            if (key.startsWith(prefix)) {
              expired.add(key);
            }
          }
        }
      }
      return new SqliteWatch.Look(version, expired);
    });
  }

  // ---- connections and transactions

  @FunctionalInterface
  private interface SqlWork<T> {
    T run(SqliteConnection connection) throws SQLException;
  }

  private <T> T read(String operation, SqlWork<T> work) {
    SqliteConnection c = borrowReader(operation);
    try {
      return work.run(c);
    } catch (SQLException e) {
      throw SqliteErrors.translate(e, file, operation, busyTimeout);
    } finally {
      releaseReader(c);
    }
  }

  private <T> T write(String operation, SqlWork<T> work) {
    checkOpen();
    try {
      if (!writeLock.tryLock(busyTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new CacheTimeoutException("waited more than the busy timeout ("
            + busyTimeout.toMillis() + "ms) for other writers in this process to SQLite file "
            + file + " during " + operation);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CacheException(
          "interrupted while waiting to write SQLite file " + file + " during " + operation, e);
    }
    try {
      checkOpen();
      return work.run(writer);
    } catch (SQLException e) {
      throw SqliteErrors.translate(e, file, operation, busyTimeout);
    } finally {
      writeLock.unlock();
    }
  }

  private static <T> T inTransaction(SqliteConnection c, SqlWork<T> work) throws SQLException {
    c.execute("BEGIN IMMEDIATE");
    boolean committed = false;
    try {
      T result = work.run(c);
      c.execute("COMMIT");
      committed = true;
      return result;
    } finally {
      if (!committed) {
        rollback(c);
      }
    }
  }

  private static void rollback(SqliteConnection c) {
    try {
      c.execute("ROLLBACK");
    } catch (SQLException e) {
      // SQLite rolls back by itself after some errors; the original failure matters more
      LOG.log(Level.DEBUG, "SQLite rollback failed", e);
    }
  }

  private SqliteConnection borrowReader(String operation) {
    checkOpen();
    SqliteConnection c = idleReaders.poll();
    if (c != null) {
      return c;
    }
    if (openReaders.incrementAndGet() <= maxReaders) {
      try {
        return SqliteConnection.open(file, busyTimeout);
      } catch (SQLException e) {
        openReaders.decrementAndGet();
        throw SqliteErrors.translate(e, file, operation, busyTimeout);
      }
    }
    openReaders.decrementAndGet();
    try {
      c = idleReaders.poll(busyTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CacheException("interrupted while waiting for a connection to SQLite file "
          + file + " during " + operation, e);
    }
    if (c == null) {
      throw new CacheTimeoutException("no connection to SQLite file " + file
          + " came free within the busy timeout (" + busyTimeout.toMillis() + "ms) during "
          + operation);
    }
    return c;
  }

  private void releaseReader(SqliteConnection c) {
    if (closed.get() || !idleReaders.offer(c)) {
      openReaders.decrementAndGet();
      c.close();
    } else if (closed.get()) {
      closeIdleReaders(); // close() may have drained the pool before the offer
    }
  }

  private void closeIdleReaders() {
    SqliteConnection c;
    while ((c = idleReaders.poll()) != null) {
      openReaders.decrementAndGet();
      c.close();
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new CacheConnectionException("SQLite store " + file + " is closed");
    }
  }
}

package io.larder.jdbc;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.spi.Counters;
import io.larder.spi.KeyRules;
import io.larder.spi.StoreTraits;
import io.larder.spi.StoredValue;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * The store behind {@link DatabaseStores}: one table of entries in PostgreSQL or MariaDB,
 * reached through a pooled {@link DataSource}.
 *
 * <h2>Atomicity</h2>
 * Every call is one statement in autocommit mode, except {@code add} on MariaDB (a delete of
 * an expired row, then {@code INSERT IGNORE}), a {@code setMany} or {@code deleteMany} that
 * MariaDB takes in chunks (one transaction), and {@code incr} beyond its common case: one
 * {@code UPDATE} adds to a live, well-formed counter; failing that, an {@code add} creates the
 * counter, and failing that, a short transaction locks the row with
 * {@code SELECT ... FOR UPDATE} and adds in Java, which reports a malformed value or an
 * overflow exactly. A MariaDB {@code clear} whose {@code DELETE} answers 0 checks, in a
 * statement of its own, that no row it should have deleted is left (a stopped DELETE can
 * answer so), and deletes again if one is. Writes of several rows take them in key order, so
 * two writers never deadlock on each other's rows; a deadlock or serialization failure still
 * is retried.
 *
 * <h2>Maintenance</h2>
 * Times are epoch milliseconds of the injected clock, so the web servers sharing a table must
 * keep their clocks in step (NTP). A daemon thread purges expired rows on a schedule and, when
 * the store has an entry limit, culls: every so many writes of this process it counts the rows
 * and, over the limit, deletes expired then least recently used rows in batches. Reads are
 * remembered in memory, so that a read never costs a write, and written to {@code accessed_at}
 * in batches when a cull is about to delete: after it counted, so that a cull that ran late
 * still sees the reads made while it waited.
 */
final class DatabaseStore implements DatabaseCacheStore {
  private static final System.Logger LOG = System.getLogger(DatabaseStore.class.getName());

  private static final int BATCH = 1_000;
  private static final int ATTEMPTS = 5;
  // a clear's DELETE answered "0 rows" while its rows were there (MariaDB's stopped DELETE)
  private static final int CLEAR_TRIES = 3;
  private static final KeyRules KEY_RULES = new KeyRules(Dialect.MAX_KEY_BYTES, false);

  private final DataSource dataSource;
  private final AutoCloseable ownedPool;
  private final Dialect dialect;
  private final long maxEntries;
  private final long cullTarget;
  private final long cullEvery;
  private final int queryTimeoutSeconds;
  private final InstantSource clock;
  private final Rows.RecentReads recentReads = new Rows.RecentReads();
  private final AtomicLong writesSinceCull = new AtomicLong();
  private final AtomicBoolean culling = new AtomicBoolean();
  private final ScheduledExecutorService maintenance;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final String sqlGet;
  private final String sqlGetVersioned;
  private final String sqlExists;
  private final String sqlUpsert;
  private final String sqlAddIfAbsent;
  private final String sqlDeleteExpired;
  private final String sqlInsertIfAbsent;
  private final String sqlLockForIncrement;
  private final String sqlSetCounter;
  private final String sqlIncrementInPlace;
  private final String sqlIncrementResult;
  /** Whether the driver takes several statements in one call (our own MariaDB pool). */
  private final boolean multiStatements;
  private final String sqlReplaceIfVersion;
  private final String sqlTouch;
  private final String sqlDelete;

  private DatabaseStore(DataSource dataSource, AutoCloseable ownedPool, Dialect dialect,
      long maxEntries, Duration purgeInterval, Duration queryTimeout, InstantSource clock) {
    this.dataSource = dataSource;
    this.multiStatements = ownedPool != null && dialect.incrementResult() != null;
    this.ownedPool = ownedPool;
    this.dialect = dialect;
    this.maxEntries = maxEntries;
    this.cullTarget = maxEntries - maxEntries / 10;
    this.cullEvery = Math.max(1, Math.min(1_000, maxEntries / 10));
    this.queryTimeoutSeconds = queryTimeout == null
        ? 0 : (int) Math.min(Integer.MAX_VALUE, (queryTimeout.toMillis() + 999) / 1000);
    this.clock = clock;
    this.sqlGet = dialect.get();
    this.sqlGetVersioned = dialect.getVersioned();
    this.sqlExists = dialect.exists();
    this.sqlUpsert = dialect.upsert();
    this.sqlAddIfAbsent = dialect.addIfAbsent();
    this.sqlDeleteExpired = dialect.deleteExpired();
    this.sqlInsertIfAbsent = dialect.insertIfAbsent();
    this.sqlLockForIncrement = dialect.lockForIncrement();
    this.sqlSetCounter = dialect.setCounter();
    this.sqlIncrementInPlace = dialect.incrementInPlace();
    this.sqlIncrementResult = dialect.incrementResult();
    this.sqlReplaceIfVersion = dialect.replaceIfVersion();
    this.sqlTouch = dialect.touch();
    this.sqlDelete = dialect.delete();
    if (purgeInterval.isZero() && maxEntries == 0) {
      this.maintenance = null;
    } else {
      this.maintenance = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "larder-database-purge " + dialect.table);
        thread.setDaemon(true);
        return thread;
      });
      if (!purgeInterval.isZero()) {
        long nanos = purgeInterval.toNanos();
        maintenance.scheduleWithFixedDelay(
            this::scheduledPurge, nanos, nanos, TimeUnit.NANOSECONDS);
      }
    }
  }

  /**
   * Checks the table, creating it if missing and allowed, and returns a store over it.
   *
   * @param ownedPool closed with the store, or null for a borrowed data source
   * @param queryTimeout set on every statement, or null where the session has its own
   */
  static DatabaseStore open(DataSource dataSource, AutoCloseable ownedPool, Dialect dialect,
      boolean createTable, boolean unlogged, long maxEntries, Duration purgeInterval,
      Duration queryTimeout, InstantSource clock) {
    try (Connection c = connect(dataSource, dialect, "open")) {
      if (!dialect.tableExists(c)) {
        if (!createTable) {
          throw new CacheConnectionException(dialect.product() + " table " + dialect.table
              + " (or its sequence) is missing and createTable is false; create it with:\n"
              + String.join(";\n", dialect.ddl(unlogged)) + ";");
        }
        dialect.createTable(c, unlogged);
      }
      if (!c.getAutoCommit()) {
        c.commit();
      }
    } catch (SQLException e) {
      throw DatabaseErrors.translate(e, dialect, "open");
    }
    return new DatabaseStore(dataSource, ownedPool, dialect, maxEntries, purgeInterval,
        queryTimeout, clock);
  }

  @Override
  public byte[] get(String key) {
    byte[] k = key(key);
    long now = clock.millis();
    byte[] value = call("get", c -> {
      try (PreparedStatement s = prepare(c, sqlGet)) {
        s.setBytes(1, k);
        s.setLong(2, now);
        try (ResultSet row = s.executeQuery()) {
          return row.next() ? row.getBytes(1) : null;
        }
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
    LinkedHashSet<String> distinct = new LinkedHashSet<>(keys.size() * 2);
    for (String key : keys) {
      SqlKeys.check(key, "key");
      distinct.add(key);
    }
    if (distinct.isEmpty()) {
      return new HashMap<>();
    }
    byte[][] k = utf8(distinct);
    long now = clock.millis();
    int chunk = dialect.maxKeysPerStatement();
    Map<String, byte[]> found = call("getMany", c -> {
      Map<String, byte[]> values = new HashMap<>(Math.max(16, k.length * 2));
      for (int from = 0; from < k.length; from += chunk) {
        byte[][] part = from == 0 && k.length <= chunk
            ? k : Arrays.copyOfRange(k, from, (int) Math.min(k.length, (long) from + chunk));
        try (PreparedStatement s = prepare(c, dialect.getMany(part.length))) {
          int next = dialect.bindKeys(s, 1, part);
          s.setLong(next, now);
          try (ResultSet rows = s.executeQuery()) {
            while (rows.next()) {
              values.put(new String(rows.getBytes(1), UTF_8), rows.getBytes(2));
            }
          }
        }
      }
      return values;
    });
    found.keySet().forEach(key -> rememberRead(key, now));
    return found;
  }

  @Override
  public void set(String key, byte[] value, long ttlMillis) {
    byte[] k = key(key);
    Objects.requireNonNull(value, "value");
    long now = clock.millis();
    long expiresAt = Rows.expiresAt(now, ttlMillis);
    call("set", c -> {
      try (PreparedStatement s = prepare(c, sqlUpsert)) {
        bindRow(s, k, value, expiresAt, now);
        return s.executeUpdate();
      }
    });
    wrote(1);
  }

  @Override
  public void setMany(Map<String, byte[]> entries, long ttlMillis) {
    Objects.requireNonNull(entries, "entries");
    // key order, so that two setMany over the same keys lock them in the same order
    TreeMap<String, byte[]> sorted = new TreeMap<>();
    entries.forEach((key, value) -> {
      SqlKeys.check(key, "key");
      sorted.put(key, Objects.requireNonNull(value, () -> "value of key '" + key + "'"));
    });
    long now = clock.millis();
    long expiresAt = Rows.expiresAt(now, ttlMillis);
    if (sorted.isEmpty()) {
      return;
    }
    byte[][] keys = utf8(sorted.keySet());
    byte[][] values = sorted.values().toArray(new byte[0][]);
    int chunk = dialect.setManyChunk();
    call("setMany", c -> inTransaction(c, keys.length > chunk, () -> {
      for (int from = 0; from < keys.length; from += chunk) {
        int to = (int) Math.min(keys.length, (long) from + chunk);
        try (PreparedStatement s = prepare(c, dialect.setMany(to - from))) {
          dialect.bindSetMany(s, Arrays.copyOfRange(keys, from, to),
              Arrays.copyOfRange(values, from, to), expiresAt, now);
          s.executeUpdate();
        }
      }
      return null;
    }));
    wrote(keys.length);
  }

  @Override
  public boolean add(String key, byte[] value, long ttlMillis) {
    byte[] k = key(key);
    Objects.requireNonNull(value, "value");
    long now = clock.millis();
    long expiresAt = Rows.expiresAt(now, ttlMillis);
    boolean added = call("add", c -> addRow(c, k, value, expiresAt, now));
    if (added) {
      wrote(1);
    }
    return added;
  }

  /** Inserts a row, or replaces an expired one; a live row makes it do nothing. */
  private boolean addRow(Connection c, byte[] k, byte[] value, long expiresAt, long now)
      throws SQLException {
    if (sqlAddIfAbsent != null) {
      try (PreparedStatement s = prepare(c, sqlAddIfAbsent)) {
        bindRow(s, k, value, expiresAt, now);
        s.setLong(5, now);
        return s.executeUpdate() > 0;
      }
    }
    if (k.length > Dialect.MAX_KEY_BYTES) {
      // INSERT IGNORE makes "data too long" a warning and stores the key cut short, where a
      // longer key sharing its first 1,024 bytes would find it: refuse it as set's INSERT does
      throw new SQLDataException("Data too long for column 'cache_key': the key has " + k.length
          + " UTF-8 bytes, the column holds " + Dialect.MAX_KEY_BYTES, "22001");
    }
    // a row that expires between the two statements is a row someone could have deleted:
    // the insert then correctly fails or succeeds against whatever is there
    try (PreparedStatement s = prepare(c, sqlDeleteExpired)) {
      s.setBytes(1, k);
      s.setLong(2, now);
      Rows.deleteReturningLive(s, now); // 0: the rows it returns had expired
    }
    try (PreparedStatement s = prepare(c, sqlInsertIfAbsent)) {
      bindRow(s, k, value, expiresAt, now);
      return s.executeUpdate() > 0;
    }
  }

  @Override
  public boolean delete(String key) {
    byte[] k = key(key);
    long now = clock.millis();
    return call("delete", c -> {
      try (PreparedStatement s = prepare(c, sqlDelete)) {
        s.setBytes(1, k);
        return Rows.deleteReturningLive(s, now);
      }
    }) > 0;
  }

  @Override
  public int deleteMany(Collection<String> keys) {
    Objects.requireNonNull(keys, "keys");
    List<String> sorted = new ArrayList<>(new TreeSet<>(keys.stream()
        .map(key -> SqlKeys.check(key, "key")).toList()));
    if (sorted.isEmpty()) {
      return 0;
    }
    byte[][] k = utf8(sorted);
    long now = clock.millis();
    int chunk = dialect.maxKeysPerStatement();
    return call("deleteMany", c -> inTransaction(c, k.length > chunk, () -> {
      int deleted = 0;
      for (int from = 0; from < k.length; from += chunk) {
        byte[][] part = from == 0 && k.length <= chunk
            ? k : Arrays.copyOfRange(k, from, (int) Math.min(k.length, (long) from + chunk));
        try (PreparedStatement s = prepare(c, dialect.deleteMany(part.length))) {
          dialect.bindKeys(s, 1, part);
          deleted += Rows.deleteReturningLive(s, now);
        }
      }
      return deleted;
    }));
  }

  @Override
  public boolean exists(String key) {
    byte[] k = key(key);
    long now = clock.millis();
    return call("exists", c -> {
      try (PreparedStatement s = prepare(c, sqlExists)) {
        s.setBytes(1, k);
        s.setLong(2, now);
        try (ResultSet row = s.executeQuery()) {
          return row.next();
        }
      }
    });
  }

  @Override
  public boolean touch(String key, long ttlMillis) {
    byte[] k = key(key);
    long now = clock.millis();
    long expiresAt = Rows.expiresAt(now, ttlMillis);
    return call("touch", c -> {
      try (PreparedStatement s = prepare(c, sqlTouch)) {
        s.setLong(1, expiresAt);
        s.setLong(2, now);
        s.setBytes(3, k);
        s.setLong(4, now);
        return s.executeUpdate() > 0;
      }
    });
  }

  @Override
  public long incr(String key, long delta, long ttlMillis) {
    byte[] k = key(key);
    long now = clock.millis();
    long expiresAt = Rows.expiresAt(now, ttlMillis);
    Long fast = call("incr", c -> incrementInPlace(c, k, delta, now));
    if (fast != null) {
      return fast;
    }
    byte[] initial = Counters.format(delta);
    for (int attempt = 1; ; attempt++) {
      // most likely no live counter: create it, unless another writer just did
      if (call("incr", c -> addRow(c, k, initial, expiresAt, now))) {
        wrote(1);
        return delta;
      }
      // a row is there: lock it, add in Java (Counters' exact rules, so that a malformed
      // value or an overflow fails as it should), write it back
      Long sum = call("incr", c -> inTransaction(c, true, () -> lockedIncrement(c, key, k,
          delta, now)));
      if (sum != null) {
        return sum;
      }
      if (attempt == ATTEMPTS * 4) {
        throw new CacheException("incr of key '" + key + "' on " + dialect
            + " lost the race to create or update the counter " + attempt + " times");
      }
    }
  }

  /** Adds to the counter under a row lock; null if the row is gone or expired meanwhile. */
  private Long lockedIncrement(Connection c, String key, byte[] k, long delta, long now)
      throws SQLException {
    try (PreparedStatement s = prepare(c, sqlLockForIncrement)) {
      s.setBytes(1, k);
      try (ResultSet row = s.executeQuery()) {
        if (!row.next()) {
          return null;
        }
        long rowExpiresAt = row.getLong(2);
        if (rowExpiresAt != 0 && rowExpiresAt <= now) {
          return null;
        }
        long result = Counters.add(key, Counters.parse(key, row.getBytes(1)), delta);
        try (PreparedStatement update = prepare(c, sqlSetCounter)) {
          update.setBytes(1, Counters.format(result));
          update.setLong(2, now);
          update.setBytes(3, k);
          update.executeUpdate();
        }
        return result;
      }
    }
  }

  /** One statement for the common case; null when the slow path must decide. */
  private Long incrementInPlace(Connection c, byte[] k, long delta, long now)
      throws SQLException {
    String sql = multiStatements
        ? sqlIncrementInPlace + "; " + sqlIncrementResult : sqlIncrementInPlace;
    try (PreparedStatement s = prepare(c, sql)) {
      s.setLong(1, delta);
      s.setLong(2, now);
      s.setBytes(3, k);
      s.setLong(4, now);
      s.setLong(5, delta);
      if (sqlIncrementResult == null) {
        try (ResultSet row = s.executeQuery()) {
          return row.next() ? Counters.parse(null, row.getBytes(1)) : null;
        }
      }
      if (multiStatements) {
        // the update and the read of its result in one round trip
        s.execute();
        if (s.getUpdateCount() == 0 || !s.getMoreResults()) {
          return null;
        }
        try (ResultSet row = s.getResultSet()) {
          row.next();
          return row.getLong(1);
        }
      }
      if (s.executeUpdate() == 0) {
        return null;
      }
    }
    try (PreparedStatement s = prepare(c, sqlIncrementResult);
        ResultSet row = s.executeQuery()) {
      row.next();
      return row.getLong(1);
    }
  }

  @Override
  public StoredValue getVersioned(String key) {
    byte[] k = key(key);
    long now = clock.millis();
    StoredValue value = call("getVersioned", c -> {
      try (PreparedStatement s = prepare(c, sqlGetVersioned)) {
        s.setBytes(1, k);
        s.setLong(2, now);
        try (ResultSet row = s.executeQuery()) {
          return row.next() ? new StoredValue(row.getBytes(1), row.getLong(2)) : null;
        }
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
      return add(key, value, ttlMillis);
    }
    byte[] k = key(key);
    Objects.requireNonNull(value, "value");
    long now = clock.millis();
    long expiresAt = Rows.expiresAt(now, ttlMillis);
    return call("compareAndSet", c -> {
      try (PreparedStatement s = prepare(c, sqlReplaceIfVersion)) {
        s.setBytes(1, value);
        s.setLong(2, expiresAt);
        s.setLong(3, now);
        s.setBytes(4, k);
        s.setLong(5, expected.version());
        s.setLong(6, now);
        return s.executeUpdate() > 0;
      }
    });
  }

  @Override
  public void clear(String prefix) {
    SqlKeys.check(prefix, "prefix");
    if (prefix.isEmpty()) {
      clearRows(dialect.clearAll());
    } else {
      // a range of the primary key: UTF-8 byte order is code point order, as successor() counts
      Optional<String> upper = SqlKeys.successor(prefix);
      if (upper.isPresent()) {
        clearRows(dialect.clearRange(), prefix.getBytes(UTF_8), upper.get().getBytes(UTF_8));
      } else {
        clearRows(dialect.clearFrom(), prefix.getBytes(UTF_8));
      }
    }
    recentReads.forget(prefix);
  }

  /**
   * Runs a clear statement. Where the server may answer a stopped {@code DELETE} with "0 rows"
   * (MariaDB), a 0 is checked: if a row it should have deleted is there, the statement runs
   * again (a row a concurrent writer added since is deleted as well, a correct order of
   * events), and after {@link #CLEAR_TRIES} such answers the clear fails as a timeout rather
   * than return with the rows in place.
   */
  private void clearRows(String delete, byte[]... bounds) {
    call("clear", c -> {
      for (int attempt = 1; ; attempt++) {
        if (runClear(c, delete, bounds) > 0 || !dialect.stopsDeletesSilently()
            || runClear(c, dialect.anyLeft(delete), bounds) == 0) {
          return null;
        }
        if (attempt == CLEAR_TRIES) {
          throw new SQLTimeoutException("the clear's DELETE answered \"0 rows\" " + attempt
              + " times while rows it should delete were there: the server stopped it at its"
              + " statement time limit before it deleted anything");
        }
      }
    });
  }

  /** Runs a clear's {@code DELETE} (its count) or its probe (1 if it found a row, else 0). */
  private int runClear(Connection c, String sql, byte[]... bounds) throws SQLException {
    try (PreparedStatement s = prepare(c, sql)) {
      for (int i = 0; i < bounds.length; i++) {
        s.setBytes(i + 1, bounds[i]);
      }
      if (!s.execute()) {
        return s.getUpdateCount();
      }
      try (ResultSet found = s.getResultSet()) {
        return found.next() ? 1 : 0;
      }
    }
  }

  /**
   * Keys of at most 1,024 UTF-8 bytes (the key column); milliseconds; new arrays per read (JDBC
   * returns a new array for every column).
   */
  @Override
  public StoreTraits traits() {
    return StoreTraits.DEFAULT.withKeyRules(KEY_RULES).withReadsReturnCopies(true);
  }

  @Override
  public List<String> diagnose() {
    return call("diagnose", dialect::diagnose);
  }

  @Override
  public int purgeExpired() {
    checkOpen();
    long now = clock.millis();
    int removed = deleteInBatches(dialect.purgeBatch(), now);
    if (maxEntries > 0) {
      removed += cull(now);
    }
    return removed;
  }

  /**
   * Deletes least recently used rows while the table holds more than {@code maxEntries}. One
   * cull at a time in this process, so that two never both delete the same excess; culls of
   * other processes skip the rows this one has locked.
   */
  private synchronized int cull(long now) {
    long count = call("cull", c -> {
      try (PreparedStatement s = prepare(c, dialect.count());
          ResultSet r = s.executeQuery()) {
        return r.next() ? r.getLong(1) : 0L;
      }
    });
    if (count <= maxEntries) {
      return 0;
    }
    // read times are written after the count, not before it: a cull that runs late (the
    // maintenance thread waits for a CPU) must not evict rows read while it waited
    flushReads();
    int removed = deleteInBatches(dialect.purgeBatch(), now);
    long excess = count - removed - cullTarget;
    while (excess > 0) {
      int batch = (int) Math.min(BATCH, excess);
      int evicted = call("cull", c -> {
        try (PreparedStatement s = prepare(c, dialect.evictBatch())) {
          s.setInt(1, batch);
          return s.executeUpdate();
        }
      });
      removed += evicted;
      excess -= batch;
      if (evicted == 0) {
        break; // every candidate is locked by another culler, which will finish the job
      }
    }
    return removed;
  }

  private int deleteInBatches(String sql, long now) {
    int total = 0;
    int removed;
    do {
      // one short statement per batch, so that writers waiting on these rows get their turn
      removed = call("purgeExpired", c -> {
        try (PreparedStatement s = prepare(c, sql)) {
          s.setLong(1, now);
          s.setInt(2, BATCH);
          return s.executeUpdate();
        }
      });
      total += removed;
    } while (removed == BATCH);
    return total;
  }

  private void scheduledPurge() {
    try {
      purgeExpired();
    } catch (CacheException e) {
      if (!closed.get()) {
        LOG.log(Level.WARNING, "scheduled purge of " + dialect + " failed", e);
      }
    }
  }

  /** Counts writes and, every so many, culls in the background if the table may be full. */
  private void wrote(int rows) {
    if (maxEntries == 0 || writesSinceCull.addAndGet(rows) < cullEvery
        || !culling.compareAndSet(false, true)) {
      return;
    }
    writesSinceCull.set(0);
    try {
      maintenance.execute(() -> {
        try {
          cull(clock.millis());
        } catch (CacheException e) {
          if (!closed.get()) {
            LOG.log(Level.WARNING, "culling " + dialect + " to " + cullTarget
                + " entries failed", e);
          }
        } finally {
          culling.set(false);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      culling.set(false); // closed
    }
  }

  /** Writes remembered read times to {@code accessed_at}, one batch in one transaction. */
  private void flushReads() {
    if (recentReads.isEmpty()) {
      return;
    }
    List<Map.Entry<String, Long>> reads = recentReads.snapshot();
    run("recordReads", c -> inTransaction(c, true, () -> {
      try (PreparedStatement s = prepare(c, dialect.recordRead())) {
        for (Map.Entry<String, Long> read : reads) {
          s.setLong(1, read.getValue());
          s.setBytes(2, read.getKey().getBytes(UTF_8));
          s.setLong(3, read.getValue());
          s.addBatch();
        }
        s.executeBatch();
      }
      return null;
    }));
    recentReads.written(reads);
  }

  private void rememberRead(String key, long now) {
    if (maxEntries > 0) {
      recentReads.remember(key, now);
    }
  }

  /**
   * Stops the maintenance thread and, if the store opened its own pool, closes it; a borrowed
   * data source stays open. Reads remembered for recency are written first. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (maintenance != null) {
      maintenance.shutdownNow();
    }
    try {
      if (maxEntries > 0) {
        flushReads();
      }
    } catch (CacheException e) {
      LOG.log(Level.DEBUG, "recording reads in " + dialect + " at close failed", e);
    } finally {
      if (ownedPool != null) {
        try {
          ownedPool.close();
        } catch (Exception e) {
          LOG.log(Level.WARNING, "closing the connection pool of " + dialect + " failed", e);
        }
      }
    }
  }

  @Override
  public String toString() {
    return "DatabaseStore[" + dialect + "]";
  }

  // ---- connections and transactions

  @FunctionalInterface
  private interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
  }

  @FunctionalInterface
  private interface SqlBody<T> {
    T run() throws SQLException;
  }

  /** Runs work on a pooled connection, retrying a deadlock or serialization failure. */
  private <T> T call(String operation, SqlWork<T> work) {
    checkOpenFor(operation);
    return run(operation, work);
  }

  /** As {@link #call}, also after close: for the last flush of remembered reads. */
  private <T> T run(String operation, SqlWork<T> work) {
    for (int attempt = 1; ; attempt++) {
      try (Connection c = connect(dataSource, dialect, operation)) {
        T result = work.run(c);
        if (!c.getAutoCommit()) {
          c.commit(); // a borrowed data source may hand out connections outside autocommit
        }
        return result;
      } catch (SQLException e) {
        if (attempt < ATTEMPTS && DatabaseErrors.retryable(e)) {
          continue;
        }
        throw DatabaseErrors.translate(e, dialect, operation);
      }
    }
  }

  /**
   * Gets a connection; a failure to is translated apart from the work's failures (see
   * {@link DatabaseErrors#translateConnect}).
   */
  private static Connection connect(DataSource dataSource, Dialect dialect, String operation) {
    try {
      return dataSource.getConnection();
    } catch (SQLException e) {
      throw DatabaseErrors.translateConnect(e, dialect, operation);
    }
  }

  /** Runs a body in one transaction when {@code needed}, else as it is (autocommit). */
  private static <T> T inTransaction(Connection c, boolean needed, SqlBody<T> body)
      throws SQLException {
    if (!needed || !c.getAutoCommit()) {
      return body.run();
    }
    c.setAutoCommit(false);
    T result;
    try {
      result = body.run();
      c.commit();
    } catch (Throwable failure) {
      // the failure is what the caller must see: a driver that closed the connection on a
      // socket timeout fails the rollback too, with a "connection is closed" of no use
      try {
        c.rollback();
      } catch (SQLException undone) {
        failure.addSuppressed(undone);
      }
      try {
        c.setAutoCommit(true); // even so: a borrowed data source may not reset it
      } catch (SQLException unset) {
        failure.addSuppressed(unset);
      }
      throw failure;
    }
    c.setAutoCommit(true);
    return result;
  }

  private PreparedStatement prepare(Connection c, String sql) throws SQLException {
    PreparedStatement s = c.prepareStatement(sql);
    if (queryTimeoutSeconds > 0) {
      s.setQueryTimeout(queryTimeoutSeconds);
    }
    return s;
  }

  private static void bindRow(PreparedStatement s, byte[] key, byte[] value, long expiresAt,
      long now) throws SQLException {
    s.setBytes(1, key);
    s.setBytes(2, value);
    s.setLong(3, expiresAt);
    s.setLong(4, now);
  }

  private void checkOpen() {
    checkOpenFor("a call");
  }

  private void checkOpenFor(String operation) {
    if (closed.get()) {
      throw new CacheConnectionException(
          "the store over " + dialect + " is closed; " + operation + " refused");
    }
  }

  private static byte[] key(String key) {
    return SqlKeys.check(key, "key").getBytes(UTF_8);
  }

  private static byte[][] utf8(Collection<String> keys) {
    byte[][] bytes = new byte[keys.size()][];
    int i = 0;
    for (String key : keys) {
      bytes[i++] = key.getBytes(UTF_8);
    }
    return bytes;
  }

}

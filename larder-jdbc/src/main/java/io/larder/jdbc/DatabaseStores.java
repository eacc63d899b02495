package io.larder.jdbc;

import io.larder.spi.Durations;
import io.larder.spi.StoreUrl;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Creates stores kept in a table of a PostgreSQL or MariaDB database, for teams that run a
 * database but no cache server, as Django's database cache serves Python teams.
 *
 * <p>From a URL, with a connection pool of the store's own (HikariCP):
 *
 * <pre>{@code
 * Cache cache = Larder.open("postgresql://app:secret@db:5432/app?table=larder_cache");
 * }</pre>
 *
 * <p>Or over a {@link DataSource} the application already has, which the store borrows and
 * never closes:
 *
 * <pre>{@code
 * DatabaseCacheStore store = DatabaseStores.postgresql(dataSource)
 *     .table("larder_cache")
 *     .maxEntries(1_000_000)
 *     .build();
 * }</pre>
 *
 * <p>Every web server may open the same table; counters and compare-and-set stay exact across
 * them. See {@code docs/database.md} for the table's DDL and when to move to Redis.
 */
public final class DatabaseStores {

  private DatabaseStores() {}

  /**
   * Opens a store from a URL: {@code postgresql://user:password@host:port/database},
   * {@code mariadb://...} or {@code mysql://...} (a MariaDB server), with the options listed in
   * {@code docs/database.md} ({@code table}, {@code poolSize}, {@code timeout}, ...).
   *
   * @param url the URL
   * @return the open store, owned by the caller, who closes it (and with it its pool)
   * @throws NullPointerException if {@code url} is null
   * @throws IllegalArgumentException if the URL is malformed or has an option this store does
   *     not know
   * @throws io.larder.CacheConnectionException if the database cannot be reached or the table
   *     is missing and may not be created
   * @throws io.larder.CacheException if the database fails otherwise
   */
  public static DatabaseCacheStore open(String url) {
    StoreUrl parsed = StoreUrl.parse(Objects.requireNonNull(url, "url"));
    DatabaseCacheStore store = open(parsed, InstantSource.system());
    if (!parsed.unreadOptions().isEmpty()) {
      store.close();
      throw new IllegalArgumentException("unknown option"
          + (parsed.unreadOptions().size() > 1 ? "s " : " ") + parsed.unreadOptions()
          + " in '" + parsed.redacted() + "'");
    }
    return store;
  }

  /**
   * Opens a store from a parsed URL, reading the options it knows; what the
   * {@link io.larder.spi.StoreProvider} of these schemes calls.
   *
   * @param url a {@code postgresql:}, {@code mariadb:} or {@code mysql:} URL
   * @param clock the time source for expiry and recency
   * @return the open store, owned by the caller
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the URL or an option is malformed
   * @throws io.larder.CacheConnectionException if the database cannot be reached or the table
   *     is missing and may not be created
   * @throws io.larder.CacheException if the database fails otherwise
   */
  public static DatabaseCacheStore open(StoreUrl url, InstantSource clock) {
    return DatabaseUrls.open(Objects.requireNonNull(url, "url"),
        Objects.requireNonNull(clock, "clock"));
  }

  /**
   * Starts building a store over a PostgreSQL data source.
   *
   * @param dataSource connections to the database; borrowed, never closed by the store
   * @return a builder with every option at its default
   * @throws NullPointerException if {@code dataSource} is null
   */
  public static Builder postgresql(DataSource dataSource) {
    return new Builder(Objects.requireNonNull(dataSource, "dataSource"), true);
  }

  /**
   * Starts building a store over a MariaDB (10.6 or later) data source.
   *
   * @param dataSource connections to the database; borrowed, never closed by the store
   * @return a builder with every option at its default
   * @throws NullPointerException if {@code dataSource} is null
   */
  public static Builder mariadb(DataSource dataSource) {
    return new Builder(Objects.requireNonNull(dataSource, "dataSource"), false);
  }

  /**
   * Options of a database store. Each option may be set at most once; arguments are checked
   * when set.
   */
  public static final class Builder {
    /** The default {@link #table(String)}. */
    static final String DEFAULT_TABLE = "larder_cache";
    /** The default {@link #purgeInterval(Duration)}. */
    static final Duration DEFAULT_PURGE_INTERVAL = Duration.ofSeconds(60);

    private final DataSource dataSource;
    private final boolean postgresql;
    private String table;
    private Boolean createTable;
    private Boolean unlogged;
    private Long maxEntries;
    private Duration purgeInterval;
    private Duration statementTimeout;
    private InstantSource clock;
    private AutoCloseable ownedPool;
    private boolean sessionTimeout;

    private Builder(DataSource dataSource, boolean postgresql) {
      this.dataSource = dataSource;
      this.postgresql = postgresql;
    }

    /**
     * Names the table, {@code larder_cache} by default; its version sequence is named after it
     * ({@code larder_cache_version}). Several caches may share a table (their keys carry their
     * prefixes) or use one each.
     *
     * @param table lower-case letters, digits and underscores, starting with a letter or
     *     underscore, at most 51 characters
     * @return this builder
     * @throws NullPointerException if {@code table} is null
     * @throws IllegalArgumentException if {@code table} is not such a name
     * @throws IllegalStateException if the option was already set
     */
    public Builder table(String table) {
      Objects.requireNonNull(table, "table");
      checkUnset("table", this.table);
      this.table = Dialect.checkTable(table);
      return this;
    }

    /**
     * Says whether a missing table is created (the default) or reported: with {@code false},
     * {@link #build()} fails with a message holding the DDL to run.
     *
     * @param create whether to create the table
     * @return this builder
     * @throws IllegalStateException if the option was already set
     */
    public Builder createTable(boolean create) {
      checkUnset("createTable", this.createTable);
      this.createTable = create;
      return this;
    }

    /**
     * Creates a missing table {@code UNLOGGED} (PostgreSQL only; off by default): writes skip
     * the write-ahead log, which makes them several times faster, and the table is emptied
     * after a crash and not replicated, which a cache can afford. An existing table is left as
     * it is.
     *
     * @param unlogged whether to create the table unlogged
     * @return this builder
     * @throws IllegalStateException if the option was already set
     */
    public Builder unlogged(boolean unlogged) {
      checkUnset("unlogged", this.unlogged);
      this.unlogged = unlogged;
      return this;
    }

    /**
     * Limits how many entries the table holds; {@code 0} (the default) means no limit.
     *
     * <p>Every tenth of the limit's writes (at most every 1,000) from this process, a
     * background thread counts the rows and, over the limit, deletes expired entries and then
     * the least recently used until about 90% of the limit remains. The limit is therefore
     * approximate: between checks the table may grow past it. Reads are remembered in memory
     * and written to the table in batches before each cull.
     *
     * @param maxEntries the largest number of entries, or {@code 0} for no limit
     * @return this builder
     * @throws IllegalArgumentException if {@code maxEntries} is negative
     * @throws IllegalStateException if the option was already set
     */
    public Builder maxEntries(long maxEntries) {
      checkUnset("maxEntries", this.maxEntries);
      if (maxEntries < 0) {
        throw new IllegalArgumentException(
            "maxEntries must be 0 (no limit) or positive, was " + maxEntries);
      }
      this.maxEntries = maxEntries;
      return this;
    }

    /**
     * Sets how often a background daemon thread deletes expired entries;
     * {@link Duration#ZERO} turns the schedule off. The default is 60 seconds.
     *
     * @param interval the time between purges, or zero for none
     * @return this builder
     * @throws NullPointerException if {@code interval} is null
     * @throws IllegalArgumentException if {@code interval} is negative
     * @throws IllegalStateException if the option was already set
     */
    public Builder purgeInterval(Duration interval) {
      Objects.requireNonNull(interval, "purgeInterval");
      checkUnset("purgeInterval", this.purgeInterval);
      this.purgeInterval = Durations.requireNonNegative(interval, "purgeInterval");
      return this;
    }

    /**
     * Bounds every statement with {@link java.sql.Statement#setQueryTimeout} (whole seconds,
     * rounded up); by default a borrowed data source's own timeouts apply. A statement that
     * outlasts it fails with {@link io.larder.CacheTimeoutException}.
     *
     * @param timeout at least one millisecond
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     * @throws IllegalStateException if the option was already set
     */
    public Builder statementTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "statementTimeout");
      checkUnset("statementTimeout", this.statementTimeout);
      this.statementTimeout = Durations.requirePositive(timeout, "statementTimeout");
      return this;
    }

    /**
     * Sets the time source that decides expiry and recency; tests pass a manual one. The
     * default is the system clock.
     *
     * @param clock the time source
     * @return this builder
     * @throws NullPointerException if {@code clock} is null
     * @throws IllegalStateException if the option was already set
     */
    public Builder clock(InstantSource clock) {
      Objects.requireNonNull(clock, "clock");
      checkUnset("clock", this.clock);
      this.clock = clock;
      return this;
    }

    /**
     * Hands the store a pool of its own, closed with it; statements then rely on the session's
     * timeouts, set on each new connection, and a MariaDB pool allows several statements in
     * one call ({@code allowMultiQueries}).
     */
    Builder ownedPool(AutoCloseable pool) {
      this.ownedPool = pool;
      this.sessionTimeout = true;
      return this;
    }

    /**
     * Checks the table, creating it if missing (unless {@code createTable(false)}), and
     * returns a store over it.
     *
     * @return the open store, owned by the caller, who closes it
     * @throws IllegalStateException if {@code unlogged(true)} is set for MariaDB
     * @throws io.larder.CacheConnectionException if the database cannot be reached, or the
     *     table is missing and may not be created (the message holds the DDL)
     * @throws io.larder.CacheException if the database fails otherwise
     */
    public DatabaseCacheStore build() {
      if (!postgresql && Boolean.TRUE.equals(unlogged)) {
        throw new IllegalStateException("unlogged tables are a PostgreSQL feature;"
            + " MariaDB has no unlogged=true");
      }
      String name = table == null ? DEFAULT_TABLE : table;
      Dialect dialect = postgresql ? new PostgresDialect(name) : new MariaDbDialect(name);
      return DatabaseStore.open(
          dataSource,
          ownedPool,
          dialect,
          createTable == null || createTable,
          Boolean.TRUE.equals(unlogged),
          maxEntries == null ? 0 : maxEntries,
          purgeInterval == null ? DEFAULT_PURGE_INTERVAL : purgeInterval,
          sessionTimeout ? null : statementTimeout,
          clock == null ? InstantSource.system() : clock);
    }

    private static void checkUnset(String option, Object current) {
      if (current != null) {
        throw new IllegalStateException(option + " was already set to " + current);
      }
    }
  }
}

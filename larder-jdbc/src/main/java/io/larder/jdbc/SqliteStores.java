package io.larder.jdbc;

import io.larder.spi.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;

/**
 * Creates stores kept in an SQLite file.
 *
 * <pre>{@code
 * SqliteCacheStore store = SqliteStores.builder(Path.of("data/cache.db"))
 *     .maxEntries(100_000)
 *     .build();
 * }</pre>
 *
 * <p>The same file may be opened by several stores at once, in this process or in others;
 * they share its entries, and counters and compare-and-set stay exact across them.
 */
public final class SqliteStores {

  private SqliteStores() {}

  /**
   * Starts building a store kept in a file.
   *
   * @param file the database file; created, with its parent directories, if missing
   * @return a builder with every option at its default
   * @throws NullPointerException if {@code file} is null
   */
  public static Builder builder(Path file) {
    return new Builder(Objects.requireNonNull(file, "file"));
  }

  /**
   * Options of an SQLite store. Each option may be set at most once; arguments are checked
   * when set.
   */
  public static final class Builder {
    /** The default {@link #busyTimeout(Duration)}. */
    static final Duration DEFAULT_BUSY_TIMEOUT = Duration.ofSeconds(5);
    /** The default {@link #purgeInterval(Duration)}. */
    static final Duration DEFAULT_PURGE_INTERVAL = Duration.ofSeconds(60);

    private final Path file;
    private Long maxEntries;
    private Duration purgeInterval;
    private Duration busyTimeout;
    private InstantSource clock;

    private Builder(Path file) {
      this.file = file;
    }

    /**
     * Limits how many entries the file holds; {@code 0} (the default) means no limit.
     *
     * <p>When a write takes the file over the limit, the store deletes expired entries
     * first, then the least recently used ones, until about 90% of the limit remains (the
     * margin spares a cull on every write). Recency is approximate: reads are remembered in
     * memory and written to the file in batches, before each cull and on the purge
     * schedule, so that a read never costs a write transaction. Reads made by other
     * processes count only once they have flushed theirs.
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
     * Sets how often a background daemon thread deletes expired entries from the file;
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
     * Sets how long a call waits for the file's write lock (held by another writer, in this
     * process or another) or for a free connection before it fails with
     * {@link io.larder.CacheTimeoutException}. The default is 5 seconds.
     *
     * @param timeout between one millisecond and {@link Integer#MAX_VALUE} milliseconds
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is out of range
     * @throws IllegalStateException if the option was already set
     */
    public Builder busyTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "busyTimeout");
      checkUnset("busyTimeout", this.busyTimeout);
      if (timeout.compareTo(Duration.ofMillis(1)) < 0
          || timeout.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0) {
        throw new IllegalArgumentException("busyTimeout must be between 1ms and "
            + Integer.MAX_VALUE + "ms, was " + timeout);
      }
      this.busyTimeout = timeout;
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
     * Opens the file, creating it, its parent directories and its tables if missing, and
     * returns a store over it.
     *
     * @return the open store, owned by the caller, who closes it
     * @throws io.larder.CacheConnectionException if the file cannot be created or opened,
     *     or is not a Larder SQLite cache
     * @throws io.larder.CacheTimeoutException if another process held the file locked for
     *     longer than the busy timeout
     * @throws io.larder.CacheException if SQLite fails otherwise
     */
    public SqliteCacheStore build() {
      return SqliteStore.open(
          file,
          maxEntries == null ? 0 : maxEntries,
          purgeInterval == null ? DEFAULT_PURGE_INTERVAL : purgeInterval,
          busyTimeout == null ? DEFAULT_BUSY_TIMEOUT : busyTimeout,
          clock == null ? InstantSource.system() : clock);
    }

    private static void checkUnset(String option, Object current) {
      if (current != null) {
        throw new IllegalStateException(option + " was already set to " + current);
      }
    }
  }
}

package io.larder.jdbc;

import io.larder.spi.Invalidations;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Tells a near tier in front of an SQLite file what changed under it, by looking every quarter
 * of the reader's lag bound: {@code PRAGMA data_version} on the store's writer connection,
 * which moves only when <em>another</em> connection (another process, or another store on the
 * same file) committed, empties the tier, since SQLite does not say which keys changed; and
 * the keys whose expiry time passed since the last look (found through the expiry index) are
 * reported one by one, so that a near entry ends when the file's entry does.
 *
 * <p>This process's own writes go through the writer connection and leave
 * {@code data_version} alone; the near tier evicts their keys itself.
 *
 * <p>{@link #reportedThrough()} is the time the newest completed look started: a commit by
 * another connection before it was seen by that look.
 */
final class SqliteWatch implements Invalidations.Subscription {
  private static final System.Logger LOG = System.getLogger(SqliteWatch.class.getName());
  /** The lag bound when the subscriber gives none. */
  static final Duration DEFAULT_LAG = Duration.ofMillis(50);
  private static final long MIN_LOOK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /**
   * What one look found.
   *
   * @param dataVersion the writer connection's {@code PRAGMA data_version}
   * @param expired keys under the prefix whose expiry time fell since the previous look
   */
  record Look(long dataVersion, List<String> expired) {}

  private final SqliteStore store;
  private final String prefix;
  private final Invalidations.Listener listener;
  private final ScheduledExecutorService thread;
  private volatile long reportedThrough;
  private volatile boolean closed;
  private long dataVersion; // the watch thread's
  private long lookedAtMillis; // the watch thread's

  private SqliteWatch(SqliteStore store, String prefix, Invalidations.Listener listener) {
    this.store = store;
    this.prefix = prefix;
    this.listener = listener;
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "larder-sqlite-near-watch " + store);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Takes a first look and starts looking every quarter of {@code lag}.
   *
   * @throws io.larder.CacheException if the store is closed or the file cannot be read
   */
  static SqliteWatch start(SqliteStore store, String prefix, Duration lag,
      Invalidations.Listener listener) {
    SqliteWatch watch = new SqliteWatch(store, prefix, listener);
    long started = System.nanoTime();
    long now = store.millis();
    try {
      watch.dataVersion = store.look(prefix, now, now).dataVersion();
    } catch (RuntimeException e) {
      watch.thread.shutdownNow();
      throw e;
    }
    watch.lookedAtMillis = now;
    watch.reportedThrough = started;
    long every = Math.max(MIN_LOOK_NANOS, lag.toNanos() / 4);
    watch.thread.scheduleWithFixedDelay(watch::look, every, every, TimeUnit.NANOSECONDS);
    return watch;
  }

  private void look() {
    if (closed) {
      return;
    }
    long started = System.nanoTime();
    long now = store.millis();
    Look look;
    try {
      look = store.look(prefix, lookedAtMillis, Math.max(now, lookedAtMillis));
    } catch (RuntimeException e) {
      // a file locked past the busy timeout, or a store closing: reportedThrough stands still,
      // so the near tier reads the file until a look succeeds
      LOG.log(Level.DEBUG, "watching " + store + " for a near tier failed", e);
      return;
    }
    try {
      if (look.dataVersion() != dataVersion) {
        dataVersion = look.dataVersion();
        listener.invalidatedAll("another connection wrote " + store);
      } else if (!look.expired().isEmpty()) {
        listener.invalidated(look.expired());
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "near-cache invalidation listener failed", e);
    }
    lookedAtMillis = Math.max(now, lookedAtMillis);
    reportedThrough = started;
  }

  @Override
  public boolean active() {
    return !closed;
  }

  @Override
  public long reportedThrough() {
    return reportedThrough;
  }

  @Override
  public void close() {
    closed = true;
    thread.shutdownNow();
  }
}

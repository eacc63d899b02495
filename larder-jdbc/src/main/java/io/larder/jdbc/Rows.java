package io.larder.jdbc;

import io.larder.spi.Store;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** What the SQL stores share about their rows: expiry times and remembered reads. */
final class Rows {
  /** Beyond this many remembered reads, only keys already remembered are refreshed. */
  private static final int MAX_REMEMBERED_READS = 16_384;

  private Rows() {}

  /**
   * Returns the {@code expires_at} of a row written now: {@code 0} for never.
   *
   * @throws IllegalArgumentException if {@code ttlMillis} is negative
   */
  static long expiresAt(long now, long ttlMillis) {
    if (ttlMillis < 0) {
      throw new IllegalArgumentException(
          "ttlMillis must be 0 (no expiry) or positive, was " + ttlMillis);
    }
    if (ttlMillis == Store.NO_EXPIRY) {
      return 0;
    }
    long at = now + ttlMillis;
    return at < now ? Long.MAX_VALUE : at;
  }

  /**
   * Runs a {@code DELETE ... RETURNING expires_at}, counting the rows that were live.
   *
   * <p>A {@code DELETE ... RETURNING} always answers with rows, even none. MariaDB (10.11 seen)
   * answers a DELETE that {@code max_statement_time} stopped while it was still planning with
   * a plain "OK, 0 rows affected" instead: no rows, no error, nothing deleted. Counting that
   * as "none were there" under-counts and leaves the rows in place, so it fails as the
   * timeout it was.
   *
   * @throws SQLTimeoutException if the database answered without rows
   */
  static int deleteReturningLive(PreparedStatement delete, long now) throws SQLException {
    if (!delete.execute()) {
      throw new SQLTimeoutException("the DELETE ... RETURNING was answered without its rows"
          + " (update count " + delete.getUpdateCount() + "): the server stopped it at its"
          + " statement time limit before it deleted anything");
    }
    int live = 0;
    try (ResultSet deleted = delete.getResultSet()) {
      while (deleted.next()) {
        long expiresAt = deleted.getLong(1);
        if (expiresAt == 0 || expiresAt > now) {
          live++;
        }
      }
    }
    return live;
  }

  /**
   * Keys read since the last flush and when, so that recency is written to
   * {@code accessed_at} in batches rather than a read costing a write. Thread-safe.
   */
  static final class RecentReads {
    private final ConcurrentHashMap<String, Long> reads = new ConcurrentHashMap<>();

    /** Remembers a read, unless too many are remembered already and the key is new. */
    void remember(String key, long now) {
      if (reads.size() < MAX_REMEMBERED_READS) {
        reads.put(key, now);
      } else {
        reads.replace(key, now);
      }
    }

    boolean isEmpty() {
      return reads.isEmpty();
    }

    /** Returns the remembered reads, sorted by key (the order multi-row writes lock in). */
    List<Map.Entry<String, Long>> snapshot() {
      List<Map.Entry<String, Long>> list = new ArrayList<>(reads.entrySet());
      list.sort(Map.Entry.comparingByKey());
      return list;
    }

    /** Forgets reads once written, keeping any read again since the snapshot. */
    void written(List<Map.Entry<String, Long>> flushed) {
      for (Map.Entry<String, Long> read : flushed) {
        reads.remove(read.getKey(), read.getValue());
      }
    }

    /** Forgets the reads of keys under a prefix; all for the empty prefix. */
    void forget(String prefix) {
      if (prefix.isEmpty()) {
        reads.clear();
      } else {
        reads.keySet().removeIf(key -> key.startsWith(prefix));
      }
    }
  }
}

package io.larder;

import io.larder.spi.Store;
import java.time.InstantSource;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The keys whose last write or delete failed in fail-open mode, so that this process never
 * serves the value it failed to replace: reads of a remembered key are misses until the failed
 * write's TTL has passed, a later write or delete of the key succeeds, or a background delete
 * (retried every {@link #RETRY_SECONDS} seconds while keys are remembered) removes the old
 * value from the store. At most {@link #CAPACITY} keys are remembered; past that the oldest
 * claims are given up, and those keys may read stale again.
 */
final class DroppedWrites {
  /** The most keys remembered at once. */
  static final int CAPACITY = 10_000;
  /** Seconds between background deletes of remembered keys. */
  static final long RETRY_SECONDS = 1;

  /** Store key → the epoch millisecond until which it reads as a miss. */
  private final Map<String, Long> until = new ConcurrentHashMap<>();
  private final Store store;
  private final InstantSource clock;
  private ScheduledExecutorService retries;
  private boolean closed;

  DroppedWrites(Store store, InstantSource clock) {
    this.store = store;
    this.clock = clock;
  }

  /**
   * Remembers a key whose write or delete failed.
   *
   * @param ttlMillis the TTL the failed write had; {@link Store#NO_EXPIRY} or less for a key
   *     remembered until a delete or write of it succeeds
   */
  void remember(String storeKey, long ttlMillis) {
    long end = ttlMillis <= Store.NO_EXPIRY ? Long.MAX_VALUE
        : clock.millis() + ttlMillis;
    while (until.size() >= CAPACITY && !until.containsKey(storeKey)) {
      Iterator<String> any = until.keySet().iterator();
      if (!any.hasNext()) {
        break;
      }
      until.remove(any.next());
    }
    until.merge(storeKey, end, Math::max);
    startRetries();
  }

  /** Forgets a key after a write or delete of it succeeded. */
  void written(String storeKey) {
    if (!until.isEmpty()) {
      until.remove(storeKey);
    }
  }

  /** Whether no key is remembered: then no read needs to ask {@link #hides}. */
  boolean isEmpty() {
    return until.isEmpty();
  }

  /** Tells whether reads of a key must miss; forgets it once its time has passed. */
  boolean hides(String storeKey) {
    if (until.isEmpty()) {
      return false;
    }
    Long end = until.get(storeKey);
    if (end == null) {
      return false;
    }
    if (clock.millis() < end) {
      return true;
    }
    until.remove(storeKey, end);
    return false;
  }

  /** How many keys are remembered now. */
  int size() {
    return until.size();
  }

  /**
   * Tries once to delete every remembered key from the store, forgetting those it deleted;
   * a store that still fails leaves them remembered. Runs in the background; tests call it.
   */
  void retryDeletes() {
    for (Map.Entry<String, Long> e : until.entrySet()) {
      if (clock.millis() >= e.getValue()) {
        until.remove(e.getKey(), e.getValue());
        continue;
      }
      try {
        store.delete(e.getKey());
        until.remove(e.getKey(), e.getValue());
      } catch (RuntimeException stillDown) {
        return; // try again at the next round
      }
    }
  }

  private synchronized void startRetries() {
    if (retries != null || closed) {
      return;
    }
    retries = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "larder-dropped-writes");
      t.setDaemon(true);
      return t;
    });
    retries.scheduleWithFixedDelay(() -> {
      if (!until.isEmpty()) {
        retryDeletes();
      }
    }, RETRY_SECONDS, RETRY_SECONDS, TimeUnit.SECONDS);
  }

  /** Stops the background deletes. */
  synchronized void close() {
    closed = true;
    if (retries != null) {
      retries.shutdownNow();
    }
  }
}

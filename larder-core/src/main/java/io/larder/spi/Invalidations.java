package io.larder.spi;

import java.time.Duration;
import java.util.Collection;

/**
 * What a {@link Store} whose server can push invalidations implements as well, so that a near
 * tier in front of it learns at once when another client changes a key (Redis
 * {@code CLIENT TRACKING}). Optional: a store without it gets a near tier bounded by a short
 * time to live instead.
 *
 * <pre>{@code
 * try (Invalidations.Subscription s = store.subscribe("~shop:", new Invalidations.Listener() {
 *   public void invalidated(Collection<String> keys) { keys.forEach(near::remove); }
 *   public void invalidatedAll(String reason) { near.clear(); }
 * })) {
 *   if (s.active()) { ... }
 * }
 * }</pre>
 *
 * <p>The contract a near tier relies on: while {@link Subscription#active()} is {@code true},
 * every change the server makes to a key under the prefix after the subscription became active
 * is reported through {@link Listener#invalidated} (or {@link Listener#invalidatedAll}); when
 * the source can no longer promise that (its connection dropped, the server restarted or was
 * flushed, a failover), it first makes {@code active()} {@code false}, then calls
 * {@link Listener#invalidatedAll}, and makes {@code active()} {@code true} again only once the
 * server tracks again.
 */
public interface Invalidations {

  /**
   * Starts listening for changes to keys that start with {@code prefix}.
   *
   * @param prefix the store-key prefix (a namespace prefix ending in {@code ':'}), or
   *     {@code ""} for every key
   * @param listener told of changed keys; called from the source's own threads, never while a
   *     caller's store call waits on it
   * @return the subscription; close it to stop
   * @throws UnsupportedOperationException if the server cannot push invalidations (say, Redis
   *     older than 6 or with tracking disabled); the message says why
   * @throws io.larder.CacheException if the server cannot be reached
   */
  Subscription subscribe(String prefix, Listener listener);

  /**
   * Starts listening, as {@link #subscribe(String, Listener)}, and asks the source to confirm
   * often enough that {@link Subscription#reportedThrough()} stays within {@code lag} of the
   * present while the process gets CPU (Redis: a {@code PING} on the tracking connection every
   * quarter of it). A source that reports as it changes keys ignores {@code lag}.
   *
   * @param prefix the store-key prefix, or {@code ""} for every key
   * @param lag how far behind the present a reader accepts the reported changes to be
   * @param listener told of changed keys, as above
   * @return the subscription; close it to stop
   * @throws UnsupportedOperationException if the server cannot push invalidations
   * @throws io.larder.CacheException if the server cannot be reached
   */
  default Subscription subscribe(String prefix, Duration lag, Listener listener) {
    return subscribe(prefix, listener);
  }

  /** Hears of keys that changed on the server. Implementations must be fast and never throw. */
  interface Listener {

    /**
     * Reports keys that another client (or this one) changed, deleted or that expired.
     *
     * @param keys store keys, as the facade passes them to the store
     */
    void invalidated(Collection<String> keys);

    /**
     * Reports that any key may have changed: the server was flushed or restarted, or the
     * connection that carries invalidations was lost, so that some changes may never be
     * reported.
     *
     * @param reason what happened, for logs
     */
    void invalidatedAll(String reason);
  }

  /** A running subscription. */
  interface Subscription extends AutoCloseable {

    /**
     * Tells whether the server is tracking now, so that every later change will be reported.
     *
     * @return {@code true} while invalidations flow
     */
    boolean active();

    /**
     * Returns a {@link System#nanoTime()} reading {@code t} such that every change the server
     * made in reply to a call that returned before {@code t} has already been reported to the
     * listener (the listener's work for it done before this method returns {@code t}). A near
     * tier serves a value only while {@code t} is recent, so a process starved of CPU, whose
     * invalidations wait, misses instead of reading stale.
     *
     * @return the time through which changes are reported; by default now, for a source that
     *     reports every change before the call that made it returns
     */
    default long reportedThrough() {
      return System.nanoTime();
    }

    /** Stops listening and releases the connections. Idempotent. */
    @Override
    void close();
  }
}

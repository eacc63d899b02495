package io.larder.memcached;

/**
 * What {@link MemcachedStore#readForRecache} saw: the value, if any, and memcached's
 * recache flags. <strong>Experimental</strong>: the shape may change with the freshness
 * work that uses it.
 *
 * <p>The flags come from memcached's meta get:
 * <ul>
 *   <li>{@link #won()} ({@code W}): this caller won the right to recompute the value; others
 *       see {@link #winnerExists()} until it is written;</li>
 *   <li>{@link #stale()} ({@code X}): the value was marked stale with
 *       {@link MemcachedStore#markStale}; it may still be served while the winner
 *       recomputes;</li>
 *   <li>{@link #winnerExists()} ({@code Z}): another caller already won.</li>
 * </ul>
 *
 * @param value the stored bytes; {@code null} on a miss, and for the empty placeholder that a
 *     miss with vivification creates
 * @param version the item's CAS unique, to write the recomputed value with
 *     {@link io.larder.spi.Store#compareAndSet}; {@code 0} on a miss without vivification
 * @param ttlSeconds seconds the item has left, {@code -1} if it never expires, {@code 0} on a
 *     miss without vivification
 * @param won whether this caller won the right to recompute
 * @param stale whether the value is marked stale
 * @param winnerExists whether another caller already won
 */
public record RecacheRead(byte[] value, long version, long ttlSeconds, boolean won,
    boolean stale, boolean winnerExists) {

  /**
   * Tells whether a value was found (possibly stale).
   *
   * @return {@code true} if {@link #value()} is not {@code null}
   */
  public boolean found() {
    return value != null;
  }
}

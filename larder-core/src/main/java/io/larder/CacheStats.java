package io.larder;

import io.larder.spi.StoreSize;

/**
 * A snapshot of a cache's counters since it was opened.
 *
 * <p>A namespace counts its own operations; its parent cache counts them too, so the root
 * cache's stats cover every namespace opened from it.
 *
 * @param hits reads that found a value (including values served by a preload scope)
 * @param misses reads that found nothing, or found bytes that could not be decoded
 * @param preloadHits reads answered by an open preload scope with no round trip, whether
 *     the scope knew a value or knew the key was missing
 * @param writes successful set, add, incr, touch and compare-and-set calls, per key
 * @param deletes keys removed by delete, deleteMany and zero-TTL writes
 * @param decodeErrors stored values that could not be decoded and were read as misses
 * @param storeErrors store calls that failed (connection, timeout, server error)
 * @param roundTrips calls made to the store; a bulk call counts once
 * @param timeSavedMillis milliseconds of computation that hits spared: the sum, over hits
 *     on values stored by {@code getOrCompute} or a memoized function, of the time each took
 *     to compute, as recorded with the value (at least 1 ms for any computation). A caller
 *     that waited for another caller's computation of the same key read nothing and adds
 *     nothing
 * @param entries the entries the store holds for this cache, or {@code -1} if not asked or
 *     the store cannot tell; see {@link Cache#statsWithSize()}
 * @param bytes the bytes the store holds for this cache, or {@code -1} if not asked or the
 *     store cannot tell
 */
public record CacheStats(long hits, long misses, long preloadHits, long writes, long deletes,
    long decodeErrors, long storeErrors, long roundTrips, long timeSavedMillis, long entries,
    long bytes) {

  /**
   * Creates a snapshot of the counters alone, without the store's entry and byte counts.
   *
   * @param hits reads that found a value
   * @param misses reads that found nothing
   * @param preloadHits reads answered by an open preload scope
   * @param writes successful writes, per key
   * @param deletes keys removed
   * @param decodeErrors stored values that could not be decoded
   * @param storeErrors store calls that failed
   * @param roundTrips calls made to the store
   * @param timeSavedMillis milliseconds of computation that hits spared
   */
  public CacheStats(long hits, long misses, long preloadHits, long writes, long deletes,
      long decodeErrors, long storeErrors, long roundTrips, long timeSavedMillis) {
    this(hits, misses, preloadHits, writes, deletes, decodeErrors, storeErrors, roundTrips,
        timeSavedMillis, -1, -1);
  }

  /**
   * Returns the fraction of reads that hit, or {@code 0.0} before the first read.
   *
   * @return hits / (hits + misses)
   */
  public double hitRatio() {
    long reads = hits + misses;
    return reads == 0 ? 0.0 : (double) hits / reads;
  }

  /**
   * Returns the counters of this snapshot minus those of an earlier one, for measuring one
   * request or one block of code; the entry and byte counts are this snapshot's.
   *
   * @param earlier a snapshot taken before this one
   * @return the difference
   */
  public CacheStats minus(CacheStats earlier) {
    return new CacheStats(hits - earlier.hits, misses - earlier.misses,
        preloadHits - earlier.preloadHits, writes - earlier.writes, deletes - earlier.deletes,
        decodeErrors - earlier.decodeErrors, storeErrors - earlier.storeErrors,
        roundTrips - earlier.roundTrips, timeSavedMillis - earlier.timeSavedMillis, entries,
        bytes);
  }

  /**
   * Returns this snapshot with the store's entry and byte counts.
   *
   * @param size what the store reported
   * @return the counters of this snapshot with {@code size}'s entries and bytes
   */
  CacheStats withSize(StoreSize size) {
    return new CacheStats(hits, misses, preloadHits, writes, deletes, decodeErrors,
        storeErrors, roundTrips, timeSavedMillis, size.entries(), size.bytes());
  }
}

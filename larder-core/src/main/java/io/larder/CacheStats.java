package io.larder;

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
 *     to compute
 */
public record CacheStats(long hits, long misses, long preloadHits, long writes, long deletes,
    long decodeErrors, long storeErrors, long roundTrips, long timeSavedMillis) {

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
   * request or one block of code.
   *
   * @param earlier a snapshot taken before this one
   * @return the difference
   */
  public CacheStats minus(CacheStats earlier) {
    return new CacheStats(hits - earlier.hits, misses - earlier.misses,
        preloadHits - earlier.preloadHits, writes - earlier.writes, deletes - earlier.deletes,
        decodeErrors - earlier.decodeErrors, storeErrors - earlier.storeErrors,
        roundTrips - earlier.roundTrips, timeSavedMillis - earlier.timeSavedMillis);
  }
}

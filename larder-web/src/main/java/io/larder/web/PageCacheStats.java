package io.larder.web;

import java.time.Duration;

/**
 * A snapshot of a {@link PageCacheFilter}'s counters since it was built.
 *
 * @param hits requests answered from the cache, including {@code 304}s
 * @param notModified hits answered {@code 304 Not Modified}
 * @param misses requests that could use the cache but found no page, so the application ran
 * @param stores pages stored (a miss whose response could not be stored stores nothing)
 * @param bypasses requests the cache could not serve at all: other methods, credentials,
 *     bypassing routes
 * @param missNanos time spent producing misses, from the lookup to the stored page
 * @param hitNanos time spent answering hits
 * @param notAdmitted cacheable pages not stored because admission found their key too rarely
 *     missed: the writes admission saved (see {@link PageRoute#admit(boolean)})
 */
public record PageCacheStats(long hits, long notModified, long misses, long stores,
    long bypasses, long missNanos, long hitNanos, long notAdmitted) {

  /**
   * Returns the fraction of cacheable requests answered from the cache.
   *
   * @return hits / (hits + misses), or {@code 0.0} before the first
   */
  public double hitRatio() {
    long n = hits + misses;
    return n == 0 ? 0.0 : (double) hits / n;
  }

  /**
   * Estimates the time the cache saved: each hit saved what an average miss cost, less what
   * the hit itself cost.
   *
   * @return the estimate, never negative; zero before the first miss
   */
  public Duration timeSaved() {
    if (misses == 0) {
      return Duration.ZERO;
    }
    double perMiss = (double) missNanos / misses;
    long saved = (long) (perMiss * hits) - hitNanos;
    return Duration.ofNanos(Math.max(0, saved));
  }
}

package io.larder;

/**
 * What {@code getOrCompute} does with what it read: a pure function of the stored value's
 * metadata, the time and a random number, in the spirit of OkHttp's {@code CacheStrategy}, so
 * that every branch is tested without a store or a clock.
 */
enum LoadDecision {
  /** The value is fresh: return it. */
  SERVE,
  /** The value is fresh, but XFetch chose this reader to recompute it now, before expiry. */
  REFRESH_EARLY,
  /** The value is stale but within its stale period: return it and refresh in the background. */
  SERVE_STALE,
  /** Absent, or stale past serving: compute (once per key in this JVM). */
  COMPUTE;

  /**
   * Decides.
   *
   * @param present whether a readable value was found
   * @param freshUntil the epoch millisecond the value stops being fresh; 0 for never
   * @param computeMillis how long the value took to compute
   * @param now the current epoch millisecond
   * @param beta XFetch's eagerness ({@link Freshness#earlyRecompute}); 0 for never early
   * @param staleServable whether a stale value may be served ({@link Freshness#staleFor})
   * @param random a uniform random number in (0, 1]
   * @return what to do
   */
  static LoadDecision decide(boolean present, long freshUntil, long computeMillis, long now,
      double beta, boolean staleServable, double random) {
    if (!present) {
      return COMPUTE;
    }
    if (freshUntil == 0) {
      return SERVE;
    }
    if (now < freshUntil) {
      return beta > 0
          && EarlyRefresh.shouldRecompute(now, freshUntil, computeMillis, beta, random)
          ? REFRESH_EARLY : SERVE;
    }
    return staleServable ? SERVE_STALE : COMPUTE;
  }

  /** Whether a value read for a bulk memoized call must be computed again: absent or stale. */
  static boolean mustCompute(boolean present, long freshUntil, long now) {
    return !present || (freshUntil != 0 && now >= freshUntil);
  }
}

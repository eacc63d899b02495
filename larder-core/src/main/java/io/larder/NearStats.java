package io.larder;

/**
 * A snapshot of the near tier's counters (see {@code docs/near-cache.md}); all zero for a cache
 * without one.
 *
 * @param enabled whether the cache has a near tier
 * @param tracking whether the server pushes invalidations to it ({@code false}: entries live
 *     at most {@code nearTtl})
 * @param hits store reads answered by the near tier without a round trip (a key each)
 * @param evictions entries dropped to stay under the bound or because their {@code nearTtl}
 *     ended
 * @param invalidations invalidations received from the server: one per key, and one for each
 *     "everything" (a lost tracking connection, a flush, a restart)
 * @param behind reads of a key held near that went to the store instead, because the server's
 *     invalidations were confirmed only through a time more than {@code nearLag} ago (a
 *     process short of CPU, a slow tracking connection)
 */
public record NearStats(boolean enabled, boolean tracking, long hits, long evictions,
    long invalidations, long behind) {

  /** The stats of a cache without a near tier. */
  public static final NearStats NONE = new NearStats(false, false, 0, 0, 0, 0);
}

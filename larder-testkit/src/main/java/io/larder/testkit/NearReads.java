package io.larder.testkit;

import io.larder.Cache;
import io.larder.NearStats;

/**
 * Waits for a read that the near tier itself answers, or that proves the tier no longer holds
 * a key: a read whose value is right is no proof on its own, because a read made while the
 * tier's invalidations are more than {@code nearLag} behind (counted as {@code behind}) goes
 * to the store and returns its current value, whether or not the push, watch or expiry under
 * test reached the tier.
 *
 * <pre>{@code
 * NearReads.awaitHit(cache, "k", "v1");
 * long base = cache.nearStats().invalidations();
 * other.set("k", "v2");
 * Eventually.await("the push", () -> cache.nearStats().invalidations() > base);
 * NearReads.awaitHit(cache, "k", "v2");
 * }</pre>
 */
public final class NearReads {
  private NearReads() {}

  /**
   * Reads {@code key} until a read is answered near with {@code value}: the echo of a write
   * may end a first fill, and a read behind the server's pushes goes to the store.
   *
   * @param cache a cache with a near tier
   * @param key the key
   * @param value the value the near tier must answer
   * @throws AssertionError if no such read comes within {@link Eventually}'s bound
   */
  public static void awaitHit(Cache cache, String key, String value) {
    Eventually.await("a near hit of " + key + " = " + value, () -> {
      long hits = cache.nearStats().hits();
      return value.equals(cache.get(key, String.class)) && cache.nearStats().hits() > hits;
    });
  }

  /**
   * Reads {@code key} until a read finds nothing without the tier serving it or being behind:
   * the tier no longer holds the key and the store has none. It does not say why: a read
   * behind the pushes that found nothing in the store drops the key too, so a test of a push,
   * watch or expiry first awaits the tier's invalidation count moving.
   *
   * @param cache a cache with a near tier
   * @param key the key
   * @throws AssertionError if no such read comes within {@link Eventually}'s bound
   */
  public static void awaitGone(Cache cache, String key) {
    Eventually.await(key + " gone from the near tier", () -> {
      NearStats before = cache.nearStats();
      String value = cache.get(key, String.class);
      NearStats after = cache.nearStats();
      return value == null && after.hits() == before.hits() && after.behind() == before.behind();
    });
  }
}

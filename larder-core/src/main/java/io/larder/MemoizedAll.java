package io.larder;

import java.util.Collection;
import java.util.Map;

/**
 * A bulk function whose results are cached per key: one call reads every cached result in
 * one round trip, calls the function once with only the missing keys, and stores what it
 * returns in one round trip.
 *
 * <pre>{@code
 * MemoizedAll<Long, String> titles = cache.memoizeAll("Books.titles", Long.class, String.class,
 *     ids -> books.titlesById(ids), Duration.ofMinutes(10));
 * Map<Long, String> page = titles.getAll(List.of(1L, 2L, 3L));   // one query for the misses
 * }</pre>
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface MemoizedAll<K, V> {

  /**
   * Returns the results for {@code keys}: cached ones from the cache, the others from one
   * call of the function.
   *
   * @param keys the keys; duplicates are read once
   * @return the results found or computed, in the order of {@code keys}; keys the function
   *     returned no value for are absent
   * @throws IllegalArgumentException if a key holds a type no cache key can be made of
   */
  Map<K, V> getAll(Collection<? extends K> keys);

  /**
   * Removes the cached result for {@code key}.
   *
   * @param key the key
   * @return whether a cached result was removed
   */
  boolean bust(K key);

  /**
   * Returns the cache key of the result for {@code key}.
   *
   * @param key the key
   * @return the cache key
   */
  String key(K key);
}

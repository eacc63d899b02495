package io.larder.spi;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * A {@link Store} that can send a bulk call and return before its answer comes, so that a
 * caller can have bulk calls to several servers in flight at once: the sharded store sends
 * its per-server parts this way and waits for all of them, taking the time of the slowest
 * server rather than the sum, with no thread per server.
 *
 * <p>Each {@code start} method sends (or queues) the call and returns a {@link Pending} whose
 * {@link Pending#await()} gives what the blocking method would have returned, or throws what
 * it would have thrown. The store's own timeout runs from the start, not from the await.
 * {@code start} itself may also throw, as the blocking method would, before anything is sent.
 * A started call must be awaited, once, by the thread that started it, even when its answer is
 * no longer wanted: a store may hold a connection for it until then (memcached reads the
 * answer of a call it sent on its direct connection on the awaiting thread).
 */
public interface AsyncBulkStore extends Store {

  /**
   * A bulk call on its way.
   *
   * @param <T> what the call answers
   */
  @FunctionalInterface
  interface Pending<T> {
    /**
     * Waits for the call's answer, at most until the store's timeout counted from its start.
     *
     * @return what the blocking call would return
     * @throws io.larder.CacheTimeoutException if the answer did not come in time
     * @throws io.larder.CacheException if the call failed, as the blocking call would throw
     */
    T await();
  }

  /**
   * Starts {@link #getMany}.
   *
   * @param keys the keys to read
   * @return the call, whose answer holds the keys found
   * @throws io.larder.CacheException if the call cannot be sent
   */
  Pending<Map<String, byte[]>> startGetMany(Collection<String> keys);

  /**
   * Starts {@link #setMany}.
   *
   * @param entries the keys and values to write
   * @param ttlMillis their time to live, {@code 0} for none
   * @return the call, whose answer is {@code null}
   * @throws io.larder.CacheException if the call cannot be sent
   */
  Pending<Void> startSetMany(Map<String, byte[]> entries, long ttlMillis);

  /**
   * Starts {@link #setEach}: several entries, each with its own TTL.
   *
   * <p>The default starts one {@link #startSetMany} per distinct TTL, all before waiting for
   * any, and its answer waits for each; a store that can send entries with different TTLs in
   * one request overrides it to make that one round trip.
   *
   * @param entries the keys and values to write
   * @param ttlMillis the TTL of each key of {@code entries}: positive milliseconds or
   *     {@link #NO_EXPIRY}
   * @return the call, whose answer is {@code null}
   * @throws io.larder.CacheException if the call cannot be sent
   */
  default Pending<Void> startSetEach(Map<String, byte[]> entries,
      ToLongFunction<String> ttlMillis) {
    Map<Long, Map<String, byte[]>> byTtl = new LinkedHashMap<>();
    entries.forEach((key, value) -> byTtl.computeIfAbsent(ttlMillis.applyAsLong(key),
        ttl -> new LinkedHashMap<>()).put(key, value));
    List<Pending<Void>> parts = new ArrayList<>(byTtl.size());
    byTtl.forEach((ttl, group) -> parts.add(startSetMany(group, ttl)));
    return () -> {
      for (Pending<Void> part : parts) {
        part.await();
      }
      return null;
    };
  }

  /**
   * Starts {@link #deleteMany}.
   *
   * @param keys the keys to delete
   * @return the call, whose answer is how many keys were there
   * @throws io.larder.CacheException if the call cannot be sent
   */
  Pending<Integer> startDeleteMany(Collection<String> keys);
}

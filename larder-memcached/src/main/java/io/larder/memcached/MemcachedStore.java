package io.larder.memcached;

import io.larder.spi.AsyncStore;
import io.larder.spi.Store;
import io.larder.spi.StoredValue;

/**
 * A {@link Store} on one memcached server (1.6 or later), spoken to in the meta protocol over
 * one pipelined connection. Obtain one from {@link MemcachedStores#builder(String, int)} or a
 * {@code memcached://} URL; pools of servers are {@code Stores.sharded()} over several.
 *
 * <p>Besides the {@link Store} operations it offers memcached's server-side stampede
 * protection, for the freshness work to build on. Those two methods are
 * <strong>experimental</strong>: their shape may change.
 *
 * <p>Every operation also has a non-blocking form ({@link AsyncStore}): the same commands on
 * the same connection, each future completed on its event loop.
 *
 * <p>Keys inside namespaces carry their namespace generations (see {@code docs/memcached.md});
 * these methods apply the same folding, so they see the same entries as {@link #get}.
 */
public interface MemcachedStore extends AsyncStore {

  /**
   * Returns the server this store talks to.
   *
   * @return {@code host:port} as given
   */
  String server();

  /**
   * Reads a value with memcached's recache flags: {@code mg <key> v c t N<vivify> R<before>}.
   * <strong>Experimental.</strong>
   *
   * <p>With {@code vivifyTtlMillis > 0} a miss creates an empty placeholder living that long
   * and exactly one caller is told it {@linkplain RecacheRead#won() won} the right to compute
   * the value; the others see {@linkplain RecacheRead#winnerExists() a winner exists}. With
   * {@code recacheBeforeMillis > 0} a hit whose remaining TTL is below it also hands out one
   * win, so that one caller refreshes the value before it expires. Plain reads treat the
   * placeholder as a miss.
   *
   * @param key the store key
   * @param vivifyTtlMillis the placeholder's TTL on a miss, or {@code 0} for no placeholder
   * @param recacheBeforeMillis the remaining TTL below which a hit wins a refresh, or {@code 0}
   * @return the value and flags
   * @throws IllegalArgumentException if a duration is negative
   * @throws io.larder.CacheException if the store fails
   */
  RecacheRead readForRecache(String key, long vivifyTtlMillis, long recacheBeforeMillis);

  /**
   * Marks a value stale instead of deleting it: {@code md <key> I T<ttl>}.
   * <strong>Experimental.</strong>
   *
   * <p>The value stays readable; the next read hands out one win to recompute it
   * ({@link RecacheRead#stale()} and {@link RecacheRead#won()}), later reads see it stale with
   * a winner. Note that a plain {@link #get} is a read too: after {@code markStale}, the first
   * read of any kind takes the win. Its CAS unique changes, so a
   * {@link Store#compareAndSet} with a {@link StoredValue} read before fails.
   *
   * @param key the store key
   * @param staleTtlMillis how long the stale value may still live, or {@code 0} to keep its TTL
   * @return {@code true} if a value was there to mark
   * @throws IllegalArgumentException if {@code staleTtlMillis} is negative
   * @throws io.larder.CacheException if the store fails
   */
  boolean markStale(String key, long staleTtlMillis);
}

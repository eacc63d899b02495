package io.larder.spi;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * The one interface a storage backend implements: bytes in, bytes out.
 *
 * <p>A store knows nothing of codecs, namespaces, preload scopes or statistics; the
 * {@link io.larder.Cache} facade builds those on top. Keys arrive fully formed (prefix and
 * namespace already applied, laid out as {@link KeyLayout} describes) and already acceptable
 * to the store according to its {@link #traits()}. Values are opaque bytes.
 *
 * <h2>The kernel and the defaults</h2>
 * A store implements the <em>kernel</em>: {@link #get}, {@link #getMany}, {@link #set},
 * {@link #setMany}, {@link #delete}, {@link #deleteMany}, {@link #getVersioned},
 * {@link #compareAndSet}, {@link #clear} and {@link #close}. Everything else has a default
 * built on the kernel — {@link #add} as a compare-and-set on an absent key, {@link #exists} as
 * a read, {@link #touch} and {@link #incr} as {@link CasLoop read-modify-write loops} — which a
 * store overrides where its server does the operation natively, and then says so in
 * {@link #traits()}. A new store is correct once the kernel is; it becomes fast where it
 * overrides.
 *
 * <h2>Time to live</h2>
 * Every write takes {@code ttlMillis}: a positive number of milliseconds after which the
 * entry expires, or {@link #NO_EXPIRY} ({@code 0}) for an entry that never expires. The
 * facade never passes a negative value. An expired entry must never be returned by any
 * read, whether or not the store has physically removed it yet. A store that keeps coarser
 * expiry rounds up (see {@link StoreTraits#ttlResolution()}).
 *
 * <h2>Round trips</h2>
 * Each method is one round trip to each server it touches, where the server has a command
 * for it; an operation the store emulates (a default, or a counter the server lacks) may take
 * more, and its store's documentation says how many. The bulk methods ({@link #getMany},
 * {@link #setMany}, {@link #deleteMany}) must never degrade into one request per key.
 *
 * <h2>Failures</h2>
 * Methods throw {@link io.larder.CacheException} (or a subclass) when the store fails;
 * every remote call is bounded by a timeout. Stores must be safe for use by many threads.
 *
 * <p>Every store passes the same contract suite ({@code StoreContract} in
 * {@code larder-testkit}).
 */
public interface Store extends AutoCloseable {

  /** The {@code ttlMillis} value meaning "never expires". */
  long NO_EXPIRY = 0L;

  // ---- the kernel ------------------------------------------------------------------------

  /**
   * Returns the bytes stored under a key.
   *
   * @param key the store key
   * @return the bytes, or {@code null} if the key is missing or expired
   * @throws io.larder.CacheException if the store fails
   */
  byte @Nullable [] get(String key);

  /**
   * Returns the bytes stored under several keys in one round trip per server.
   *
   * <p>The map returned is the caller's to change: a new one on every call, which the store
   * keeps no reference to and returns to no one else (an empty one may be immutable). The facade
   * relies on this: a preload scope over a store whose {@linkplain StoreTraits#readsReturnCopies
   * reads return copies} keeps the map as its own and marks keys in it.
   *
   * @param keys the store keys; may contain duplicates
   * @return a map holding an entry for each key found, missing keys absent; the caller's own
   * @throws io.larder.CacheException if the store fails
   */
  Map<String, byte[]> getMany(Collection<String> keys);

  /**
   * Stores bytes under a key, replacing any value.
   *
   * @param key the store key
   * @param value the bytes to store
   * @param ttlMillis positive milliseconds to live, or {@link #NO_EXPIRY}
   * @throws io.larder.CacheException if the store fails
   */
  void set(String key, byte[] value, long ttlMillis);

  /**
   * Stores several entries in one round trip per server, each with the same TTL.
   *
   * @param entries keys and the bytes to store under them
   * @param ttlMillis positive milliseconds to live, or {@link #NO_EXPIRY}
   * @throws io.larder.CacheException if the store fails
   */
  void setMany(Map<String, byte[]> entries, long ttlMillis);

  /**
   * Removes a key.
   *
   * @param key the store key
   * @return {@code true} if a live value was removed
   * @throws io.larder.CacheException if the store fails
   */
  boolean delete(String key);

  /**
   * Removes several keys in one round trip per server.
   *
   * @param keys the store keys
   * @return how many live values were removed
   * @throws io.larder.CacheException if the store fails
   */
  int deleteMany(Collection<String> keys);

  /**
   * Reads a value together with the version that {@link #compareAndSet} checks.
   *
   * @param key the store key
   * @return the value and its version, or {@code null} if the key is missing or expired
   * @throws io.larder.CacheException if the store fails
   */
  @Nullable StoredValue getVersioned(String key);

  /**
   * Writes a value only if the key still holds what {@code expected} describes.
   *
   * <p>With {@code expected == null} the write succeeds only if the key is missing (or
   * expired). Otherwise it succeeds only if the key holds a live value with the same
   * version as {@code expected} (stores without versions compare the bytes).
   *
   * @param key the store key
   * @param expected what {@link #getVersioned} returned, or {@code null} for "absent"
   * @param value the bytes to store
   * @param ttlMillis positive milliseconds to live, or {@link #NO_EXPIRY}
   * @return {@code true} if written
   * @throws io.larder.CacheException if the store fails
   */
  boolean compareAndSet(String key, @Nullable StoredValue expected, byte[] value,
      long ttlMillis);

  /**
   * Removes every key that starts with {@code prefix}; an empty prefix removes every key
   * of the store.
   *
   * @param prefix the key prefix; the facade always passes a namespace prefix ending in
   *     {@code ':'} or the empty string (see {@link KeyLayout})
   * @throws io.larder.CacheException if the store fails
   */
  void clear(String prefix);

  /**
   * Releases what the store opened (connections, files, threads). Idempotent.
   */
  @Override
  void close();

  // ---- defaults built on the kernel --------------------------------------------------------

  /**
   * Stores several entries, each with its own TTL: what a request's gathered writes become
   * when its scope closes (see {@code docs/preload.md}).
   *
   * <p>The default makes one {@link #setMany} call per distinct TTL, in the order the TTLs
   * first occur; a store that can send entries with different TTLs in one request (a
   * pipeline of {@code SET … PX}, a batch of memcached {@code ms}) overrides it to make that
   * one round trip per server.
   *
   * @param entries keys and the bytes to store under them, in the order they were written
   * @param ttlMillis the TTL of each key of {@code entries}: positive milliseconds or
   *     {@link #NO_EXPIRY}
   * @throws io.larder.CacheException if the store fails
   */
  default void setEach(Map<String, byte[]> entries, ToLongFunction<String> ttlMillis) {
    Map<Long, Map<String, byte[]>> byTtl = new LinkedHashMap<>();
    entries.forEach((key, value) -> byTtl.computeIfAbsent(ttlMillis.applyAsLong(key),
        ttl -> new LinkedHashMap<>()).put(key, value));
    byTtl.forEach((ttl, group) -> setMany(group, ttl));
  }

  /**
   * Stores bytes under a key only if the key is missing (or expired), atomically.
   *
   * <p>The default is {@code compareAndSet(key, null, value, ttlMillis)}.
   *
   * @param key the store key
   * @param value the bytes to store
   * @param ttlMillis positive milliseconds to live, or {@link #NO_EXPIRY}
   * @return {@code true} if stored, {@code false} if a live value was already there
   * @throws io.larder.CacheException if the store fails
   */
  default boolean add(String key, byte[] value, long ttlMillis) {
    return compareAndSet(key, null, value, ttlMillis);
  }

  /**
   * Tells whether a key holds a live value.
   *
   * <p>The default reads the value; a store whose server can answer without sending it
   * overrides this.
   *
   * @param key the store key
   * @return {@code true} if the key holds a value that has not expired
   * @throws io.larder.CacheException if the store fails
   */
  default boolean exists(String key) {
    return get(key) != null;
  }

  /**
   * Gives a live value a new time to live, keeping the value.
   *
   * <p>The default rewrites the same bytes with the new TTL by compare-and-set, retrying
   * while other writers change the key.
   *
   * @param key the store key
   * @param ttlMillis positive milliseconds to live from now, or {@link #NO_EXPIRY}
   * @return {@code true} if the key held a live value
   * @throws io.larder.CacheException if the store fails
   */
  default boolean touch(String key, long ttlMillis) {
    return CasLoop.run("touch of key '" + key + "'", () -> {
      StoredValue read = getVersioned(key);
      if (read == null) {
        return Boolean.FALSE;
      }
      return compareAndSet(key, read, read.bytes(), ttlMillis) ? Boolean.TRUE : null;
    });
  }

  /**
   * Adds {@code delta} to the signed 64-bit decimal counter at a key, atomically.
   *
   * <p>A missing key is created holding {@code delta}, with {@code ttlMillis}; an existing
   * counter keeps its expiry. The stored form is plain decimal ASCII ({@code "-12"},
   * {@link Counters}), so that other clients' server-side increments agree.
   *
   * <p>The default is a compare-and-set loop; an existing counter keeps its expiry when
   * {@link #getVersioned} reports it ({@link StoredValue#ttlMillis()}), and is given
   * {@code ttlMillis} again when it does not.
   *
   * @param key the store key
   * @param delta the amount to add; may be negative
   * @param ttlMillis the time to live if the counter is created
   * @return the counter's value after the addition
   * @throws io.larder.CacheCodecException if the key holds something other than a decimal
   *     64-bit integer, or the addition overflows
   * @throws io.larder.CacheException if the store fails
   */
  default long incr(String key, long delta, long ttlMillis) {
    return CasLoop.run("incr of key '" + key + "'", () -> {
      StoredValue read = getVersioned(key);
      long next = read == null ? delta
          : Counters.add(key, Counters.parse(key, read.bytes()), delta);
      long ttl = read == null || read.ttlMillis() == StoredValue.UNKNOWN_TTL ? ttlMillis
          : read.ttlMillis();
      return compareAndSet(key, read, Counters.format(next), ttl) ? next : null;
    });
  }

  /**
   * States what this store does natively; see {@link StoreTraits}.
   *
   * @return the traits; {@link StoreTraits#DEFAULT} unless overridden
   */
  default StoreTraits traits() {
    return StoreTraits.DEFAULT;
  }

  /**
   * Checks the server's settings for what hurts a cache (for example Redis's
   * {@code maxmemory-policy noeviction}), without changing anything. {@code larder check}
   * prints the result as warnings.
   *
   * @return one sentence per problem; empty if none was found or the store has no settings
   * @throws io.larder.CacheException if the server cannot be asked
   */
  default List<String> diagnose() {
    return List.of();
  }

  /**
   * Tells how many entries and bytes the store holds under {@code prefix}, where it can tell
   * cheaply: a count kept in process, one query, one server command. A store that can only
   * count everything it holds says so with {@link StoreSize#wholeStore()}. For stats pages,
   * not for hot paths.
   *
   * @param prefix the key prefix, as {@link #clear(String)} takes it; {@code ""} for all keys
   * @return the size; {@link StoreSize#UNKNOWN} unless overridden
   * @throws io.larder.CacheException if the server cannot be asked
   */
  default StoreSize size(String prefix) {
    return StoreSize.UNKNOWN;
  }
}

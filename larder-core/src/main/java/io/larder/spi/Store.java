package io.larder.spi;

import java.util.Collection;
import java.util.Map;

/**
 * The one interface a storage backend implements: bytes in, bytes out.
 *
 * <p>A store knows nothing of codecs, namespaces, preload scopes or statistics; the
 * {@link io.larder.Cache} facade builds those on top. Keys arrive fully formed (prefix and
 * namespace already applied) and already acceptable to the store according to
 * {@link #keyRules()}. Values are opaque bytes.
 *
 * <h2>Time to live</h2>
 * Every write takes {@code ttlMillis}: a positive number of milliseconds after which the
 * entry expires, or {@link #NO_EXPIRY} ({@code 0}) for an entry that never expires. The
 * facade never passes a negative value. An expired entry must never be returned by any
 * read, whether or not the store has physically removed it yet.
 *
 * <h2>Round trips</h2>
 * Each method is one round trip to each server it touches, where the server has a command
 * for it; an operation the store emulates (a counter or compare-and-set a server lacks)
 * may take more, and its store's documentation says how many. The bulk methods
 * ({@link #getMany}, {@link #setMany}, {@link #deleteMany}) must never degrade into one
 * request per key.
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

  /**
   * Returns the bytes stored under a key.
   *
   * @param key the store key
   * @return the bytes, or {@code null} if the key is missing or expired
   * @throws io.larder.CacheException if the store fails
   */
  byte[] get(String key);

  /**
   * Returns the bytes stored under several keys in one round trip per server.
   *
   * @param keys the store keys; may contain duplicates
   * @return a map holding an entry for each key found; missing keys are absent
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
   * Stores bytes under a key only if the key is missing (or expired), atomically.
   *
   * @param key the store key
   * @param value the bytes to store
   * @param ttlMillis positive milliseconds to live, or {@link #NO_EXPIRY}
   * @return {@code true} if stored, {@code false} if a live value was already there
   * @throws io.larder.CacheException if the store fails
   */
  boolean add(String key, byte[] value, long ttlMillis);

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
   * Tells whether a key holds a live value, without transferring it.
   *
   * @param key the store key
   * @return {@code true} if the key holds a value that has not expired
   * @throws io.larder.CacheException if the store fails
   */
  boolean exists(String key);

  /**
   * Gives a live value a new time to live, keeping the value.
   *
   * @param key the store key
   * @param ttlMillis positive milliseconds to live from now, or {@link #NO_EXPIRY}
   * @return {@code true} if the key held a live value
   * @throws io.larder.CacheException if the store fails
   */
  boolean touch(String key, long ttlMillis);

  /**
   * Adds {@code delta} to the signed 64-bit decimal counter at a key, atomically.
   *
   * <p>A missing key is created holding {@code delta}, with {@code ttlMillis}; an existing
   * counter keeps its expiry. The stored form is plain decimal ASCII ({@code "-12"}), so
   * that other clients' server-side increments agree.
   *
   * @param key the store key
   * @param delta the amount to add; may be negative
   * @param ttlMillis the time to live if the counter is created
   * @return the counter's value after the addition
   * @throws io.larder.CacheCodecException if the key holds something other than a decimal
   *     64-bit integer, or the addition overflows
   * @throws io.larder.CacheException if the store fails
   */
  long incr(String key, long delta, long ttlMillis);

  /**
   * Reads a value together with the version that {@link #compareAndSet} checks.
   *
   * @param key the store key
   * @return the value and its version, or {@code null} if the key is missing or expired
   * @throws io.larder.CacheException if the store fails
   */
  StoredValue getVersioned(String key);

  /**
   * Writes a value only if the key still holds what {@code expected} describes.
   *
   * <p>With {@code expected == null} the write succeeds only if the key is missing, as
   * {@link #add}. Otherwise it succeeds only if the key holds a live value with the same
   * version as {@code expected} (stores without versions compare the bytes).
   *
   * @param key the store key
   * @param expected what {@link #getVersioned} returned, or {@code null} for "absent"
   * @param value the bytes to store
   * @param ttlMillis positive milliseconds to live, or {@link #NO_EXPIRY}
   * @return {@code true} if written
   * @throws io.larder.CacheException if the store fails
   */
  boolean compareAndSet(String key, StoredValue expected, byte[] value, long ttlMillis);

  /**
   * Removes every key that starts with {@code prefix}; an empty prefix removes every key
   * of the store.
   *
   * @param prefix the key prefix; the facade always passes a namespace prefix ending in
   *     {@code ':'} or the empty string
   * @throws io.larder.CacheException if the store fails
   */
  void clear(String prefix);

  /**
   * Says which keys this store can hold as they are; the facade encodes the others.
   *
   * @return the key rules
   */
  default KeyRules keyRules() {
    return KeyRules.ANY;
  }

  /**
   * Says whether every array a read returns ({@link #get}, {@link #getMany},
   * {@link #getVersioned}) is the caller's alone: a store that decodes each reply from a
   * server or a file into a new array answers {@code true}; a store that hands out the very
   * arrays it keeps (an in-process store) answers {@code false}, the default. The facade then
   * copies a value before a caller of {@link io.larder.Codec#bytes()} could change it, and
   * spares that copy on a store that answers {@code true}.
   *
   * @return whether read arrays are never held by the store
   */
  default boolean readsReturnCopies() {
    return false;
  }

  /**
   * Checks the server's settings for what hurts a cache (for example Redis's
   * {@code maxmemory-policy noeviction}), without changing anything. {@code larder check}
   * prints the result as warnings.
   *
   * @return one sentence per problem; empty if none was found or the store has no settings
   * @throws io.larder.CacheException if the server cannot be asked
   */
  default java.util.List<String> diagnose() {
    return java.util.List.of();
  }

  /**
   * Releases what the store opened (connections, files, threads). Idempotent.
   */
  @Override
  void close();
}

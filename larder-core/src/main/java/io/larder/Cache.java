package io.larder;

import io.larder.spi.StoreSize;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * A cache: typed values under string keys, in front of one {@link io.larder.spi.Store}.
 *
 * <pre>{@code
 * try (Cache cache = Larder.open("sqlite:data/cache.db?prefix=shop&ttl=60s")) {
 *   cache.set("greeting", "hello");
 *   String greeting = cache.get("greeting", String.class);
 *   long hits = cache.incr("hits:/books/312");
 *   Cache notes = cache.namespace("notes");
 *   notes.clear();                                     // only the notes namespace
 * }
 * }</pre>
 *
 * <h2>Keys</h2>
 * Any non-empty, valid Unicode string. A key the store cannot hold as it is (memcached: too
 * long, spaces, control characters) is replaced by a hash, with the full key stored beside
 * the value and checked on every read, so two keys never read each other's value.
 *
 * <h2>Time to live</h2>
 * Methods without a TTL use the cache's default ({@code ttl=} in the URL; {@link #FOREVER}
 * when not set). A positive TTL is rounded up to whole milliseconds (stores with one-second
 * resolution round up to whole seconds). A TTL of zero or less means "already expired":
 * {@code set} deletes the key, {@code add} stores nothing, {@code touch} deletes the key.
 * A TTL of 100 years or more means the entry never expires. Counters and compare-and-set
 * reject a TTL of zero or less.
 *
 * <h2>Failures</h2>
 * Fail-open (the default): when the store fails, reads are misses, writes are dropped and
 * return {@code false} where they return anything, {@code incr} returns {@code 0}; every
 * failure is counted in {@link CacheStats#storeErrors()} and logged at most once per second.
 * Fail-closed ({@code failOpen=false}): the {@link CacheException} reaches the caller. Bytes
 * that cannot be decoded are always a miss, counted in {@link CacheStats#decodeErrors()}.
 *
 * <p>Implementations are thread-safe.
 */
public interface Cache extends AutoCloseable {

  /** A TTL meaning "never expires" (any TTL of 100 years or more means the same). */
  Duration FOREVER = ChronoUnit.FOREVER.getDuration();

  /**
   * Returns the codec this cache uses for values of a class: a built-in one for
   * {@link String}, {@code byte[]}, {@link Long} and {@link Integer} (and their primitives),
   * Java serialization for classes allow-listed with
   * {@link Larder.Builder#allowSerialized(Class[])}. The methods taking a {@code Class} use it.
   *
   * @param type the value type
   * @param <T> the value type
   * @return the codec
   * @throws IllegalArgumentException if no codec serves {@code type}
   */
  <T> Codec<T> codecFor(Class<T> type);

  /**
   * Reads a value, decoding it with the codec registered for {@code type}.
   *
   * <p>{@link String}, {@code byte[]}, {@link Long} and {@link Integer} (decimal text) are
   * built in; other classes must be allow-listed with
   * {@link Larder.Builder#allowSerialized(Class[])}.
   *
   * @param key the key
   * @param type the value type
   * @param <T> the value type
   * @return the value, or {@code null} if missing, expired or undecodable
   * @throws IllegalArgumentException if the key is empty or no codec serves {@code type}
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  default <T> @Nullable T get(String key, Class<T> type) {
    return get(key, codecFor(type));
  }

  /**
   * Reads a value, decoding it with {@code codec}.
   *
   * @param key the key
   * @param codec the codec
   * @param <T> the value type
   * @return the value, or {@code null} if missing, expired or undecodable
   * @throws IllegalArgumentException if the key is empty
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  <T> @Nullable T get(String key, Codec<T> codec);

  /**
   * Reads several values in one round trip (keys known to an open preload scope cost none).
   *
   * @param keys the keys; duplicates are read once
   * @param type the value type
   * @param <T> the value type
   * @return the values found, keyed as given, in the order given; misses are absent
   * @throws IllegalArgumentException if a key is empty or no codec serves {@code type}
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  default <T> Map<String, T> getMany(Collection<String> keys, Class<T> type) {
    return getMany(keys, codecFor(type));
  }

  /**
   * Reads several values in one round trip, decoding them with {@code codec}.
   *
   * @param keys the keys; duplicates are read once
   * @param codec the codec
   * @param <T> the value type
   * @return the values found, keyed as given, in the order given; misses are absent
   * @throws IllegalArgumentException if a key is empty
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  <T> Map<String, T> getMany(Collection<String> keys, Codec<T> codec);

  /**
   * Stores a value with the default TTL, choosing the codec by the value's class.
   *
   * @param key the key
   * @param value the value: a {@link String}, {@code byte[]}, {@link Long}, {@link Integer}
   *     or an allow-listed serializable class
   * @throws IllegalArgumentException if no codec serves the value's class
   * @throws CacheCodecException if the value cannot be encoded
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  default void set(String key, Object value) {
    set(key, value, defaultTtl());
  }

  /**
   * Stores a value with a TTL, choosing the codec by the value's class.
   *
   * @param key the key
   * @param value the value
   * @param ttl the time to live; zero or less deletes the key
   * @throws IllegalArgumentException if no codec serves the value's class
   * @throws CacheCodecException if the value cannot be encoded
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  default void set(String key, Object value, Duration ttl) {
    Objects.requireNonNull(value, "value");
    set(key, value, codecOf(value), ttl);
  }

  /**
   * Stores a value with a codec and a TTL.
   *
   * @param key the key
   * @param value the value
   * @param codec the codec
   * @param ttl the time to live; zero or less deletes the key
   * @param <T> the value type
   * @throws CacheCodecException if the value cannot be encoded
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  <T> void set(String key, T value, Codec<T> codec, Duration ttl);

  /**
   * Stores several values with the default TTL in one round trip.
   *
   * @param entries keys and values; codecs chosen by each value's class
   * @throws IllegalArgumentException if no codec serves a value's class
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  default void setMany(Map<String, ?> entries) {
    setMany(entries, defaultTtl());
  }

  /**
   * Stores several values with one TTL in one round trip.
   *
   * @param entries keys and values; codecs chosen by each value's class
   * @param ttl the time to live; zero or less deletes the keys
   * @throws IllegalArgumentException if no codec serves a value's class
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  void setMany(Map<String, ?> entries, Duration ttl);

  /**
   * Stores several values with a codec and one TTL in one round trip.
   *
   * @param entries keys and values
   * @param codec the codec
   * @param ttl the time to live; zero or less deletes the keys
   * @param <T> the value type
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  <T> void setMany(Map<String, ? extends T> entries, Codec<T> codec, Duration ttl);

  /**
   * Stores a value with the default TTL only if the key is missing, atomically.
   *
   * @param key the key
   * @param value the value
   * @return {@code true} if stored
   * @throws IllegalArgumentException if no codec serves the value's class
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  default boolean add(String key, Object value) {
    return add(key, value, defaultTtl());
  }

  /**
   * Stores a value only if the key is missing, atomically.
   *
   * @param key the key
   * @param value the value
   * @param ttl the time to live; zero or less stores nothing and returns {@code false}
   * @return {@code true} if stored
   * @throws IllegalArgumentException if no codec serves the value's class
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  default boolean add(String key, Object value, Duration ttl) {
    Objects.requireNonNull(value, "value");
    return add(key, value, codecOf(value), ttl);
  }

  /**
   * Stores a value with a codec only if the key is missing, atomically.
   *
   * @param key the key
   * @param value the value
   * @param codec the codec
   * @param ttl the time to live; zero or less stores nothing and returns {@code false}
   * @param <T> the value type
   * @return {@code true} if stored
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  <T> boolean add(String key, T value, Codec<T> codec, Duration ttl);

  /**
   * Removes a key.
   *
   * @param key the key
   * @return {@code true} if a value was removed
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  boolean delete(String key);

  /**
   * Removes several keys in one round trip.
   *
   * @param keys the keys
   * @return how many values were removed
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  int deleteMany(Collection<String> keys);

  /**
   * Tells whether a key holds a live value.
   *
   * @param key the key
   * @return {@code true} if present and not expired
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  boolean exists(String key);

  /**
   * Gives a key the default TTL again, from now, keeping its value.
   *
   * @param key the key
   * @return {@code true} if the key was present
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  default boolean touch(String key) {
    return touch(key, defaultTtl());
  }

  /**
   * Gives a key a new TTL from now, keeping its value.
   *
   * @param key the key
   * @param ttl the new time to live; zero or less deletes the key
   * @return {@code true} if the key was present
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  boolean touch(String key, Duration ttl);

  /**
   * Adds one to a counter, creating it (with the default TTL) if missing.
   *
   * @param key the key
   * @return the new value ({@code 0} if the store failed and the cache is fail-open)
   * @throws CacheCodecException if the key holds something other than a decimal counter
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  default long incr(String key) {
    return incr(key, 1, defaultTtl());
  }

  /**
   * Adds {@code delta} to a counter, creating it (with the default TTL) if missing.
   *
   * @param key the key
   * @param delta the amount to add; may be negative
   * @return the new value ({@code 0} if the store failed and the cache is fail-open)
   * @throws CacheCodecException if the key holds something other than a decimal counter, or
   *     the sum overflows 64 bits
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  default long incr(String key, long delta) {
    return incr(key, delta, defaultTtl());
  }

  /**
   * Adds {@code delta} to a counter atomically, creating it with {@code ttl} if missing; an
   * existing counter keeps its expiry. Counters are signed 64-bit integers stored as decimal
   * text, so {@code get(key, Long.class)} reads them and other clients can increment them.
   *
   * @param key the key
   * @param delta the amount to add; may be negative
   * @param ttl the time to live if the counter is created; must be positive
   * @return the new value ({@code 0} if the store failed and the cache is fail-open)
   * @throws IllegalArgumentException if {@code ttl} is zero or negative
   * @throws CacheCodecException if the key holds something other than a decimal counter, or
   *     the sum overflows 64 bits
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  long incr(String key, long delta, Duration ttl);

  /**
   * Subtracts one from a counter, creating it (holding {@code -1}) if missing.
   *
   * @param key the key
   * @return the new value
   * @throws CacheCodecException if the key holds something other than a decimal counter
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  default long decr(String key) {
    return incr(key, -1, defaultTtl());
  }

  /**
   * Subtracts {@code delta} from a counter; see {@link #incr(String, long, Duration)}.
   *
   * @param key the key
   * @param delta the amount to subtract
   * @return the new value
   * @throws IllegalArgumentException if {@code delta} is {@link Long#MIN_VALUE}
   * @throws CacheCodecException if the key holds something other than a decimal counter
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  default long decr(String key, long delta) {
    if (delta == Long.MIN_VALUE) {
      throw new IllegalArgumentException("decr delta must be greater than Long.MIN_VALUE");
    }
    return incr(key, -delta, defaultTtl());
  }

  /**
   * Reads a value with the version a {@link #compareAndSet} checks. Always a round trip:
   * preload scopes are not consulted, because a scope holds no versions.
   *
   * @param key the key
   * @param codec the codec
   * @param <T> the value type
   * @return the value and version; {@link Versioned#exists()} is false when missing
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  <T> Versioned<T> getVersioned(String key, Codec<T> codec);

  /**
   * Reads a value with its version, choosing the codec by {@code type}.
   *
   * @param key the key
   * @param type the value type
   * @param <T> the value type
   * @return the value and version
   * @throws IllegalArgumentException if no codec serves {@code type}
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  default <T> Versioned<T> getVersioned(String key, Class<T> type) {
    return getVersioned(key, codecFor(type));
  }

  /**
   * Writes {@code value} with the default TTL only if the key is unchanged since
   * {@code read}: same version, or still missing if it was missing.
   *
   * @param read what {@link #getVersioned} of this cache returned
   * @param value the new value
   * @param <T> the value type
   * @return {@code true} if written; {@code false} if the key changed (or the store failed
   *     and the cache is fail-open)
   * @throws IllegalArgumentException if {@code read} came from another cache
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  default <T> boolean compareAndSet(Versioned<T> read, T value) {
    return compareAndSet(read, value, defaultTtl());
  }

  /**
   * Writes {@code value} with {@code ttl} only if the key is unchanged since {@code read}.
   *
   * @param read what {@link #getVersioned} of this cache returned
   * @param value the new value
   * @param ttl the time to live; must be positive
   * @param <T> the value type
   * @return {@code true} if written
   * @throws IllegalArgumentException if {@code read} came from another cache or {@code ttl}
   *     is not positive
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  <T> boolean compareAndSet(Versioned<T> read, T value, Duration ttl);

  /**
   * Runs a read-modify-write loop: reads the value, applies {@code fn}, writes the result if
   * nobody wrote in between, and retries (with backoff) when somebody did.
   *
   * <pre>{@code
   * Long left = cache.update("stock:312", Codec.longs(), n -> n == null ? 9L : n - 1);
   * }</pre>
   *
   * <p>The value is written with the cache's default TTL; see
   * {@link #update(String, Codec, Duration, UnaryOperator)} to give another.
   *
   * @param key the key
   * @param codec the codec
   * @param fn the function, given the current value or {@code null} when missing (or
   *     undecodable); returning {@code null} writes nothing. It may run several times.
   * @param <T> the value type
   * @return the value written, or {@code null} if {@code fn} returned {@code null} (or the
   *     store failed and the cache is fail-open)
   * @throws CacheException if the store fails and the cache is fail-closed, the thread is
   *     interrupted (the flag stays set), or 10,000 attempts all conflicted
   */
  default <T> @Nullable T update(String key, Codec<T> codec,
      UnaryOperator<@Nullable T> fn) {
    return update(key, codec, defaultTtl(), fn);
  }

  /**
   * Runs a read-modify-write loop that writes with {@code ttl}; see
   * {@link #update(String, Codec, UnaryOperator)}. Every successful write sets this TTL,
   * as {@code set} does (unlike {@code incr}, which keeps a counter's expiry).
   *
   * @param key the key
   * @param codec the codec
   * @param ttl the time to live of the written value; must be positive
   * @param fn the function, given the current value or {@code null}; returning {@code null}
   *     writes nothing
   * @param <T> the value type
   * @return the value written, or {@code null}
   * @throws IllegalArgumentException if {@code ttl} is not positive
   * @throws CacheException if the store fails and the cache is fail-closed, the thread is
   *     interrupted (the flag stays set), or 10,000 attempts all conflicted
   */
  <T> @Nullable T update(String key, Codec<T> codec, Duration ttl,
      UnaryOperator<@Nullable T> fn);

  /**
   * Runs a read-modify-write loop, choosing the codec by {@code type}; see
   * {@link #update(String, Codec, UnaryOperator)}.
   *
   * @param key the key
   * @param type the value type
   * @param fn the function
   * @param <T> the value type
   * @return the value written, or {@code null}
   * @throws IllegalArgumentException if no codec serves {@code type}
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  default <T> @Nullable T update(String key, Class<T> type,
      UnaryOperator<@Nullable T> fn) {
    return update(key, codecFor(type), fn);
  }

  /**
   * Removes every key of this cache's namespace, and of the namespaces nested in it, and
   * nothing else. On a root cache without a prefix this empties the whole store.
   *
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  void clear();

  /**
   * Returns a view of this cache whose keys live in a namespace of their own. Views are
   * cheap; the last 1,024 names used are remembered, so the same name usually returns the
   * same view (a view created anew starts its own stats at zero; the parent's keep counting). {@code clear()} on the view
   * removes only its keys; its stats count only its operations (and also count in this
   * cache's stats).
   *
   * @param name the namespace name; any non-empty string
   * @return the namespaced view, sharing this cache's store and settings
   * @throws IllegalArgumentException if {@code name} is empty
   */
  Cache namespace(String name);

  /**
   * Opens a preload scope for this thread: reads the keys in one round trip and serves
   * later reads of them from memory until closed. See {@link Preload}.
   *
   * @param keys the keys to load
   * @return the open scope; close it with try-with-resources
   * @throws IllegalArgumentException if a key is empty
   */
  default Preload preload(String... keys) {
    Objects.requireNonNull(keys, "keys");
    return preload(List.of(keys));
  }

  /**
   * Opens a preload scope for this thread over a collection of keys.
   *
   * @param keys the keys to load
   * @return the open scope
   * @throws IllegalArgumentException if a key is empty
   */
  Preload preload(Collection<String> keys);

  /**
   * Returns the value under {@code key}, or computes it with {@code loader}, caches it for
   * {@code ttl} and returns it. One computation per key runs at a time in this JVM: callers
   * arriving meanwhile wait for it and get its value, or its exception (then nothing is
   * cached). Values are recomputed early, probably before they expire (XFetch, β = 1).
   *
   * <p>The wait is shared with {@link AsyncCache#getOrCompute}: do not call this from the
   * cache's asynchronous executor (a loader or callback of {@link AsyncCache}), where waiting
   * for an asynchronous computation that needs that executor can deadlock; see
   * {@link AsyncCache}, "Threads".
   *
   * <pre>{@code
   * Report r = cache.getOrCompute("report:today", Report.class, Duration.ofMinutes(10), this::build);
   * }</pre>
   *
   * @param key the key
   * @param type the value type
   * @param ttl how long a computed value is fresh; positive
   * @param loader computes the value; a {@code null} result is returned and not cached
   * @param <T> the value type
   * @return the cached or computed value
   * @throws IllegalArgumentException if no codec serves {@code type} or {@code ttl} is not
   *     positive
   * @throws RuntimeException what the loader threw, to every caller waiting for it
   * @throws CacheException if the store fails and the cache is fail-closed, or the thread is
   *     interrupted while waiting (the flag stays set)
   */
  default <T> @Nullable T getOrCompute(String key, Class<T> type, Duration ttl,
      java.util.function.Supplier<? extends @Nullable T> loader) {
    return getOrCompute(key, codecFor(type), Freshness.of(ttl), loader);
  }

  /**
   * Returns the value under {@code key}, or computes it, with the stampede protections of
   * {@code freshness}: a lease for one computation across all servers, a stale period served
   * while one caller refreshes in the background, early recomputation.
   *
   * @param key the key
   * @param type the value type
   * @param freshness TTL and protections
   * @param loader computes the value
   * @param <T> the value type
   * @return the cached or computed value
   * @throws IllegalArgumentException if no codec serves {@code type}
   * @throws RuntimeException what the loader threw
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  default <T> @Nullable T getOrCompute(String key, Class<T> type, Freshness freshness,
      java.util.function.Supplier<? extends @Nullable T> loader) {
    return getOrCompute(key, codecFor(type), freshness, loader);
  }

  /**
   * Returns the value under {@code key}, or computes it, with a codec and the stampede
   * protections of {@code freshness}; see {@link Freshness}.
   *
   * @param key the key
   * @param codec the codec
   * @param freshness TTL and protections
   * @param loader computes the value
   * @param <T> the value type
   * @return the cached or computed value
   * @throws RuntimeException what the loader threw
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  <T> @Nullable T getOrCompute(String key, Codec<T> codec, Freshness freshness,
      java.util.function.Supplier<? extends @Nullable T> loader);

  /**
   * Memoizes a function: results are cached for {@code ttl} under a key made of
   * {@code name} and the argument; see {@link Memoized}. Name functions uniquely within the
   * namespace, for example {@code "Notes.markup"}.
   *
   * @param name the function's name
   * @param argType the argument type, checked now: strings, numbers, booleans, enums,
   *     UUIDs, {@code java.time} values, records, collections and arrays of them
   * @param resultType the result type, which chooses the codec as {@link #get(String, Class)}
   * @param fn the function
   * @param ttl how long results are fresh
   * @param <A> the argument type
   * @param <R> the result type
   * @return the memoized function
   * @throws IllegalArgumentException if no key can be made of {@code argType}, or no codec
   *     serves {@code resultType}
   */
  default <A, R> Memoized<A, R> memoize(String name, Class<A> argType, Class<R> resultType,
      java.util.function.Function<? super A, ? extends @Nullable R> fn, Duration ttl) {
    return memoizer(name, argType, codecFor(resultType)).ttl(ttl).of(fn);
  }

  /**
   * Memoizes a bulk function; see {@link MemoizedAll}.
   *
   * @param name the function's name
   * @param keyType the key type, checked now as for {@link #memoize}
   * @param valueType the value type
   * @param fn the bulk function, given only the keys not cached
   * @param ttl how long results are fresh
   * @param <K> the key type
   * @param <V> the value type
   * @return the memoized bulk function
   * @throws IllegalArgumentException if no key can be made of {@code keyType}, or no codec
   *     serves {@code valueType}
   */
  default <K, V> MemoizedAll<K, V> memoizeAll(String name, Class<K> keyType, Class<V> valueType,
      java.util.function.Function<? super java.util.Set<K>, ? extends Map<K, ? extends V>> fn,
      Duration ttl) {
    return memoizer(name, keyType, codecFor(valueType)).ttl(ttl).ofAll(fn);
  }

  /**
   * Starts configuring a memoized function with a codec and options (freshness, cached
   * nulls, a key function); see {@link Memoizer}.
   *
   * @param name the function's name
   * @param argType the argument type, checked now
   * @param codec the result codec
   * @param <A> the argument type
   * @param <R> the result type
   * @return the memoizer
   * @throws IllegalArgumentException if {@code name} is empty or no key can be made of
   *     {@code argType}
   */
  <A, R> Memoizer<A, R> memoizer(String name, Class<A> argType, Codec<R> codec);

  /**
   * Returns the admission policy this cache was opened with ({@code admit=} in the URL, or
   * {@link Larder.Builder#admission}); {@link Admission#off()} unless set. When it is on,
   * {@code getOrCompute} and memoized functions store a computed value only if its key was
   * missed often enough recently; a memoized function, a page route or a Pebble fragment
   * may choose otherwise for its own values.
   *
   * @return the policy
   */
  default Admission admission() {
    return Admission.off();
  }

  /**
   * Counts one use of {@code key} (a miss, or any request) in this cache's admission sketch
   * and tells whether it was used often enough recently for a value computed for it to be
   * stored. For code that computes and stores values itself, as the page cache of
   * {@code larder-web} does; it asks the sketch whether admission is on by default or not
   * (a cache without {@code admit=} makes a sketch with the default settings on first
   * use). Costs no round trip.
   *
   * <pre>{@code
   * String html = render(path);
   * if (pages.admit(path)) {
   *   pages.set(path, html);
   * }
   * }</pre>
   *
   * @param key the key the value would be stored under, in this cache's namespace
   * @return whether to store the value
   * @throws IllegalArgumentException if the key is empty or too long for the store
   */
  default boolean admit(String key) {
    return true;
  }

  /**
   * Returns what admission decided since the cache opened, across all its namespaces.
   *
   * @return admitted and rejected computed values
   */
  default AdmissionStats admissionStats() {
    return new AdmissionStats(0, 0, 0);
  }

  /**
   * Returns a view of this cache whose writes are tagged: an entry written through it is
   * invisible, to every view, once any of its tags is invalidated with
   * {@link #invalidateTag}. Reads through the view get the tags' generations in the same
   * round trip as the values. Tags belong to the root cache, across its namespaces.
   *
   * <pre>{@code
   * cache.tagged("note:312", "user:7").set("note:312:html", html);
   * cache.invalidateTag("note:312");   // the entry reads as missing from now on
   * }</pre>
   *
   * @param tags one or more non-empty tag names
   * @return the tagged view
   * @throws IllegalArgumentException if no tag is given or a tag is empty
   */
  Cache tagged(String... tags);

  /**
   * Invalidates every entry written with {@code tag}, in one round trip and without a key
   * scan: the tag's generation counter moves on, and entries recorded under the old one read
   * as missing.
   *
   * @param tag the tag
   * @throws IllegalArgumentException if {@code tag} is empty
   * @throws CacheException if the store fails and the cache is fail-closed
   */
  void invalidateTag(String tag);

  /**
   * Opens a preload scope that learns: it preloads the keys read the last time a scope of
   * this name ran, and records this run's reads for next time. After the first run of a
   * page, its reads cost one round trip with no key listed by hand. The key list (at most
   * 1,000 keys) is kept in the store, where every server of the app reads it in the same
   * round trip as the data, and in this JVM's memory.
   *
   * <pre>{@code
   * try (Preload scope = cache.learnedPreload("GET /books/{id}")) {
   *   return render(book);   // every cache read of the page
   * }
   * }</pre>
   *
   * <p>In a fail-open cache (the default) a learned scope is also a request scope: writes are
   * gathered while it is open, as in {@link #gatherWrites()}. Closing a learned scope never
   * throws, so in a fail-closed cache it gathers nothing; open {@link #gatherWrites()} around
   * it there.
   *
   * @param name the scope's name: a route, a view
   * @return the open scope; {@link Preload#keys()} is empty
   * @throws IllegalArgumentException if {@code name} is empty
   */
  Preload learnedPreload(String name);

  /**
   * Opens a request scope on this thread: the values this thread writes through this cache
   * (any namespace of its root; {@code set}, {@code setMany}, memoized results, fragments,
   * learned key lists) while it is open are held back and sent in one bulk write when the
   * outermost request scope of the thread closes, rather than one round trip each. Reads on
   * this thread see the held-back values at once; other threads and servers see them when the
   * scope closes. Deletes, counters, {@code add}, compare-and-set, {@code touch}, {@code clear}
   * and leases stay immediate (a held-back write of the same key is sent first, or dropped by
   * a delete or clear). A failed bulk write counts as a store error for each of its writes,
   * as a failed {@code set} does; fail-closed, {@link Preload#close()} throws it, after the
   * scope is torn down. Switched off with the builder's {@code gatherWrites(false)} or the
   * URL option {@code gatherWrites=false}, when this scope only marks the request.
   *
   * <pre>{@code
   * try (Preload request = cache.gatherWrites()) {
   *   cache.set("a", "1");
   *   cache.set("b", "2");   // nothing sent yet; cache.get("a") sees "1"
   * }                        // one bulk write of a and b
   * }</pre>
   *
   * <p>The default (for other implementations) opens an empty {@link #preload} scope, which
   * gathers nothing.
   *
   * @return the open scope; {@link Preload#keys()} is empty
   * @throws IllegalStateException if the cache is closed
   */
  default Preload gatherWrites() {
    return preload(java.util.List.of());
  }

  /**
   * Returns a snapshot of this cache's counters, without asking the store anything: its
   * {@link CacheStats#entries()} and {@link CacheStats#bytes()} are {@code -1}.
   *
   * @return the stats
   */
  CacheStats stats();

  /**
   * Returns a snapshot of this cache's counters with the entries and bytes the store holds
   * under this cache's prefix (a namespace: that namespace's keys), where the store can tell
   * ({@link io.larder.spi.Store#size(String)}); one call to the store, counted as a round
   * trip. For a stats page, not for every request. A store that can count only everything it
   * holds reports that; see {@link #storeSize()}.
   *
   * <p>The default asks {@link #storeSize()}.
   *
   * @return the stats, with {@code -1} for what the store cannot tell (or, failing open, what
   *     it failed to answer)
   * @throws CacheException if the store fails and the cache fails closed
   */
  default CacheStats statsWithSize() {
    return stats().withSize(storeSize());
  }

  /**
   * Asks the store how many entries and bytes it holds under this cache's prefix, and whether
   * it could count only everything it holds ({@link StoreSize#wholeStore()});
   * one call to the store, counted as a round trip.
   *
   * @return the size; {@link StoreSize#UNKNOWN} if the store cannot tell or,
   *     failing open, failed
   * @throws CacheException if the store fails and the cache fails closed
   */
  StoreSize storeSize();

  /**
   * Returns a snapshot of the near tier's counters, shared by the cache and all its views.
   *
   * @return the counters; {@link NearStats#NONE} when the cache has no near tier
   */
  default NearStats nearStats() {
    return NearStats.NONE;
  }

  /**
   * Returns this cache's default TTL.
   *
   * @return the default TTL; {@link #FOREVER} when none was configured
   */
  Duration defaultTtl();

  /**
   * Returns the asynchronous view of this cache: the same keys, namespace, tags, stats and
   * failure policy, with every operation returning a future; see {@link AsyncCache}.
   *
   * <pre>{@code
   * cache.async().get("greeting", String.class).thenAccept(System.out::println);
   * }</pre>
   *
   * @return the view
   */
  AsyncCache async();

  /**
   * Closes the store if this cache opened it (from a URL); a store passed to the builder is
   * borrowed and left open. Namespace views close nothing. Idempotent.
   */
  @Override
  void close();

  /** The codec of a value's own class, as {@link #codecFor}. */
  @SuppressWarnings("unchecked")
  private <T> Codec<T> codecOf(T value) {
    return (Codec<T>) codecFor(value.getClass());
  }
}

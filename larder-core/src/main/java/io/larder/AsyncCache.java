package io.larder;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The asynchronous view of a {@link Cache}: every operation returns a
 * {@link CompletableFuture} instead of waiting for the store. It is a view over the same
 * engines as the synchronous cache it came from ({@link Cache#async()}), or opened directly
 * with {@link Larder.Builder#buildAsync()}: the same keys, namespace, codecs, TTLs, tags,
 * stats and failure policy, so a value written through one reads the same through the other.
 *
 * <pre>{@code
 * AsyncCache async = cache.async();
 * async.set("greeting", "hello")
 *     .thenCompose(done -> async.get("greeting", String.class))
 *     .thenAccept(greeting -> System.out.println(greeting));
 * }</pre>
 *
 * <h2>How calls run</h2>
 * A store that implements {@link io.larder.spi.AsyncStore} (Redis, memcached, Kyoto Tycoon)
 * is called without blocking a thread per call in flight. A store kept in this process
 * ({@code mem:}, {@code none:}) answers at once: the future is complete when the method
 * returns. Any other store (SQLite, the database store, a decorated store) is called on the
 * cache's executor, which bounds how many of its calls run at once.
 *
 * <h2>Threads</h2>
 * A future never completes on a store's I/O thread (a Netty event loop, Lettuce's threads):
 * the rest of the work (decoding, stats) and the completion run on the cache's executor,
 * daemon threads named {@code larder-async-N}, 8 of them unless configured with
 * {@link Larder.Builder#asyncThreads(int)} (URL option {@code asyncThreads=}) or replaced by
 * {@link Larder.Builder#asyncExecutor(java.util.concurrent.Executor)}. Callbacks attached to
 * a future run there (or on the attaching thread if it is complete already); they should not
 * block for long, or they hold up other calls' completions.
 *
 * <p><b>Never call the blocking {@link Cache} from those threads</b> (in a loader, an
 * {@code update} function or a callback), nor {@code join()} a future there. A blocking
 * {@link Cache#getOrCompute} shares single flight with this API: on a key whose asynchronous
 * computation is in flight it waits for that computation, which needs an executor thread to
 * finish; when every executor thread waits so, the cache deadlocks. Compose with this API's
 * {@link #getOrCompute} instead, and run blocking work in a loader on an executor of your own
 * ({@code key -> CompletableFuture.supplyAsync(() -> dao.load(key), yourPool)}). See
 * {@code docs/async.md}, "Blocking calls inside asynchronous code".
 *
 * <h2>Failures</h2>
 * As in {@link Cache}: fail-open (the default), a failed store call completes normally with
 * the fallback (a miss, {@code false}, {@code 0}) and is counted and logged; fail-closed, the
 * future completes exceptionally with the same {@link CacheException} the synchronous call
 * would throw. Bad arguments (a {@code null}, an empty key, a closed cache) are thrown at
 * once, not put in the future.
 *
 * <h2>Preload scopes</h2>
 * Preload scopes belong to a thread and stay a synchronous feature: asynchronous calls
 * neither read from a scope nor have their writes held back by one. An asynchronous write or
 * delete makes the calling thread's open scopes forget the key (and drops a write of that key
 * they hold back), so that a later synchronous read in the scope asks the store. For the
 * one-round-trip effect of a scope in asynchronous code, read the keys with
 * {@link #getMany(Collection, Class)}.
 */
public interface AsyncCache extends AutoCloseable {

  /**
   * Returns the synchronous cache this is a view of.
   *
   * @return the cache
   */
  Cache synchronous();

  // ---- reads -------------------------------------------------------------------------------

  /**
   * Reads a value, decoding it with the codec registered for {@code type}.
   *
   * @param key the key
   * @param type the value type
   * @param <T> the value type
   * @return the value, or {@code null} if missing, expired or undecodable
   * @throws IllegalArgumentException if the key is empty or no codec serves {@code type}
   * @throws IllegalStateException if the cache is closed
   */
  default <T> CompletableFuture<@Nullable T> get(String key, Class<T> type) {
    return get(key, synchronous().codecFor(type));
  }

  /**
   * Reads a value, decoding it with {@code codec}; fail-closed, a store failure completes the
   * future with a {@link CacheException}.
   *
   * @param key the key
   * @param codec the codec
   * @param <T> the value type
   * @return the value, or {@code null} if missing, expired or undecodable
   * @throws IllegalArgumentException if the key is empty
   * @throws IllegalStateException if the cache is closed
   */
  <T> CompletableFuture<@Nullable T> get(String key, Codec<T> codec);

  /**
   * Reads several values in one round trip.
   *
   * @param keys the keys; duplicates are read once
   * @param type the value type
   * @param <T> the value type
   * @return the values found, keyed as given, in the order given; misses are absent
   * @throws IllegalArgumentException if a key is empty or no codec serves {@code type}
   * @throws IllegalStateException if the cache is closed
   */
  default <T> CompletableFuture<Map<String, T>> getMany(Collection<String> keys,
      Class<T> type) {
    return getMany(keys, synchronous().codecFor(type));
  }

  /**
   * Reads several values in one round trip, decoding them with {@code codec}.
   *
   * @param keys the keys; duplicates are read once
   * @param codec the codec
   * @param <T> the value type
   * @return the values found, keyed as given, in the order given; misses are absent
   * @throws IllegalArgumentException if a key is empty
   * @throws IllegalStateException if the cache is closed
   */
  <T> CompletableFuture<Map<String, T>> getMany(Collection<String> keys, Codec<T> codec);

  /**
   * Tells whether a key holds a live value.
   *
   * @param key the key
   * @return whether it does ({@code false} on a store failure, fail-open)
   * @throws IllegalArgumentException if the key is empty
   * @throws IllegalStateException if the cache is closed
   */
  CompletableFuture<Boolean> exists(String key);

  // ---- writes ------------------------------------------------------------------------------

  /**
   * Stores a value with the default TTL, choosing the codec by the value's class.
   *
   * @param key the key
   * @param value the value
   * @return completes when the store has taken the write (or, fail-open, dropped it)
   * @throws IllegalArgumentException if the key is empty or no codec serves the value's class
   * @throws IllegalStateException if the cache is closed
   */
  default CompletableFuture<Void> set(String key, Object value) {
    return set(key, value, synchronous().defaultTtl());
  }

  /**
   * Stores a value with a TTL, choosing the codec by the value's class.
   *
   * @param key the key
   * @param value the value
   * @param ttl the time to live; zero or less deletes the key
   * @return completes when the store has taken the write (or, fail-open, dropped it)
   * @throws IllegalArgumentException if the key is empty or no codec serves the value's class
   * @throws IllegalStateException if the cache is closed
   */
  default CompletableFuture<Void> set(String key, Object value, Duration ttl) {
    return set(key, value, codecOf(value), ttl);
  }

  /**
   * Stores a value with a codec and a TTL. A value the codec cannot encode, or too large for
   * the store, completes the future as the synchronous {@link Cache#set} would fail.
   *
   * @param key the key
   * @param value the value
   * @param codec the codec
   * @param ttl the time to live; zero or less deletes the key
   * @param <T> the value type
   * @return completes when the store has taken the write (or, fail-open, dropped it)
   * @throws IllegalArgumentException if the key is empty
   * @throws IllegalStateException if the cache is closed
   */
  <T> CompletableFuture<Void> set(String key, T value, Codec<T> codec, Duration ttl);

  /**
   * Stores several values with the default TTL in one round trip, each with the codec of its
   * class.
   *
   * @param entries keys and values
   * @return completes when the store has taken the writes
   * @throws IllegalArgumentException if a key is empty or no codec serves a value's class
   * @throws IllegalStateException if the cache is closed
   */
  default CompletableFuture<Void> setMany(Map<String, ?> entries) {
    return setMany(entries, synchronous().defaultTtl());
  }

  /**
   * Stores several values with one TTL in one round trip, each with the codec of its class.
   *
   * @param entries keys and values
   * @param ttl the time to live; zero or less deletes the keys
   * @return completes when the store has taken the writes
   * @throws IllegalArgumentException if a key is empty or no codec serves a value's class
   * @throws IllegalStateException if the cache is closed
   */
  CompletableFuture<Void> setMany(Map<String, ?> entries, Duration ttl);

  /**
   * Stores several values with one codec and one TTL in one round trip.
   *
   * @param entries keys and values
   * @param codec the codec
   * @param ttl the time to live; zero or less deletes the keys
   * @param <T> the value type
   * @return completes when the store has taken the writes
   * @throws IllegalArgumentException if a key is empty
   * @throws IllegalStateException if the cache is closed
   */
  <T> CompletableFuture<Void> setMany(Map<String, ? extends T> entries, Codec<T> codec,
      Duration ttl);

  /**
   * Stores a value only if the key is missing, with the default TTL.
   *
   * @param key the key
   * @param value the value
   * @return whether it was stored
   * @throws IllegalArgumentException if the key is empty or no codec serves the value's class
   * @throws IllegalStateException if the cache is closed
   */
  default CompletableFuture<Boolean> add(String key, Object value) {
    return add(key, value, synchronous().defaultTtl());
  }

  /**
   * Stores a value only if the key is missing.
   *
   * @param key the key
   * @param value the value
   * @param ttl the time to live; zero or less stores nothing
   * @return whether it was stored
   * @throws IllegalArgumentException if the key is empty or no codec serves the value's class
   * @throws IllegalStateException if the cache is closed
   */
  default CompletableFuture<Boolean> add(String key, Object value, Duration ttl) {
    return add(key, value, codecOf(value), ttl);
  }

  /**
   * Stores a value with a codec only if the key is missing.
   *
   * @param key the key
   * @param value the value
   * @param codec the codec
   * @param ttl the time to live; zero or less stores nothing
   * @param <T> the value type
   * @return whether it was stored
   * @throws IllegalArgumentException if the key is empty
   * @throws IllegalStateException if the cache is closed
   */
  <T> CompletableFuture<Boolean> add(String key, T value, Codec<T> codec, Duration ttl);

  /**
   * Deletes a key.
   *
   * @param key the key
   * @return whether the key was there
   * @throws IllegalArgumentException if the key is empty
   * @throws IllegalStateException if the cache is closed
   */
  CompletableFuture<Boolean> delete(String key);

  /**
   * Deletes several keys in one round trip.
   *
   * @param keys the keys
   * @return how many were there
   * @throws IllegalArgumentException if a key is empty
   * @throws IllegalStateException if the cache is closed
   */
  CompletableFuture<Integer> deleteMany(Collection<String> keys);

  /**
   * Gives a live value the default TTL again, counted from now.
   *
   * @param key the key
   * @return whether the key held a live value
   * @throws IllegalArgumentException if the key is empty
   * @throws IllegalStateException if the cache is closed
   */
  default CompletableFuture<Boolean> touch(String key) {
    return touch(key, synchronous().defaultTtl());
  }

  /**
   * Gives a live value a new TTL, counted from now.
   *
   * @param key the key
   * @param ttl the new time to live; zero or less deletes the key
   * @return whether the key held a live value
   * @throws IllegalArgumentException if the key is empty
   * @throws IllegalStateException if the cache is closed
   */
  CompletableFuture<Boolean> touch(String key, Duration ttl);

  // ---- counters ----------------------------------------------------------------------------

  /**
   * Adds one to a counter, creating it at 1 with the default TTL.
   *
   * @param key the key
   * @return the counter after the addition ({@code 0} on a store failure, fail-open)
   * @throws IllegalArgumentException if the key is empty
   * @throws IllegalStateException if the cache is closed or tagged
   */
  default CompletableFuture<Long> incr(String key) {
    return incr(key, 1);
  }

  /**
   * Adds {@code delta} to a counter, creating it with the default TTL; a value that is not
   * a decimal counter completes the future with a {@link CacheCodecException}.
   *
   * @param key the key
   * @param delta the amount to add; may be negative
   * @return the counter after the addition ({@code 0} on a store failure, fail-open)
   * @throws IllegalArgumentException if the key is empty
   * @throws IllegalStateException if the cache is closed or tagged
   */
  default CompletableFuture<Long> incr(String key, long delta) {
    return incr(key, delta, synchronous().defaultTtl());
  }

  /**
   * Adds {@code delta} to a counter, creating it with {@code ttl}.
   *
   * @param key the key
   * @param delta the amount to add; may be negative
   * @param ttl the time to live if the counter is created; positive
   * @return the counter after the addition ({@code 0} on a store failure, fail-open)
   * @throws IllegalArgumentException if the key is empty or {@code ttl} not positive
   * @throws IllegalStateException if the cache is closed or tagged
   */
  CompletableFuture<Long> incr(String key, long delta, Duration ttl);

  /**
   * Subtracts one from a counter.
   *
   * @param key the key
   * @return the counter after the subtraction
   * @throws IllegalArgumentException if the key is empty
   * @throws IllegalStateException if the cache is closed or tagged
   */
  default CompletableFuture<Long> decr(String key) {
    return incr(key, -1);
  }

  /**
   * Subtracts {@code delta} from a counter.
   *
   * @param key the key
   * @param delta the amount to subtract
   * @return the counter after the subtraction
   * @throws IllegalArgumentException if the key is empty
   * @throws IllegalStateException if the cache is closed or tagged
   */
  default CompletableFuture<Long> decr(String key, long delta) {
    return incr(key, -delta);
  }

  // ---- compare-and-set ---------------------------------------------------------------------

  /**
   * Reads a value with its version, for {@link #compareAndSet}.
   *
   * @param key the key
   * @param codec the codec
   * @param <T> the value type
   * @return the value (or its absence) and its version
   * @throws IllegalArgumentException if the key is empty
   * @throws IllegalStateException if the cache is closed
   */
  <T> CompletableFuture<Versioned<T>> getVersioned(String key, Codec<T> codec);

  /**
   * Reads a value with its version, with the codec registered for {@code type}.
   *
   * @param key the key
   * @param type the value type
   * @param <T> the value type
   * @return the value (or its absence) and its version
   * @throws IllegalArgumentException if the key is empty or no codec serves {@code type}
   * @throws IllegalStateException if the cache is closed
   */
  default <T> CompletableFuture<Versioned<T>> getVersioned(String key, Class<T> type) {
    return getVersioned(key, synchronous().codecFor(type));
  }

  /**
   * Writes a value only if the key still holds what {@code read} read, with the default TTL.
   *
   * @param read what {@link #getVersioned} returned, from this cache
   * @param value the new value
   * @param <T> the value type
   * @return whether the write happened
   * @throws IllegalArgumentException if {@code read} came from another cache
   * @throws IllegalStateException if the cache is closed
   */
  default <T> CompletableFuture<Boolean> compareAndSet(Versioned<T> read, T value) {
    return compareAndSet(read, value, synchronous().defaultTtl());
  }

  /**
   * Writes a value only if the key still holds what {@code read} read.
   *
   * @param read what {@link #getVersioned} returned, from this cache
   * @param value the new value
   * @param ttl the time to live; positive
   * @param <T> the value type
   * @return whether the write happened
   * @throws IllegalArgumentException if {@code read} came from another cache or {@code ttl}
   *     is not positive
   * @throws IllegalStateException if the cache is closed
   */
  <T> CompletableFuture<Boolean> compareAndSet(Versioned<T> read, T value, Duration ttl);

  /**
   * Runs a read-modify-write loop with the default TTL; see
   * {@link #update(String, Codec, Duration, UnaryOperator)}.
   *
   * @param key the key
   * @param codec the codec
   * @param fn the change
   * @param <T> the value type
   * @return the value written, or {@code null} if {@code fn} returned {@code null}
   * @throws IllegalArgumentException if the key is empty
   * @throws IllegalStateException if the cache is closed
   */
  default <T> CompletableFuture<@Nullable T> update(String key, Codec<T> codec,
      UnaryOperator<@Nullable T> fn) {
    return update(key, codec, synchronous().defaultTtl(), fn);
  }

  /**
   * Runs a read-modify-write loop: reads the value with its version, applies {@code fn}
   * (given {@code null} when missing), writes the result if no one wrote meanwhile, and
   * tries again after a back-off if someone did, with no thread waiting between attempts.
   * {@code fn} may run more than once, on the cache's executor (or, for {@code mem:} and
   * {@code none:}, the calling thread); returning {@code null}
   * stops without writing.
   *
   * @param key the key
   * @param codec the codec
   * @param ttl the time to live; positive
   * @param fn the change
   * @param <T> the value type
   * @return the value written, or {@code null} if {@code fn} returned {@code null}; a
   *     {@link CacheException} after too many conflicting writes
   * @throws IllegalArgumentException if the key is empty or {@code ttl} not positive
   * @throws IllegalStateException if the cache is closed
   */
  <T> CompletableFuture<@Nullable T> update(String key, Codec<T> codec, Duration ttl,
      UnaryOperator<@Nullable T> fn);

  // ---- getOrCompute and memoize ------------------------------------------------------------

  /**
   * Returns the value under {@code key}, or computes it with an asynchronous loader: one
   * computation per key in this JVM at a time, whose future every concurrent caller shares,
   * and early recomputation (XFetch, β = 1); see {@link Cache#getOrCompute}.
   *
   * <pre>{@code
   * async.getOrCompute("report:today", Report.class, Duration.ofMinutes(10),
   *     key -> reports.buildAsync());
   * }</pre>
   *
   * @param key the key
   * @param type the value type
   * @param ttl how long a computed value is fresh; positive
   * @param loader computes the value from the key, on the cache's executor (on the calling
   *     thread for {@code mem:} and {@code none:}, which answer at once); a {@code null}
   *     result is returned and not cached. It must not block on the cache (a blocking
   *     {@link Cache#getOrCompute}, {@code join()}): that holds an executor thread the
   *     computations need, and can deadlock (see "Threads" above); return a stage instead,
   *     running blocking work on an executor of your own
   * @param <T> the value type
   * @return the cached or computed value; completes exceptionally with what the loader failed
   *     with, for every caller sharing its computation (then nothing is cached)
   * @throws IllegalArgumentException if the key is empty, no codec serves {@code type} or
   *     {@code ttl} is not positive
   * @throws IllegalStateException if the cache is closed
   */
  default <T> CompletableFuture<@Nullable T> getOrCompute(String key, Class<T> type,
      Duration ttl,
      Function<String, ? extends CompletionStage<? extends @Nullable T>> loader) {
    return getOrCompute(key, synchronous().codecFor(type), Freshness.of(ttl), loader);
  }

  /**
   * Returns the value under {@code key}, or computes it, with the stampede protections of
   * {@code freshness}: a lease for one computation across all servers (waited for without a
   * blocked thread), a stale period served while one caller refreshes in the background,
   * early recomputation.
   *
   * @param key the key
   * @param type the value type
   * @param freshness TTL and protections
   * @param loader computes the value from the key, on the cache's executor
   * @param <T> the value type
   * @return the cached or computed value
   * @throws IllegalArgumentException if the key is empty or no codec serves {@code type}
   * @throws IllegalStateException if the cache is closed
   */
  default <T> CompletableFuture<@Nullable T> getOrCompute(String key, Class<T> type,
      Freshness freshness,
      Function<String, ? extends CompletionStage<? extends @Nullable T>> loader) {
    return getOrCompute(key, synchronous().codecFor(type), freshness, loader);
  }

  /**
   * Returns the value under {@code key}, or computes it, with a codec and the stampede
   * protections of {@code freshness}; see {@link Freshness}.
   *
   * @param key the key
   * @param codec the codec
   * @param freshness TTL and protections
   * @param loader computes the value from the key, on the cache's executor
   * @param <T> the value type
   * @return the cached or computed value
   * @throws IllegalArgumentException if the key is empty
   * @throws IllegalStateException if the cache is closed
   */
  <T> CompletableFuture<@Nullable T> getOrCompute(String key, Codec<T> codec,
      Freshness freshness,
      Function<String, ? extends CompletionStage<? extends @Nullable T>> loader);

  /**
   * Memoizes an asynchronous function: results are cached for {@code ttl} under a key made of
   * {@code name} and the argument, the keys of {@link Cache#memoize}. For more options
   * (freshness, cached nulls, a key function) use {@link Cache#memoizer} and
   * {@link Memoizer#ofAsync}.
   *
   * @param name the function's name
   * @param argType the argument type, checked now
   * @param resultType the result type, which chooses the codec
   * @param fn the function, called on the cache's executor
   * @param ttl how long results are fresh
   * @param <A> the argument type
   * @param <R> the result type
   * @return the memoized function
   * @throws IllegalArgumentException if {@code name} is empty, no key can be made of
   *     {@code argType}, or no codec serves {@code resultType}
   */
  default <A, R> AsyncMemoized<A, R> memoize(String name, Class<A> argType,
      Class<R> resultType,
      Function<? super A, ? extends CompletionStage<? extends @Nullable R>> fn,
      Duration ttl) {
    return synchronous().memoizer(name, argType, synchronous().codecFor(resultType)).ttl(ttl)
        .ofAsync(fn);
  }

  // ---- tags, namespaces and lifecycle ------------------------------------------------------

  /**
   * Returns the asynchronous view of {@link Cache#tagged}.
   *
   * @param tags one or more non-empty tag names
   * @return the tagged view
   * @throws IllegalArgumentException if no tag is given or a tag is empty
   */
  AsyncCache tagged(String... tags);

  /**
   * Invalidates every entry written with {@code tag}; see {@link Cache#invalidateTag}.
   *
   * @param tag the tag
   * @return completes when the tag has moved on
   * @throws IllegalArgumentException if {@code tag} is empty
   * @throws IllegalStateException if the cache is closed
   */
  CompletableFuture<Void> invalidateTag(String tag);

  /**
   * Removes every key of this cache's namespace; see {@link Cache#clear}.
   *
   * @return completes when the store has removed them
   * @throws IllegalStateException if the cache is closed
   */
  CompletableFuture<Void> clear();

  /**
   * Returns the asynchronous view of {@link Cache#namespace}.
   *
   * @param name the namespace
   * @return the view
   * @throws IllegalArgumentException if the name is empty
   */
  AsyncCache namespace(String name);

  /**
   * Returns a snapshot of this view's counters, shared with its synchronous cache.
   *
   * @return the counters
   */
  default CacheStats stats() {
    return synchronous().stats();
  }

  /**
   * Closes the synchronous cache; see {@link Cache#close()}. The cache's executor (if it made
   * one) stops; a call still in flight completes exceptionally with an
   * {@link IllegalStateException} unless its answer is already in.
   */
  @Override
  default void close() {
    synchronous().close();
  }

  /** The codec of a value's own class, as {@link Cache#codecFor}. */
  @SuppressWarnings("unchecked")
  private <T> Codec<T> codecOf(T value) {
    java.util.Objects.requireNonNull(value, "value");
    return (Codec<T>) synchronous().codecFor(value.getClass());
  }
}

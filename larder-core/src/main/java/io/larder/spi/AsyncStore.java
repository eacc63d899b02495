package io.larder.spi;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Store} that answers without blocking a thread per call in flight: each method
 * sends its request and returns a future that the store's own I/O completes when the answer
 * comes. {@code io.larder.AsyncCache} runs on it; a store that does not implement it (SQLite,
 * the database store) is run on a bounded executor by the facade instead.
 *
 * <p>Each method means exactly what its blocking namesake in {@link Store} means, and fails as
 * it would: the future completes exceptionally with the {@link io.larder.CacheException} (or
 * subclass) the blocking call would have thrown. The store's timeout runs from the call, not
 * from when someone waits on the future. A method may also throw before anything is sent,
 * as the blocking one would (for example for a value the server cannot take).
 *
 * <h2>Threads</h2>
 * A future may complete on the store's I/O thread (a Netty event loop, Lettuce's threads).
 * Callers that attach work to it must not block, and the facade never runs user code there:
 * it moves continuations to its own executor. A store never completes a future while holding
 * a lock its I/O thread needs.
 *
 * <h2>The kernel and the defaults</h2>
 * As in {@link Store}: the eight kernel methods are abstract; {@link #addAsync},
 * {@link #existsAsync}, {@link #touchAsync}, {@link #incrAsync} and {@link #setEachAsync} have
 * defaults built on them, which a store overrides where its server does the operation in one
 * command.
 */
public interface AsyncStore extends Store {

  // ---- the kernel ------------------------------------------------------------------------

  /**
   * Reads a key, as {@link #get}.
   *
   * @param key the store key
   * @return the stored bytes, or {@code null} if the key is missing or expired
   */
  CompletableFuture<byte @Nullable []> getAsync(String key);

  /**
   * Reads several keys in one round trip per server, as {@link #getMany}.
   *
   * @param keys the store keys
   * @return the keys found, with their bytes
   */
  CompletableFuture<Map<String, byte[]>> getManyAsync(Collection<String> keys);

  /**
   * Stores bytes under a key, as {@link #set}.
   *
   * @param key the store key
   * @param value the bytes
   * @param ttlMillis positive milliseconds to live, or {@link #NO_EXPIRY}
   * @return completes when the server has taken the write
   */
  CompletableFuture<Void> setAsync(String key, byte[] value, long ttlMillis);

  /**
   * Stores several entries with one TTL, as {@link #setMany}.
   *
   * @param entries keys and bytes
   * @param ttlMillis positive milliseconds to live, or {@link #NO_EXPIRY}
   * @return completes when every server has taken its part
   */
  CompletableFuture<Void> setManyAsync(Map<String, byte[]> entries, long ttlMillis);

  /**
   * Deletes a key, as {@link #delete}.
   *
   * @param key the store key
   * @return whether the key was there
   */
  CompletableFuture<Boolean> deleteAsync(String key);

  /**
   * Deletes several keys, as {@link #deleteMany}.
   *
   * @param keys the store keys
   * @return how many of them were there
   */
  CompletableFuture<Integer> deleteManyAsync(Collection<String> keys);

  /**
   * Reads a key with its version, as {@link #getVersioned}.
   *
   * @param key the store key
   * @return the value and its version, or {@code null} if missing or expired
   */
  CompletableFuture<@Nullable StoredValue> getVersionedAsync(String key);

  /**
   * Writes a key only if it still holds {@code expected}, as {@link #compareAndSet}.
   *
   * @param key the store key
   * @param expected what {@link #getVersionedAsync} read, or {@code null} for "still missing"
   * @param value the bytes to write
   * @param ttlMillis positive milliseconds to live, or {@link #NO_EXPIRY}
   * @return whether the write happened
   */
  CompletableFuture<Boolean> compareAndSetAsync(String key, @Nullable StoredValue expected,
      byte[] value, long ttlMillis);

  // ---- defaults built on the kernel --------------------------------------------------------

  /**
   * Stores bytes only if the key is missing, as {@link #add}. The default is a
   * compare-and-set against {@code null}.
   *
   * @param key the store key
   * @param value the bytes
   * @param ttlMillis positive milliseconds to live, or {@link #NO_EXPIRY}
   * @return whether the write happened
   */
  default CompletableFuture<Boolean> addAsync(String key, byte[] value, long ttlMillis) {
    return compareAndSetAsync(key, null, value, ttlMillis);
  }

  /**
   * Tells whether a key holds a live value, as {@link #exists}. The default reads it.
   *
   * @param key the store key
   * @return whether it does
   */
  default CompletableFuture<Boolean> existsAsync(String key) {
    return getAsync(key).thenApply(bytes -> bytes != null);
  }

  /**
   * Gives a live value a new TTL, as {@link #touch}. The default is an asynchronous
   * compare-and-set loop ({@link AsyncCasLoop}).
   *
   * @param key the store key
   * @param ttlMillis positive milliseconds to live from now, or {@link #NO_EXPIRY}
   * @return whether the key held a live value
   */
  default CompletableFuture<Boolean> touchAsync(String key, long ttlMillis) {
    return AsyncCasLoop.run("touch of key '" + key + "'", () -> getVersionedAsync(key)
        .thenCompose(read -> read == null ? CompletableFuture.completedFuture(Boolean.FALSE)
            : compareAndSetAsync(key, read, read.bytes(), ttlMillis)
                .thenApply(ok -> ok ? Boolean.TRUE : null)));
  }

  /**
   * Adds to a decimal counter, as {@link #incr}. The default is an asynchronous
   * compare-and-set loop ({@link AsyncCasLoop}) that keeps an existing counter's expiry
   * where {@link #getVersionedAsync} reports it.
   *
   * @param key the store key
   * @param delta the amount to add; may be negative
   * @param ttlMillis the time to live if the counter is created
   * @return the counter's value after the addition
   */
  default CompletableFuture<Long> incrAsync(String key, long delta, long ttlMillis) {
    return AsyncCasLoop.run("incr of key '" + key + "'", () -> getVersionedAsync(key)
        .thenCompose(read -> {
          long next = read == null ? delta
              : Counters.add(key, Counters.parse(key, read.bytes()), delta);
          long ttl = read == null || read.ttlMillis() == StoredValue.UNKNOWN_TTL ? ttlMillis
              : read.ttlMillis();
          return compareAndSetAsync(key, read, Counters.format(next), ttl)
              .thenApply(ok -> ok ? Long.valueOf(next) : null);
        }));
  }

  /**
   * Stores several entries each with its own TTL, as {@link #setEach}. The default sends one
   * {@link #setManyAsync} per distinct TTL, all at once, and completes when all have.
   *
   * @param entries keys and bytes, in the order they were written
   * @param ttlMillis the TTL of each key
   * @return completes when every write was taken
   */
  default CompletableFuture<Void> setEachAsync(Map<String, byte[]> entries,
      ToLongFunction<String> ttlMillis) {
    Map<Long, Map<String, byte[]>> byTtl = new LinkedHashMap<>();
    entries.forEach((key, value) -> byTtl.computeIfAbsent(ttlMillis.applyAsLong(key),
        ttl -> new LinkedHashMap<>()).put(key, value));
    return CompletableFuture.allOf(byTtl.entrySet().stream()
        .map(group -> setManyAsync(group.getValue(), group.getKey()))
        .toArray(CompletableFuture[]::new));
  }
}

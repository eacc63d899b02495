package io.larder.internal;

import com.github.benmanes.caffeine.cache.Ticker;
import io.larder.spi.AsyncStore;
import io.larder.spi.StoredValue;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * The near tier in front of a store that answers without blocking: a value held near is a
 * completed future; a miss is the remote store's asynchronous read, installed under the same
 * rules as a blocking read (claimed first, installed only if nothing touched the key
 * meanwhile); every write evicts the keys it touched once the remote write has completed.
 * Built by {@link NearStore#create} when the remote store is an {@link AsyncStore}.
 */
final class AsyncNearStore extends NearStore implements AsyncStore {
  private final AsyncStore remote;

  AsyncNearStore(AsyncStore remote, boolean ownsRemote, long maxBytes, @Nullable Duration ttl,
      Ticker ticker) {
    super(remote, ownsRemote, maxBytes, ttl, ticker);
    this.remote = remote;
  }

  @Override
  public CompletableFuture<byte @Nullable []> getAsync(String key) {
    return getThrough(key, remote::getAsync);
  }

  @Override
  public CompletableFuture<Map<String, byte[]>> getManyAsync(Collection<String> keys) {
    return getManyThrough(keys, remote::getManyAsync);
  }

  @Override
  public CompletableFuture<Boolean> existsAsync(String key) {
    return holdsValue(key) ? CompletableFuture.completedFuture(Boolean.TRUE)
        : remote.existsAsync(key);
  }

  @Override
  public CompletableFuture<@Nullable StoredValue> getVersionedAsync(String key) {
    return remote.getVersionedAsync(key);
  }

  @Override
  public CompletableFuture<Void> setAsync(String key, byte[] value, long ttlMillis) {
    return evictAfter(List.of(key), remote.setAsync(key, value, ttlMillis));
  }

  @Override
  public CompletableFuture<Void> setManyAsync(Map<String, byte[]> entries, long ttlMillis) {
    return evictAfter(entries.keySet(), remote.setManyAsync(entries, ttlMillis));
  }

  @Override
  public CompletableFuture<Void> setEachAsync(Map<String, byte[]> entries,
      ToLongFunction<String> ttlMillis) {
    return evictAfter(entries.keySet(), remote.setEachAsync(entries, ttlMillis));
  }

  @Override
  public CompletableFuture<Boolean> addAsync(String key, byte[] value, long ttlMillis) {
    return evictAfter(List.of(key), remote.addAsync(key, value, ttlMillis));
  }

  @Override
  public CompletableFuture<Boolean> deleteAsync(String key) {
    return evictAfter(List.of(key), remote.deleteAsync(key));
  }

  @Override
  public CompletableFuture<Integer> deleteManyAsync(Collection<String> keys) {
    return evictAfter(keys, remote.deleteManyAsync(keys));
  }

  @Override
  public CompletableFuture<Boolean> touchAsync(String key, long ttlMillis) {
    return evictAfter(List.of(key), remote.touchAsync(key, ttlMillis));
  }

  @Override
  public CompletableFuture<Long> incrAsync(String key, long delta, long ttlMillis) {
    return evictAfter(List.of(key), remote.incrAsync(key, delta, ttlMillis));
  }

  @Override
  public CompletableFuture<Boolean> compareAndSetAsync(String key,
      @Nullable StoredValue expected, byte[] value, long ttlMillis) {
    return evictAfter(List.of(key), remote.compareAndSetAsync(key, expected, value, ttlMillis));
  }
}

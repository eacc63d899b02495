package io.larder.internal.sharding;

import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.CacheTimeoutException;
import io.larder.Hashing;
import io.larder.spi.AsyncStore;
import io.larder.spi.StoredValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A {@link ShardedStore} whose servers all answer without blocking ({@link AsyncStore}), so
 * that it does too: a single-key call is the owning server's asynchronous call; a bulk call
 * sends every server's part at once from the caller's thread and completes when all have,
 * with no thread waiting for any. Failures count towards ejection exactly as the blocking
 * calls' do. Built by {@link ShardedStore#create} when every server is asynchronous.
 */
final class AsyncShardedStore extends ShardedStore implements AsyncStore {

  AsyncShardedStore(Hashing hashing, List<Server> servers, int failureThreshold,
      Duration retryInterval) {
    super(hashing, servers, failureThreshold, retryInterval);
  }

  /** Sends a call to the server owning the key; its outcome keeps the failure count. */
  private <R> CompletableFuture<R> onKeyAsync(String key,
      Function<AsyncStore, CompletableFuture<R>> call) {
    Objects.requireNonNull(key, "key");
    Shard shard = shardFor(ring(), key);
    CompletableFuture<R> result;
    try {
      result = call.apply((AsyncStore) shard.store);
    } catch (RuntimeException e) {
      count(shard, e);
      throw e;
    }
    result.whenComplete((value, failure) -> count(shard, failure));
    return result;
  }

  /**
   * Sends each server its part at once and completes when every part has, with each part's
   * result in the order of the groups; fails with the first failure, the others suppressed.
   */
  private <G, R> CompletableFuture<List<R>> onEachAsync(Map<Shard, G> groups,
      BiFunction<AsyncStore, G, CompletableFuture<R>> call) {
    List<CompletableFuture<R>> parts = new ArrayList<>(groups.size());
    for (Map.Entry<Shard, G> e : groups.entrySet()) {
      Shard shard = e.getKey();
      CompletableFuture<R> part;
      try {
        part = call.apply((AsyncStore) shard.store, e.getValue());
      } catch (RuntimeException failure) {
        count(shard, failure);
        part = CompletableFuture.failedFuture(failure);
      }
      part.whenComplete((value, failure) -> count(shard, failure));
      parts.add(part);
    }
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
        .handle((ignored, anyFailure) -> {
          List<R> results = new ArrayList<>(parts.size());
          RuntimeException first = null;
          for (CompletableFuture<R> part : parts) {
            try {
              results.add(part.join());
            } catch (CompletionException e) {
              RuntimeException cause = e.getCause() instanceof RuntimeException re ? re
                  : new CacheException("a server of sharded store " + this + " failed",
                      e.getCause());
              if (first == null) {
                first = cause;
              } else {
                first.addSuppressed(cause);
              }
            }
          }
          if (first != null) {
            throw first;
          }
          return results;
        });
  }

  /** Keeps a server's failure count from a call's outcome, as the blocking calls do. */
  private void count(Shard shard, Throwable failure) {
    Throwable t = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (t instanceof CacheConnectionException || t instanceof CacheTimeoutException) {
      failed(shard, (CacheException) t);
    } else if (t == null || t instanceof CacheException) {
      succeeded(shard); // the server answered, perhaps with an error about this call only
    }
  }

  @Override
  public CompletableFuture<byte[]> getAsync(String key) {
    return onKeyAsync(key, s -> s.getAsync(key));
  }

  @Override
  public CompletableFuture<Map<String, byte[]>> getManyAsync(Collection<String> keys) {
    Objects.requireNonNull(keys, "keys");
    Ring r = ring();
    if (keys.isEmpty()) {
      return CompletableFuture.completedFuture(new HashMap<>());
    }
    return onEachAsync(keysByShard(r, keys), AsyncStore::getManyAsync).thenApply(parts -> {
      Map<String, byte[]> merged = new HashMap<>();
      parts.forEach(merged::putAll);
      return merged;
    });
  }

  @Override
  public CompletableFuture<Void> setAsync(String key, byte[] value, long ttlMillis) {
    return onKeyAsync(key, s -> s.setAsync(key, value, ttlMillis));
  }

  @Override
  public CompletableFuture<Void> setManyAsync(Map<String, byte[]> entries, long ttlMillis) {
    Objects.requireNonNull(entries, "entries");
    Ring r = ring();
    if (entries.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return onEachAsync(byShard(r, entries.entrySet(), Map.Entry::getKey),
        (store, list) -> store.setManyAsync(toMap(list), ttlMillis)).thenApply(parts -> null);
  }

  @Override
  public CompletableFuture<Boolean> addAsync(String key, byte[] value, long ttlMillis) {
    return onKeyAsync(key, s -> s.addAsync(key, value, ttlMillis));
  }

  @Override
  public CompletableFuture<Boolean> deleteAsync(String key) {
    return onKeyAsync(key, s -> s.deleteAsync(key));
  }

  @Override
  public CompletableFuture<Integer> deleteManyAsync(Collection<String> keys) {
    Objects.requireNonNull(keys, "keys");
    Ring r = ring();
    if (keys.isEmpty()) {
      return CompletableFuture.completedFuture(0);
    }
    return onEachAsync(byShard(r, keys, k -> k), AsyncStore::deleteManyAsync)
        .thenApply(parts -> parts.stream().mapToInt(Integer::intValue).sum());
  }

  @Override
  public CompletableFuture<Boolean> existsAsync(String key) {
    return onKeyAsync(key, s -> s.existsAsync(key));
  }

  @Override
  public CompletableFuture<Boolean> touchAsync(String key, long ttlMillis) {
    return onKeyAsync(key, s -> s.touchAsync(key, ttlMillis));
  }

  @Override
  public CompletableFuture<Long> incrAsync(String key, long delta, long ttlMillis) {
    return onKeyAsync(key, s -> s.incrAsync(key, delta, ttlMillis));
  }

  @Override
  public CompletableFuture<StoredValue> getVersionedAsync(String key) {
    return onKeyAsync(key, s -> s.getVersionedAsync(key));
  }

  @Override
  public CompletableFuture<Boolean> compareAndSetAsync(String key, StoredValue expected,
      byte[] value, long ttlMillis) {
    return onKeyAsync(key, s -> s.compareAndSetAsync(key, expected, value, ttlMillis));
  }
}

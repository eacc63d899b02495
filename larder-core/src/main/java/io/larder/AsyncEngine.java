package io.larder;

import io.larder.spi.Counters;
import io.larder.spi.Store;
import io.larder.spi.StoredValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The store calls of {@link AsyncCache} on a store with a native asynchronous face
 * ({@link io.larder.spi.AsyncStore}): each method sends its call through {@link AsyncCalls}
 * and finishes on the cache's executor with the synchronous engines' own pieces: values
 * sealed by {@link Writes#seal} and opened and counted by {@link Reads#open}, failed writes
 * remembered by {@link ScopedReads#writeFailed} ({@link DroppedWrites}), and the failure
 * policy of {@link StoreCalls}. Only the call and its continuation differ from the
 * synchronous path.
 *
 * <p>Views that carry tags, and the operations not here, run the synchronous engines on the
 * executor ({@link AsyncCalls#offload}).
 */
final class AsyncEngine {
  private final AsyncCalls async;
  private final StoreCalls calls;
  private final ScopedReads scoped;
  private final Reads reads;
  private final Writes writes;
  private final DroppedWrites dropped;

  AsyncEngine(AsyncCalls async, StoreCalls calls, ScopedReads scoped, Reads reads,
      Writes writes, DroppedWrites dropped) {
    this.async = async;
    this.calls = calls;
    this.scoped = scoped;
    this.reads = reads;
    this.writes = writes;
    this.dropped = dropped;
  }

  /** Whether a view's calls go to the store natively. */
  boolean handles(View view) {
    return async.store() != null && !view.tagged();
  }

  /** Whether reads of a key must miss without asking the store: its write failed. */
  private boolean hidden(String storeKey) {
    return !dropped.isEmpty() && dropped.hides(storeKey);
  }

  // ---- reads -------------------------------------------------------------------------------

  <T> CompletableFuture<T> get(View view, Keys.StoreKey k, Codec<T> codec) {
    StatsCounter stats = view.stats();
    if (hidden(k.store())) {
      return CompletableFuture.completedFuture(
          reads.open(view, k, null, codec, Map.of(), false).value());
    }
    return async.then(async.call(stats, s -> s.getAsync(k.store())), (bytes, failure) -> {
      byte[] found = async.outcome(stats, "get", bytes, failure, null);
      return reads.open(view, k, found, codec, Map.of(), scoped.ownedReads()).value();
    });
  }

  <T> CompletableFuture<Map<String, T>> getMany(View view, Map<String, Keys.StoreKey> resolved,
      Codec<T> codec) {
    StatsCounter stats = view.stats();
    List<String> toFetch = new ArrayList<>(resolved.size());
    resolved.values().forEach(k -> {
      if (!hidden(k.store())) {
        toFetch.add(k.store());
      }
    });
    CompletableFuture<Map<String, byte[]>> sent = toFetch.isEmpty()
        ? CompletableFuture.completedFuture(Map.of())
        : async.call(stats, s -> s.getManyAsync(toFetch));
    return async.then(sent, (bytes, failure) -> {
      Map<String, byte[]> found = async.outcome(stats, "getMany", bytes, failure, Map.of());
      Map<String, T> result = new LinkedHashMap<>(Reads.capacity(resolved.size()));
      resolved.forEach((key, k) -> {
        Entry<T> entry = reads.open(view, k, found.get(k.store()), codec, Map.of(),
            scoped.ownedReads());
        if (entry.present() && entry.value() != null) {
          result.put(key, entry.value());
        }
      });
      return result;
    });
  }

  CompletableFuture<Boolean> exists(View view, Keys.StoreKey k) {
    StatsCounter stats = view.stats();
    if (hidden(k.store())) {
      return CompletableFuture.completedFuture(Boolean.FALSE);
    }
    return async.then(async.call(stats, s -> s.existsAsync(k.store())),
        (found, failure) -> async.outcome(stats, "exists", found, failure, Boolean.FALSE));
  }

  /** Reads a key's bytes with their version; {@code null} if absent. */
  CompletableFuture<@Nullable StoredValue> versioned(View view, Keys.StoreKey k) {
    StatsCounter stats = view.stats();
    return async.then(async.call(stats, s -> s.getVersionedAsync(k.store())),
        (read, failure) -> async.outcome(stats, "getVersioned", read, failure, null));
  }

  // ---- writes ------------------------------------------------------------------------------

  <T> CompletableFuture<Void> set(View view, Keys.StoreKey k, T value, Codec<T> codec,
      long ms) {
    byte[] bytes;
    try {
      bytes = writes.seal(view, k, value, codec);
    } catch (ValueTooLargeException e) {
      return refused(view, k, e, "set");
    }
    if (ms < 0) {
      return done(delete(view, k));
    }
    StatsCounter stats = view.stats();
    replacing(k.store());
    return async.then(async.call(stats, s -> s.setAsync(k.store(), bytes, ms)),
        (v, failure) -> {
          written(view, k.store(), async.outcome(stats, "set", Boolean.TRUE, failure, null),
              bytes, ms);
          return null;
        });
  }

  <T> CompletableFuture<Void> setMany(View view, Map<String, ? extends T> values,
      Function<String, Keys.StoreKey> resolve, Function<T, Codec<T>> codecOf, long ms) {
    Map<String, byte[]> sealed = new LinkedHashMap<>(Reads.capacity(values.size()));
    List<CompletableFuture<?>> parts = new ArrayList<>();
    List<Keys.StoreKey> keys = new ArrayList<>(values.size());
    for (Map.Entry<String, ? extends T> e : values.entrySet()) {
      Keys.StoreKey k = resolve.apply(e.getKey());
      T value = java.util.Objects.requireNonNull(e.getValue(),
          () -> "value for key " + e.getKey());
      try {
        sealed.put(k.store(), writes.seal(view, k, value, codecOf.apply(value)));
        keys.add(k);
      } catch (ValueTooLargeException tooLarge) {
        parts.add(refused(view, k, tooLarge, "setMany"));
      }
    }
    if (ms < 0) {
      parts.add(deleteMany(view, keys));
    } else if (!sealed.isEmpty()) {
      StatsCounter stats = view.stats();
      sealed.keySet().forEach(this::replacing);
      parts.add(async.then(async.call(stats, s -> s.setManyAsync(sealed, ms)),
          (v, failure) -> {
            Boolean ok = async.outcome(stats, "setMany", Boolean.TRUE, failure, null);
            if (ok != null) {
              stats.add(StatsCounter.Kind.WRITE, sealed.size()); // once, not per key
            }
            sealed.forEach((key, bytes) -> {
              if (ok != null) {
                scoped.written(key, bytes);
              } else {
                scoped.writeFailed(key, ms);
              }
            });
            return null;
          }));
    }
    return all(parts);
  }

  <T> CompletableFuture<Boolean> add(View view, Keys.StoreKey k, T value, Codec<T> codec,
      long ms) {
    StatsCounter stats = view.stats();
    byte[] bytes;
    try {
      bytes = writes.seal(view, k, value, codec);
    } catch (ValueTooLargeException e) {
      // add never replaces a value, so the one there (if any) stays
      return failedCall(stats, "add", e, Boolean.FALSE);
    }
    if (ms < 0) {
      return CompletableFuture.completedFuture(Boolean.FALSE);
    }
    changing(k.store());
    return async.then(async.call(stats, s -> s.addAsync(k.store(), bytes, ms)),
        (added, failure) -> {
          Boolean ok = async.outcome(stats, "add", added, failure, null);
          if (Boolean.TRUE.equals(ok)) {
            written(view, k.store(), ok, bytes, ms);
          }
          return Boolean.TRUE.equals(ok);
        });
  }

  CompletableFuture<Boolean> delete(View view, Keys.StoreKey k) {
    StatsCounter stats = view.stats();
    replacing(k.store());
    return async.then(async.call(stats, s -> s.deleteAsync(k.store())),
        (removed, failure) -> {
          Boolean gone = async.outcome(stats, "delete", removed, failure, null);
          if (gone == null) {
            scoped.writeFailed(k.store(), Store.NO_EXPIRY);
            return Boolean.FALSE;
          }
          scoped.written(k.store(), Scopes.MISSING);
          if (gone) {
            stats.inc(StatsCounter.Kind.DELETE);
          }
          return gone;
        });
  }

  CompletableFuture<Integer> deleteMany(View view, List<Keys.StoreKey> keys) {
    if (keys.isEmpty()) {
      return CompletableFuture.completedFuture(0);
    }
    StatsCounter stats = view.stats();
    List<String> storeKeys = new ArrayList<>(keys.size());
    keys.forEach(k -> storeKeys.add(k.store()));
    storeKeys.forEach(this::replacing);
    return async.then(async.call(stats, s -> s.deleteManyAsync(storeKeys)),
        (removed, failure) -> {
          Integer gone = async.outcome(stats, "deleteMany", removed, failure, null);
          for (String key : storeKeys) {
            if (gone == null) {
              scoped.writeFailed(key, Store.NO_EXPIRY);
            } else {
              scoped.written(key, Scopes.MISSING);
            }
          }
          if (gone == null) {
            return 0;
          }
          stats.add(StatsCounter.Kind.DELETE, gone);
          return gone;
        });
  }

  CompletableFuture<Boolean> touch(View view, Keys.StoreKey k, long ms) {
    if (ms < 0) {
      return delete(view, k);
    }
    StatsCounter stats = view.stats();
    changing(k.store());
    return async.then(async.call(stats, s -> s.touchAsync(k.store(), ms)),
        (touched, failure) -> {
          boolean ok = async.outcome(stats, "touch", touched, failure, Boolean.FALSE);
          if (ok) {
            stats.inc(StatsCounter.Kind.WRITE);
          }
          return ok;
        });
  }

  CompletableFuture<Long> incr(View view, Keys.StoreKey k, long delta, long ms) {
    StatsCounter stats = view.stats();
    changing(k.store());
    return async.then(async.call(stats, s -> s.incrAsync(k.store(), delta, ms)),
        (value, failure) -> {
          Long counted = async.outcome(stats, "incr", value, failure, null);
          if (counted == null) {
            scoped.writeFailed(k.store(), ms);
            return 0L;
          }
          written(view, k.store(), Boolean.TRUE, Counters.format(counted), ms);
          return counted;
        });
  }

  <T> CompletableFuture<Boolean> compareAndSet(View view, Versioned<T> read, T value,
      long ms) {
    byte[] bytes;
    try {
      bytes = writes.seal(view, read.key, value, read.codec);
    } catch (ValueTooLargeException e) {
      return done(refused(view, read.key, e, "compareAndSet"), Boolean.FALSE);
    }
    return compareAndSet(view, read.key, read.stored, bytes, ms, "compareAndSet");
  }

  /** Writes sealed bytes if the key still holds {@code expected}. */
  CompletableFuture<Boolean> compareAndSet(View view, Keys.StoreKey k,
      @Nullable StoredValue expected, byte[] bytes, long ms, String op) {
    StatsCounter stats = view.stats();
    changing(k.store());
    return async.then(
        async.call(stats, s -> s.compareAndSetAsync(k.store(), expected, bytes, ms)),
        (swapped, failure) -> {
          Boolean ok = async.outcome(stats, op, swapped, failure, null);
          written(view, k.store(), ok, bytes, ms);
          return Boolean.TRUE.equals(ok);
        });
  }

  // ---- helpers -----------------------------------------------------------------------------

  /**
   * Before a write or delete that replaces a key: the calling thread's scopes forget it and
   * drop a write of it they hold back, which is older.
   */
  void replacing(String storeKey) {
    scoped.dropGathered(storeKey);
    scoped.forget(storeKey);
  }

  /**
   * Before a call that changes a key in the store (add, counters, compare-and-set, touch):
   * the calling thread's scopes forget it.
   */
  void changing(String storeKey) {
    scoped.forget(storeKey);
  }

  /** Before a clear of a namespace: the calling thread's scopes mark its keys missing. */
  void clearing(String prefix) {
    scoped.cleared(prefix);
  }

  /**
   * Records a write's outcome as {@code Writes} does: {@code TRUE} stored, {@code FALSE}
   * refused (a compare-and-set that lost), {@code null} failed.
   */
  private void written(View view, String storeKey, @Nullable Boolean ok, byte[] bytes,
      long ms) {
    if (Boolean.TRUE.equals(ok)) {
      view.stats().inc(StatsCounter.Kind.WRITE);
      scoped.written(storeKey, bytes);
    } else if (ok == null) {
      scoped.writeFailed(storeKey, ms);
    }
  }

  /**
   * A value too large to store, as {@code Writes} refuses it: fail-closed the future fails;
   * fail-open the refusal counts as a store error and the key's old value is deleted.
   */
  private CompletableFuture<Void> refused(View view, Keys.StoreKey k,
      ValueTooLargeException e, String op) {
    CompletableFuture<Void> counted = failedCall(view.stats(), op, e, null);
    return counted.isCompletedExceptionally() ? counted : done(delete(view, k));
  }

  /** A call that failed before it was sent, judged by the failure policy at once. */
  private <R> CompletableFuture<R> failedCall(StatsCounter stats, String op, CacheException e,
      R fallback) {
    try {
      return CompletableFuture.completedFuture(calls.failed(stats, op, e, fallback));
    } catch (CacheException thrown) {
      return CompletableFuture.failedFuture(thrown);
    }
  }

  /** Completes with {@code null} when {@code source} does, or with its failure unwrapped. */
  private static CompletableFuture<Void> done(CompletableFuture<?> source) {
    return done(source, null);
  }

  private static <R> CompletableFuture<R> done(CompletableFuture<?> source, R value) {
    CompletableFuture<R> result = new CompletableFuture<>();
    source.whenComplete((v, failure) -> {
      if (failure != null) {
        result.completeExceptionally(AsyncCalls.unwrap(failure));
      } else {
        result.complete(value);
      }
    });
    return result;
  }

  /** Completes when all parts have, with the first failure among them. */
  private static CompletableFuture<Void> all(List<CompletableFuture<?>> parts) {
    if (parts.size() == 1) {
      return done(parts.get(0));
    }
    return done(CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)));
  }
}

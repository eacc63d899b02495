package io.larder;

import io.larder.spi.AsyncCasLoop;
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
  private final EntryCodec entries;

  AsyncEngine(AsyncCalls async, StoreCalls calls, ScopedReads scoped, Reads reads,
      Writes writes, DroppedWrites dropped, EntryCodec entries) {
    this.async = async;
    this.entries = entries;
    this.calls = calls;
    this.scoped = scoped;
    this.reads = reads;
    this.writes = writes;
    this.dropped = dropped;
  }

  /** Whether the store has a native asynchronous face. */
  boolean nativeStore() {
    return async.store() != null;
  }

  /** Whether a view's calls go to the store natively: its store has that face, it no tags. */
  boolean handles(View view) {
    return nativeStore() && !view.tagged();
  }

  /** Whether reads of a key must miss without asking the store: its write failed. */
  private boolean hidden(String storeKey) {
    return !dropped.isEmpty() && dropped.hides(storeKey);
  }

  // ---- reads -------------------------------------------------------------------------------

  <T> CompletableFuture<T> get(View view, Keys.StoreKey k, Codec<T> codec) {
    return entry(view, k, codec, Entry::value);
  }

  /** Reads and opens one key, counting the hit or miss, and hands the entry to {@code then}. */
  <T, R> CompletableFuture<R> entry(View view, Keys.StoreKey k, Codec<T> codec,
      Function<Entry<T>, R> then) {
    StatsCounter stats = view.stats();
    if (hidden(k.store())) {
      return CompletableFuture.completedFuture(
          then.apply(reads.open(view, k, null, codec, Map.of(), false)));
    }
    return async.then(async.call(stats, s -> s.getAsync(k.store())), (bytes, failure) -> {
      byte[] found = async.outcome(stats, "get", bytes, failure, null);
      return then.apply(reads.open(view, k, found, codec, Map.of(), scoped.ownedReads()));
    });
  }

  <T> CompletableFuture<Map<String, T>> getMany(View view, BulkKeys keys, Codec<T> codec) {
    StatsCounter stats = view.stats();
    List<String> toFetch = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      if (!hidden(keys.store(i))) {
        toFetch.add(keys.store(i));
      }
    }
    CompletableFuture<Map<String, byte[]>> sent = toFetch.isEmpty()
        ? CompletableFuture.completedFuture(Map.of())
        : async.call(stats, s -> s.getManyAsync(toFetch));
    return async.then(sent, (bytes, failure) -> reads.opened(view, keys,
        async.outcome(stats, "getMany", bytes, failure, Map.of()), scoped.ownedReads(), codec));
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
    return store(view, k, bytes, ms, "set");
  }

  /** Stores sealed bytes. */
  private CompletableFuture<Void> store(View view, Keys.StoreKey k, byte[] bytes, long ms,
      String op) {
    StatsCounter stats = view.stats();
    replacing(k.store());
    return async.then(async.call(stats, s -> s.setAsync(k.store(), bytes, ms)),
        (v, failure) -> {
          written(view, k.store(), async.outcome(stats, op, Boolean.TRUE, failure, null),
              bytes, ms);
          return null;
        });
  }

  /**
   * Stores a computed value (or a cached {@code null}) with its cost and freshness, as
   * {@link Writes#storeComputed} does for an untagged view.
   *
   * @return the entry as it was stored, for the callers waiting on the computation
   */
  <T> CompletableFuture<Entry<T>> storeComputed(View view, Keys.StoreKey k, T value,
      Codec<T> codec, long computeMillis, long freshUntil, long ms) {
    Envelope.Meta meta = new Envelope.Meta(computeMillis, freshUntil, Map.of(), value == null);
    Entry<T> entry = new Entry<>(true, value, meta);
    byte[] bytes;
    try {
      bytes = entries.seal(k, value, codec, meta);
    } catch (ValueTooLargeException e) {
      return done(refused(view, k, e, "set"), entry);
    }
    return done(store(view, k, bytes, ms, "set"), entry);
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
        CompletableFuture<Void> refusal = refused(view, k, tooLarge, "setMany");
        if (refusal.isCompletedExceptionally()) {
          return refusal; // fail-closed: nothing of the batch is written, as in Writes
        }
        parts.add(refusal);
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

  /**
   * The read-modify-write loop of {@link Writes#update} without a blocked thread: each
   * attempt reads with a version and writes if unchanged; a conflict is tried again after a
   * back-off by {@link AsyncCasLoop}. {@code fn} runs on the executor.
   */
  <T> CompletableFuture<T> update(View view, Keys.StoreKey k, Codec<T> codec, long ms,
      java.util.function.UnaryOperator<T> fn) {
    StatsCounter stats = view.stats();
    changing(k.store());
    CompletableFuture<Updated<T>> loop = AsyncCasLoop.run(
        "update of key '" + k.userKey() + "'", () -> async.compose(
            raw(async.call(stats, s -> s.getVersionedAsync(k.store()))), read -> {
              T next = fn.apply(reads.value(view, k, read, codec));
              if (next == null) {
                return CompletableFuture.completedFuture(new Updated<T>(null));
              }
              byte[] bytes;
              try {
                bytes = writes.seal(view, k, next, codec);
              } catch (ValueTooLargeException e) {
                return done(refused(view, k, e, "update"), new Updated<T>(null));
              }
              return async.then(
                  raw(async.call(stats, s -> s.compareAndSetAsync(k.store(), read, bytes, ms))),
                  (swapped, failure) -> {
                    if (failure != null) {
                      throw AsyncCalls.rethrow(failure);
                    }
                    if (!swapped) {
                      return null;
                    }
                    written(view, k.store(), Boolean.TRUE, bytes, ms);
                    return new Updated<>(next);
                  });
            }));
    return async.then(loop, (updated, failure) -> {
      if (failure == null) {
        return updated.value();
      }
      Throwable cause = AsyncCalls.unwrap(failure);
      if (cause instanceof StoreFailed store) {
        scoped.writeFailed(k.store(), ms);
        return async.outcome(stats, "update", null, store.getCause(), null);
      }
      throw AsyncCalls.rethrow(cause); // the codec's failure, fn's, or too many conflicts
    });
  }

  /** What an update attempt wrote: {@code null} if {@code fn} chose not to write. */
  private record Updated<T>(T value) {}

  /** A store call's failure inside the update loop, told apart from the loop giving up. */
  private static final class StoreFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StoreFailed(Throwable cause) {
      super(cause.toString(), cause, false, false);
    }
  }

  /** A store call whose failures (not a codec's) come out as {@link StoreFailed}. */
  private static <R> CompletableFuture<R> raw(CompletableFuture<R> call) {
    CompletableFuture<R> result = new CompletableFuture<>();
    call.whenComplete((value, failure) -> {
      if (failure == null) {
        result.complete(value);
      } else {
        Throwable cause = AsyncCalls.unwrap(failure);
        result.completeExceptionally(
            cause instanceof CacheCodecException ? cause : new StoreFailed(cause));
      }
    });
    return result;
  }

  /** Moves a tag to a new generation, as {@link Tags#invalidate} does. */
  CompletableFuture<Void> invalidateTag(StatsCounter stats, Keys.StoreKey tag) {
    return async.then(async.call(stats, s -> s.incrAsync(tag.store(), 1, Store.NO_EXPIRY)),
        (generation, failure) -> {
          Long moved = async.outcome(stats, "invalidateTag", generation, failure, null);
          if (moved == null) {
            scoped.forget(tag.store());
          } else {
            scoped.written(tag.store(), Counters.format(moved));
          }
          return null;
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

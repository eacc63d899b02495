package io.larder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The {@link AsyncCache} of a {@link DefaultCache}: the same view (prefix, stats, tags,
 * default TTL) over the same runtime. It checks arguments and resolves keys at once, then
 * sends each call natively through {@link AsyncEngine} where the store has an asynchronous
 * face, or runs the synchronous cache's own method through {@link AsyncCalls#offload}.
 */
final class DefaultAsyncCache implements AsyncCache {
  private final DefaultCache sync;
  private final CacheRuntime runtime;
  private final View view;

  DefaultAsyncCache(DefaultCache sync, CacheRuntime runtime, View view) {
    this.sync = sync;
    this.runtime = runtime;
    this.view = view;
  }

  private Keys.StoreKey key(String key) {
    return runtime.key(view, key);
  }

  private boolean natively() {
    return runtime.asyncEngine.handles(view);
  }

  private <R> CompletableFuture<R> offload(java.util.function.Supplier<R> call) {
    return runtime.async.offload(call);
  }

  private Map<String, Keys.StoreKey> resolveAll(Collection<String> keys) {
    return sync.resolveAll(keys);
  }

  @Override
  public Cache synchronous() {
    return sync;
  }

  // ---- reads -------------------------------------------------------------------------------

  @Override
  public <T> CompletableFuture<T> get(String key, Codec<T> codec) {
    Objects.requireNonNull(codec, "codec");
    Keys.StoreKey k = key(key);
    if (natively()) {
      return runtime.asyncEngine.get(view, k, codec);
    }
    return offload(() -> sync.get(key, codec));
  }

  @Override
  public <T> CompletableFuture<Map<String, T>> getMany(Collection<String> keys,
      Codec<T> codec) {
    Objects.requireNonNull(codec, "codec");
    if (natively()) {
      return runtime.asyncEngine.getMany(view,
          BulkKeys.resolve(keys, view.prefix(), runtime.rules), codec);
    }
    Map<String, Keys.StoreKey> resolved = resolveAll(keys);
    return offload(() -> sync.getMany(resolved.keySet(), codec));
  }

  @Override
  public CompletableFuture<Boolean> exists(String key) {
    Keys.StoreKey k = key(key);
    if (natively()) {
      return runtime.asyncEngine.exists(view, k);
    }
    return offload(() -> sync.exists(key));
  }

  // ---- writes ------------------------------------------------------------------------------

  @Override
  public <T> CompletableFuture<Void> set(String key, T value, Codec<T> codec, Duration ttl) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(codec, "codec");
    Keys.StoreKey k = key(key);
    long ms = Ttls.millis(ttl);
    if (natively()) {
      return runtime.asyncEngine.set(view, k, value, codec, ms);
    }
    runtime.asyncEngine.replacing(k.store());
    return offload(() -> {
      sync.set(key, value, codec, ttl);
      return null;
    });
  }

  @Override
  public CompletableFuture<Void> setMany(Map<String, ?> entries, Duration ttl) {
    Objects.requireNonNull(entries, "entries");
    long ms = Ttls.millis(ttl);
    if (natively()) {
      return runtime.asyncEngine.<Object>setMany(view, entries, this::key,
          runtime.codecs::forValue, ms);
    }
    entries.keySet().forEach(key -> runtime.asyncEngine.replacing(key(key).store()));
    return offload(() -> {
      sync.setMany(entries, ttl);
      return null;
    });
  }

  @Override
  public <T> CompletableFuture<Void> setMany(Map<String, ? extends T> entries, Codec<T> codec,
      Duration ttl) {
    Objects.requireNonNull(entries, "entries");
    Objects.requireNonNull(codec, "codec");
    long ms = Ttls.millis(ttl);
    if (natively()) {
      return runtime.asyncEngine.<T>setMany(view, entries, this::key, v -> codec, ms);
    }
    entries.keySet().forEach(key -> runtime.asyncEngine.replacing(key(key).store()));
    return offload(() -> {
      sync.setMany(entries, codec, ttl);
      return null;
    });
  }

  @Override
  public <T> CompletableFuture<Boolean> add(String key, T value, Codec<T> codec, Duration ttl) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(codec, "codec");
    Keys.StoreKey k = key(key);
    long ms = Ttls.millis(ttl);
    if (natively()) {
      return runtime.asyncEngine.add(view, k, value, codec, ms);
    }
    runtime.asyncEngine.changing(k.store());
    return offload(() -> sync.add(key, value, codec, ttl));
  }

  @Override
  public CompletableFuture<Boolean> delete(String key) {
    Keys.StoreKey k = key(key);
    if (natively()) {
      return runtime.asyncEngine.delete(view, k);
    }
    runtime.asyncEngine.replacing(k.store());
    return offload(() -> sync.delete(key));
  }

  @Override
  public CompletableFuture<Integer> deleteMany(Collection<String> keys) {
    Map<String, Keys.StoreKey> resolved = resolveAll(keys);
    if (natively()) {
      return runtime.asyncEngine.deleteMany(view, new ArrayList<>(resolved.values()));
    }
    resolved.values().forEach(k -> runtime.asyncEngine.replacing(k.store()));
    return offload(() -> sync.deleteMany(resolved.keySet()));
  }

  @Override
  public CompletableFuture<Boolean> touch(String key, Duration ttl) {
    Keys.StoreKey k = key(key);
    long ms = Ttls.millis(ttl);
    if (natively()) {
      return runtime.asyncEngine.touch(view, k, ms);
    }
    runtime.asyncEngine.changing(k.store());
    return offload(() -> sync.touch(key, ttl));
  }

  @Override
  public CompletableFuture<Long> incr(String key, long delta, Duration ttl) {
    if (view.tagged()) {
      throw new IllegalStateException("counters cannot be tagged: a server increments them as "
          + "plain decimal text, which has no room for tag generations");
    }
    Keys.StoreKey k = key(key);
    long ms = Ttls.positive(ttl, "counter");
    if (natively()) {
      return runtime.asyncEngine.incr(view, k, delta, ms);
    }
    runtime.asyncEngine.changing(k.store());
    return offload(() -> sync.incr(key, delta, ttl));
  }

  // ---- compare-and-set ---------------------------------------------------------------------

  @Override
  public <T> CompletableFuture<Versioned<T>> getVersioned(String key, Codec<T> codec) {
    Objects.requireNonNull(codec, "codec");
    Keys.StoreKey k = key(key);
    if (natively()) {
      return runtime.async.then(runtime.asyncEngine.versioned(view, k), (stored, failure) -> {
        if (failure != null) {
          throw AsyncCalls.rethrow(failure);
        }
        return new Versioned<>(runtime, k, stored, codec,
            runtime.reads.value(view, k, stored, codec));
      });
    }
    return offload(() -> sync.getVersioned(key, codec));
  }

  @Override
  public <T> CompletableFuture<Boolean> compareAndSet(Versioned<T> read, T value,
      Duration ttl) {
    Objects.requireNonNull(read, "read");
    Objects.requireNonNull(value, "value");
    if (read.owner != runtime || !read.key.full().equals(key(read.key.userKey()).full())) {
      throw new IllegalArgumentException(
          "versioned value for key '" + read.key() + "' was read from another cache");
    }
    long ms = Ttls.positive(ttl, "compare-and-set");
    if (natively()) {
      return runtime.asyncEngine.compareAndSet(view, read, value, ms);
    }
    runtime.asyncEngine.changing(read.key.store());
    return offload(() -> sync.compareAndSet(read, value, ttl));
  }

  @Override
  public <T> CompletableFuture<T> update(String key, Codec<T> codec, Duration ttl,
      UnaryOperator<T> fn) {
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(fn, "fn");
    Keys.StoreKey k = key(key);
    long ms = Ttls.positive(ttl, "update");
    if (natively()) {
      return runtime.asyncEngine.update(view, k, codec, ms, fn);
    }
    runtime.asyncEngine.changing(k.store());
    return offload(() -> sync.update(key, codec, ttl, fn));
  }

  // ---- getOrCompute ------------------------------------------------------------------------

  @Override
  public <T> CompletableFuture<T> getOrCompute(String key, Codec<T> codec, Freshness freshness,
      Function<String, ? extends CompletionStage<? extends T>> loader) {
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(freshness, "freshness");
    Objects.requireNonNull(loader, "loader");
    Keys.StoreKey k = key(key);
    runtime.calls.requireOpen();
    return AsyncCalls.map(runtime.asyncLoader.compute(view, k, codec, freshness, loader, false,
        runtime.admitter.byDefault()), Entry::value);
  }

  // ---- tags, namespaces --------------------------------------------------------------------

  @Override
  public AsyncCache tagged(String... tags) {
    return sync.tagged(tags).async();
  }

  @Override
  public CompletableFuture<Void> invalidateTag(String tag) {
    Keys.StoreKey k = runtime.tags.key(tag);
    runtime.calls.requireOpen();
    // the calling thread's scopes drop the tag's generation, as a synchronous call's would;
    // the offloaded form below runs where this thread's scopes are not
    runtime.asyncEngine.changing(k.store());
    if (runtime.asyncEngine.nativeStore()) {
      return runtime.asyncEngine.invalidateTag(view.stats(), k);
    }
    return offload(() -> {
      sync.invalidateTag(tag);
      return null;
    });
  }

  @Override
  public CompletableFuture<Void> clear() {
    runtime.calls.requireOpen();
    runtime.asyncEngine.clearing(view.prefix());
    return offload(() -> {
      sync.clear();
      return null;
    });
  }

  @Override
  public AsyncCache namespace(String name) {
    return sync.namespace(name).async();
  }

  @Override
  public String toString() {
    return "Async" + sync;
  }
}

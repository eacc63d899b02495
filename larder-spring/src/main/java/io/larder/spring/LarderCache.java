package io.larder.spring;

import io.larder.Freshness;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.springframework.cache.support.AbstractValueAdaptingCache;
import org.springframework.cache.support.NullValue;

/**
 * A Spring {@link org.springframework.cache.Cache} backed by a namespace of a Larder
 * {@link io.larder.Cache}; obtained from {@link LarderCacheManager#getCache(String)}.
 *
 * <ul>
 *   <li>{@link #get(Object, Callable)} ({@code @Cacheable(sync = true)}) goes through
 *       {@link io.larder.Cache#getOrCompute}: one computation per key at a time in this JVM,
 *       and across servers when the cache has a {@link LarderCacheConfig#lease lease}.</li>
 *   <li>{@link #putIfAbsent} is atomic, through the store's add.</li>
 *   <li>{@link #clear()} removes this cache's namespace only.</li>
 *   <li>{@link #retrieve(Object)} and {@link #retrieve(Object, Supplier)} go through the
 *       Larder cache's {@link io.larder.AsyncCache}: no thread waits on a store with an
 *       asynchronous client, and {@code @Cacheable} methods returning
 *       {@code CompletableFuture} or {@code Mono} are cached without blocking.</li>
 * </ul>
 *
 * <p>Keys are made collision-free strings: a string key is used as it is (unless it starts
 * with {@code ~}), other keys, {@code SimpleKey} included, get a type-tagged encoding. Keys
 * holding other types (entities, say) are refused with {@link IllegalArgumentException}:
 * give the cached method a key expression. Store failures follow the Larder cache: by default
 * a read that fails is a miss and a write that fails is dropped.
 *
 * <p>Thread-safe.
 */
public final class LarderCache extends AbstractValueAdaptingCache {
  private final String name;
  private final io.larder.Cache cache;
  private final ValueCodec codec;
  private final Duration ttl;
  private final Freshness freshness;
  private final io.larder.AsyncCache async;
  private final LarderCacheConfig config;

  LarderCache(String name, io.larder.Cache root, LarderCacheConfig config) {
    super(config.cacheNulls());
    this.name = name;
    this.config = config;
    this.cache = root.namespace(config.namespace().orElse(name));
    this.codec = new ValueCodec(name, config.codec(), config.cacheNulls(), config.hasDefaultCodec());
    this.ttl = config.ttl().orElse(cache.defaultTtl());
    Freshness f = Freshness.of(ttl);
    this.freshness = config.lease().map(f::lease).orElse(f);
    this.async = cache.async();
  }

  /**
   * Returns the cache's name.
   *
   * @return the name
   */
  @Override
  public String getName() {
    return name;
  }

  /**
   * Returns the Larder namespace this cache keeps its entries in.
   *
   * @return the namespace view of the Larder cache
   */
  @Override
  public io.larder.Cache getNativeCache() {
    return cache;
  }

  /**
   * Returns this cache's settings.
   *
   * @return the settings it was created with
   */
  public LarderCacheConfig getConfig() {
    return config;
  }

  /**
   * Returns the Larder key a Spring key is stored under, within this cache's namespace.
   *
   * @param key the Spring key
   * @return the key as {@code getNativeCache().get(...)} takes it
   * @throws IllegalArgumentException if the key holds a type no key can be made of
   */
  public String larderKey(Object key) {
    try {
      return SpringKeys.toKey(key);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cache '" + name + "': " + e.getMessage(), e);
    }
  }

  @Override
  protected Object lookup(Object key) {
    return cache.get(larderKey(key), codec);
  }

  /**
   * Returns the value under {@code key}, or computes it with {@code valueLoader}, caches and
   * returns it; callers in this JVM asking for the same key meanwhile wait for that one
   * computation (and, with a lease, so do callers on other servers).
   *
   * <p>A {@code null} result is cached when the cache caches nulls; otherwise it is returned
   * and not cached.
   *
   * @param key the key
   * @param valueLoader computes the value
   * @param <T> the value type
   * @return the cached or computed value
   * @throws ValueRetrievalException wrapping what the loader threw, for every caller waiting
   *     for it
   * @throws IllegalArgumentException if no key can be made of {@code key}
   * @throws io.larder.CacheException if the store fails and the Larder cache is fail-closed
   */
  @Override
  @SuppressWarnings("unchecked")
  public <T> T get(Object key, Callable<T> valueLoader) {
    Objects.requireNonNull(valueLoader, "valueLoader");
    Object stored = cache.getOrCompute(larderKey(key), codec, freshness, () -> {
      T value;
      try {
        value = valueLoader.call();
      } catch (Exception e) {
        throw new ValueRetrievalException(key, valueLoader, e);
      }
      return value != null ? value : isAllowNullValues() ? NullValue.INSTANCE : null;
    });
    return (T) fromStoreValue(stored);
  }

  /**
   * Stores a value with this cache's TTL.
   *
   * @param key the key
   * @param value the value; {@code null} only if the cache caches nulls
   * @throws IllegalArgumentException if {@code value} is null and the cache does not cache
   *     nulls, or no key can be made of {@code key}
   * @throws io.larder.CacheCodecException if the codec cannot write the value
   * @throws io.larder.CacheException if the store fails and the Larder cache is fail-closed
   */
  @Override
  public void put(Object key, Object value) {
    cache.set(larderKey(key), toStoreValue(value), codec, ttl);
  }

  /**
   * Stores a value only if the key holds none, atomically (the store's add).
   *
   * @param key the key
   * @param value the value
   * @return the value already there, or {@code null} if {@code value} was stored (or dropped
   *     because the store failed and the Larder cache is fail-open)
   * @throws IllegalArgumentException if {@code value} is null and the cache does not cache
   *     nulls, or no key can be made of {@code key}
   * @throws io.larder.CacheCodecException if the codec cannot write the value
   */
  @Override
  public ValueWrapper putIfAbsent(Object key, Object value) {
    String k = larderKey(key);
    Object storeValue = toStoreValue(value);
    // a value can expire or be evicted between a refused add and the read that follows; one
    // retry covers that, and a failing store costs no more than two round trips
    for (int attempt = 0; attempt < 2; attempt++) {
      if (cache.add(k, storeValue, codec, ttl)) {
        return null;
      }
      Object existing = cache.get(k, codec);
      if (existing != null) {
        return toValueWrapper(existing);
      }
    }
    return null;
  }

  /**
   * Removes a key, at once.
   *
   * @param key the key
   */
  @Override
  public void evict(Object key) {
    cache.delete(larderKey(key));
  }

  /**
   * Removes a key, at once.
   *
   * @param key the key
   * @return whether a value was removed
   */
  @Override
  public boolean evictIfPresent(Object key) {
    return cache.delete(larderKey(key));
  }

  /**
   * Removes every entry of this cache's namespace, and nothing else, at once.
   */
  @Override
  public void clear() {
    cache.clear();
  }

  /**
   * Removes every entry of this cache's namespace, at once: later lookups see none.
   *
   * @return {@code false}: whether there were entries is not known
   */
  @Override
  public boolean invalidate() {
    cache.clear();
    return false;
  }

  /**
   * Reads a value without blocking the caller, through the Larder cache's
   * {@link io.larder.AsyncCache}: natively on Redis, memcached and Kyoto Tycoon, on the
   * Larder cache's executor for other stores. The future completes on that executor.
   *
   * @param key the key
   * @return a future of the value, {@code null} on a miss; in a cache that caches nulls the
   *     value comes in a {@link ValueWrapper}, so that a cached {@code null} is told apart
   * @throws IllegalArgumentException if no key can be made of {@code key}
   */
  @Override
  public CompletableFuture<?> retrieve(Object key) {
    return async.get(larderKey(key), codec).thenApply(stored -> {
      if (stored == null) {
        return null;
      }
      return isAllowNullValues() ? toValueWrapper(stored) : fromStoreValue(stored);
    });
  }

  /**
   * Reads a value without blocking the caller, or loads it with {@code valueLoader} and stores
   * it, through {@link io.larder.AsyncCache#getOrCompute}: concurrent calls for the same key
   * in this JVM share one load (and, with a {@link LarderCacheConfig#lease lease}, callers on
   * other servers wait for it).
   *
   * @param key the key
   * @param valueLoader starts loading the value
   * @param <T> the value type
   * @return a future of the cached or loaded value; it fails with what the loader failed with,
   *     or with the codec's or a fail-closed store's exception
   * @throws IllegalArgumentException if no key can be made of {@code key}
   */
  @Override
  @SuppressWarnings("unchecked")
  public <T> CompletableFuture<T> retrieve(Object key, Supplier<CompletableFuture<T>> valueLoader) {
    Objects.requireNonNull(valueLoader, "valueLoader");
    return async.getOrCompute(larderKey(key), codec, freshness, k -> {
      CompletableFuture<T> loading =
          Objects.requireNonNull(valueLoader.get(), "valueLoader returned null");
      return loading.thenApply(
          value -> value != null ? value : isAllowNullValues() ? NullValue.INSTANCE : null);
    }).thenApply(stored -> (T) fromStoreValue(stored));
  }

  @Override
  public String toString() {
    return "LarderCache[" + name + ", " + cache + "]";
  }
}

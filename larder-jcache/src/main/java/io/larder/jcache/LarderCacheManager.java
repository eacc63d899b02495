package io.larder.jcache;

import io.larder.Larder;
import java.net.URI;
import java.time.InstantSource;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.Configuration;
import javax.cache.spi.CachingProvider;

/**
 * A JCache {@link CacheManager} over one Larder cache (one store URL): each JCache cache is
 * the namespace {@code jcache} / its name in that store, so JVMs that open the same URL and
 * cache name share the entries.
 */
final class LarderCacheManager implements CacheManager {
  private final LarderCachingProvider provider;
  private final URI uri;
  private final ClassLoader classLoader;
  private final Properties properties;
  private final String allow;
  private final io.larder.Cache larder;
  /** The clock that decides expiry: the system's, or a test's. */
  private final InstantSource clock;
  private final ConcurrentMap<String, LarderJCache<?, ?>> caches = new ConcurrentHashMap<>();
  private volatile boolean closed;

  LarderCacheManager(LarderCachingProvider provider, URI uri, ClassLoader classLoader,
      Properties properties, String url, String allow, InstantSource clock) {
    this.provider = provider;
    this.clock = clock;
    this.uri = uri;
    this.classLoader = classLoader;
    this.properties = properties;
    this.allow = allow;
    try {
      Larder.Builder b = Larder.builder().url(url);
      // JCache reports store failures as exceptions; a URL may still ask for fail-open
      if (!url.contains("failOpen=")) {
        b.failOpen(false);
      }
      this.larder = b.build();
    } catch (io.larder.CacheException e) {
      throw new CacheException("cannot open the Larder store of cache manager " + uri, e);
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("cache manager " + uri + " is closed");
    }
  }

  @Override
  public CachingProvider getCachingProvider() {
    return provider;
  }

  @Override
  public URI getURI() {
    return uri;
  }

  @Override
  public ClassLoader getClassLoader() {
    return classLoader;
  }

  @Override
  public Properties getProperties() {
    return properties;
  }

  @Override
  public <K, V, C extends Configuration<K, V>> Cache<K, V> createCache(String cacheName,
      C configuration) {
    requireOpen();
    Objects.requireNonNull(cacheName, "cacheName");
    Objects.requireNonNull(configuration, "configuration");
    synchronized (caches) {
      if (caches.containsKey(cacheName)) {
        throw new CacheException("cache " + cacheName + " exists already in " + uri);
      }
      LarderJCache<K, V> cache = new LarderJCache<>(this, cacheName,
          larder.namespace("jcache").namespace(cacheName), configuration, allow, clock);
      caches.put(cacheName, cache);
      cache.start();
      return cache;
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public <K, V> Cache<K, V> getCache(String cacheName, Class<K> keyType, Class<V> valueType) {
    requireOpen();
    Objects.requireNonNull(cacheName, "cacheName");
    Objects.requireNonNull(keyType, "keyType");
    Objects.requireNonNull(valueType, "valueType");
    LarderJCache<?, ?> cache = caches.get(cacheName);
    if (cache == null) {
      return null;
    }
    Configuration<?, ?> c = cache.getConfiguration(Configuration.class);
    if (c.getKeyType() != keyType || c.getValueType() != valueType) {
      throw new ClassCastException("cache " + cacheName + " holds " + c.getKeyType().getName()
          + " -> " + c.getValueType().getName() + ", not " + keyType.getName() + " -> "
          + valueType.getName());
    }
    return (Cache<K, V>) cache;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <K, V> Cache<K, V> getCache(String cacheName) {
    requireOpen();
    Objects.requireNonNull(cacheName, "cacheName");
    return (Cache<K, V>) caches.get(cacheName);
  }

  @Override
  public Iterable<String> getCacheNames() {
    requireOpen();
    return Collections.unmodifiableSet(new LinkedHashSet<>(caches.keySet()));
  }

  /** Closes the cache and empties its namespace in the store, for every JVM that shares it. */
  @Override
  public void destroyCache(String cacheName) {
    requireOpen();
    Objects.requireNonNull(cacheName, "cacheName");
    LarderJCache<?, ?> cache = caches.get(cacheName);
    if (cache != null) {
      cache.destroy();
    } else {
      larder.namespace("jcache").namespace(cacheName).clear();
    }
  }

  @Override
  public void enableManagement(String cacheName, boolean enabled) {
    requireOpen();
    Objects.requireNonNull(cacheName, "cacheName");
    LarderJCache<?, ?> cache = caches.get(cacheName);
    if (cache != null) {
      cache.setManagementEnabled(enabled);
    }
  }

  @Override
  public void enableStatistics(String cacheName, boolean enabled) {
    requireOpen();
    Objects.requireNonNull(cacheName, "cacheName");
    LarderJCache<?, ?> cache = caches.get(cacheName);
    if (cache != null) {
      cache.setStatisticsEnabled(enabled);
    }
  }

  /** Called by a cache as it closes. */
  void forget(LarderJCache<?, ?> cache) {
    caches.remove(cache.getName(), cache);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    provider.forget(this);
    closed = true;
    for (LarderJCache<?, ?> cache : caches.values()) {
      cache.close();
    }
    larder.close();
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  /**
   * Returns this manager as {@code clazz}: this class, or the Larder {@link io.larder.Cache}
   * it opened.
   *
   * @throws IllegalArgumentException if it is neither
   */
  @Override
  public <T> T unwrap(Class<T> clazz) {
    return Unwrapping.unwrap(clazz, "cache manager " + uri, this, larder);
  }
}

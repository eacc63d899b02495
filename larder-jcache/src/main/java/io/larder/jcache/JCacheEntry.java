package io.larder.jcache;

import javax.cache.Cache;

/** A key and a copy of its value, as the cache's iterator hands them out. */
final class JCacheEntry<K, V> implements Cache.Entry<K, V> {
  private final K key;
  private final V value;

  JCacheEntry(K key, V value) {
    this.key = key;
    this.value = value;
  }

  @Override
  public K getKey() {
    return key;
  }

  @Override
  public V getValue() {
    return value;
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    return Unwrapping.unwrap(clazz, "a cache entry", this);
  }

  @Override
  public String toString() {
    return key + "=" + value;
  }
}

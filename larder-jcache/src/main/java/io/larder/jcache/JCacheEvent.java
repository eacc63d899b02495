package io.larder.jcache;

import javax.cache.Cache;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.EventType;

/** One change to one entry, as a listener sees it. */
final class JCacheEvent<K, V> extends CacheEntryEvent<K, V> {
  private static final long serialVersionUID = 1L;
  private final K key;
  private final V value;
  private final V oldValue;
  private final boolean oldValueAvailable;

  JCacheEvent(Cache<K, V> source, EventType type, K key, V value, V oldValue,
      boolean oldValueAvailable) {
    super(source, type);
    this.key = key;
    this.value = value;
    this.oldValue = oldValue;
    this.oldValueAvailable = oldValueAvailable;
  }

  /**
   * Returns the same event without its old value, for a listener that did not ask for it. A
   * removal or expiry keeps it: there the old value is the event's value too.
   */
  JCacheEvent<K, V> withoutOldValue() {
    if (!oldValueAvailable || getEventType() != javax.cache.event.EventType.UPDATED) {
      return this;
    }
    @SuppressWarnings("unchecked")
    Cache<K, V> source = (Cache<K, V>) getSource();
    return new JCacheEvent<>(source, getEventType(), key, value, null, false);
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
  public V getOldValue() {
    return oldValue;
  }

  @Override
  public boolean isOldValueAvailable() {
    return oldValueAvailable;
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    return Unwrapping.unwrap(clazz, "a cache entry event", this);
  }
}

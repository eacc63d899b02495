package io.larder.jcache;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.larder.Codec;
import io.larder.Versioned;
import java.io.Closeable;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.configuration.Configuration;
import javax.cache.configuration.Factory;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.EventType;
import javax.cache.expiry.Duration;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheLoaderException;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;
import javax.cache.integration.CompletionListener;
import javax.cache.processor.EntryProcessor;
import javax.cache.processor.EntryProcessorException;
import javax.cache.processor.EntryProcessorResult;
import javax.cache.processor.MutableEntry;

/**
 * A JCache {@link Cache} over a namespace of a Larder cache. Every entry is stored by value
 * (Java serialization behind an allow-list) with its JCache expiry time in front of it; every
 * change is a compare-and-set on the version read, so conditional operations and entry
 * processors stay atomic against other JVMs sharing the store, and a lock per key makes them
 * atomic in this one. A removed entry is left as a short-lived tombstone, which is what lets a
 * removal be conditional too.
 */
final class LarderJCache<K, V> implements Cache<K, V> {
  private static final System.Logger LOG = System.getLogger(LarderJCache.class.getName());
  private static final long NEVER = Long.MAX_VALUE;
  private static final byte LIVE = 1;
  private static final byte TOMBSTONE = 0;
  private static final byte[] TOMBSTONE_RECORD = {TOMBSTONE};
  private static final java.time.Duration TOMBSTONE_TTL = java.time.Duration.ofMinutes(1);
  private static final int STRIPES = 256;
  /** How many keys a cache remembers for iteration and {@code removeAll()}. */
  static final int INDEX_SIZE = 100_000;
  /** Compare-and-set conflicts one operation tolerates before it gives up. */
  static final int MAX_ATTEMPTS = 1_000;

  private final LarderCacheManager manager;
  private final String name;
  private final io.larder.Cache store;
  private final MutableConfiguration<K, V> config;
  private final Serializer serializer;
  private final ExpiryPolicy expiry;
  /** The loader when read-through is on: what get, getAll and entry processors call. */
  private final CacheLoader<K, V> loader;
  /** The configured loader, read-through or not: what loadAll calls. */
  private final CacheLoader<K, V> configuredLoader;
  /** The writer, seen as taking exactly K and V (it takes supertypes of them). */
  private final CacheWriter<K, V> writer;
  private final Listeners<K, V> listeners;
  private final JCacheStats stats = new JCacheStats();
  /**
   * The store keys this JVM wrote and has not seen go: what iteration and removeAll() visit.
   * Bounded, so keys whose entries left the store unseen (by TTL, by the server's eviction)
   * cannot pile up: past {@link #INDEX_SIZE} keys the least used are forgotten.
   */
  private final com.github.benmanes.caffeine.cache.Cache<String, Boolean> index =
      Caffeine.newBuilder().maximumSize(INDEX_SIZE).build();
  private final ReentrantLock[] locks = new ReentrantLock[STRIPES];
  private final ExecutorService events;
  private final ExecutorService loads;
  private final InstantSource clock;
  private volatile boolean closed;

  LarderJCache(LarderCacheManager manager, String name, io.larder.Cache store,
      Configuration<K, V> configuration, String allow, InstantSource clock) {
    this.manager = manager;
    this.name = name;
    this.store = store;
    this.clock = clock;
    this.config = copy(configuration);
    Set<Class<?>> types = new LinkedHashSet<>(List.of(config.getKeyType(), config.getValueType()));
    this.serializer = new Serializer(allow, types, manager.getClassLoader());
    this.expiry = config.getExpiryPolicyFactory().create();
    Factory<CacheLoader<K, V>> lf = config.getCacheLoaderFactory();
    this.configuredLoader = lf != null ? lf.create() : null;
    this.loader = config.isReadThrough() ? configuredLoader : null;
    Factory<CacheWriter<? super K, ? super V>> wf = config.getCacheWriterFactory();
    this.writer = config.isWriteThrough() && wf != null ? narrow(wf.create()) : null;
    this.events = Executors.newSingleThreadExecutor(daemon("larder-jcache-events-" + name));
    this.loads = Executors.newCachedThreadPool(daemon("larder-jcache-load-" + name));
    this.listeners = new Listeners<>(events);
    for (CacheEntryListenerConfiguration<K, V> l : config.getCacheEntryListenerConfigurations()) {
      listeners.register(l);
    }
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new ReentrantLock();
    }
    stats.enabled(config.isStatisticsEnabled());
  }

  @SuppressWarnings("unchecked")
  private static <K, V> CacheWriter<K, V> narrow(CacheWriter<? super K, ? super V> w) {
    return (CacheWriter<K, V>) w;
  }

  private static java.util.concurrent.ThreadFactory daemon(String threadName) {
    return r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    };
  }

  @SuppressWarnings("unchecked")
  private static <K, V> MutableConfiguration<K, V> copy(Configuration<K, V> c) {
    if (c instanceof CompleteConfiguration<K, V> complete) {
      return new MutableConfiguration<>(complete);
    }
    MutableConfiguration<K, V> m = new MutableConfiguration<>();
    m.setStoreByValue(c.isStoreByValue());
    m.setTypes(c.getKeyType(), c.getValueType());
    return m;
  }

  // ---------------------------------------------------------------- reading the store

  /** What the store holds under one key, with the version a later write must match. */
  private final class Slot {
    final Versioned<byte[]> read;
    final long expiresAt;
    final byte[] valueBytes;

    Slot(Versioned<byte[]> read) {
      this.read = read;
      byte[] b = read.value();
      if (b == null || b.length < 9 || b[0] != LIVE) {
        expiresAt = 0;
        valueBytes = null;
      } else {
        ByteBuffer buf = ByteBuffer.wrap(b);
        buf.get();
        expiresAt = buf.getLong();
        valueBytes = new byte[b.length - 9];
        buf.get(valueBytes);
      }
    }

    boolean holds() {
      return valueBytes != null;
    }

    @SuppressWarnings("unchecked")
    V value() {
      return (V) serializer.fromBytes(valueBytes);
    }
  }

  private Slot read(String skey) {
    try {
      return new Slot(store.getVersioned(skey, Codec.bytes()));
    } catch (io.larder.CacheException e) {
      throw storeFailed("read", e);
    }
  }

  /** A store failure as JCache reports it, with Larder's exception as the cause. */
  private javax.cache.CacheException storeFailed(String what, io.larder.CacheException e) {
    return new javax.cache.CacheException("cache " + name + " could not " + what + " its store: "
        + e.getMessage(), e);
  }

  /**
   * Reads the live entry under a key: an entry whose time has passed is removed first (one
   * JVM wins the removal and reports it to the expiry listeners).
   */
  private Slot current(String skey, K key) {
    for (int attempt = 0; ; attempt = retry(attempt)) {
      Slot s = read(skey);
      if (!s.holds() || s.expiresAt > clock.millis()) {
        return s;
      }
      V old = listeners.any() ? s.value() : null;
      if (erase(s)) {
        index.invalidate(skey);
        fire(EventType.EXPIRED, key, old, old);
      }
    }
  }

  private boolean write(Slot s, byte[] valueBytes, long expiresAt) {
    byte[] record = ByteBuffer.allocate(9 + valueBytes.length)
        .put(LIVE).putLong(expiresAt).put(valueBytes).array();
    java.time.Duration ttl = expiresAt == NEVER
        ? io.larder.Cache.FOREVER
        // a second of slack: the store may round TTLs; the time in the record decides
        : java.time.Duration.ofMillis(Math.max(0, expiresAt - clock.millis()) + 1_000);
    try {
      return store.compareAndSet(s.read, record, ttl);
    } catch (io.larder.CacheException e) {
      throw storeFailed("write", e);
    }
  }

  private boolean erase(Slot s) {
    try {
      return !s.read.exists() || store.compareAndSet(s.read, TOMBSTONE_RECORD, TOMBSTONE_TTL);
    } catch (io.larder.CacheException e) {
      throw storeFailed("write", e);
    }
  }

  /**
   * Counts a lost compare-and-set: another JVM changed the entry, or a fail-open store
   * failed the write. Bounded, so neither can spin an operation forever.
   */
  private int retry(int attempt) {
    if (attempt + 1 >= MAX_ATTEMPTS) {
      throw new javax.cache.CacheException("cache " + name + " gave up after " + MAX_ATTEMPTS
          + " conflicting writes to one entry (or writes the store dropped)");
    }
    Thread.onSpinWait();
    return attempt + 1;
  }

  // ---------------------------------------------------------------- expiry

  private long expiresAt(Duration d, long now) {
    if (d.isEternal()) {
      return NEVER;
    }
    if (d.isZero()) {
      return now;
    }
    long ms = d.getTimeUnit().toMillis(d.getDurationAmount());
    return ms >= NEVER - now ? NEVER : now + ms;
  }

  /** The policy's duration, or the fallback when the policy throws (its exceptions are logged). */
  private Duration policy(Supplier<Duration> ask, Duration fallback) {
    try {
      return ask.get();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "expiry policy of cache " + name + " failed", e);
      return fallback;
    }
  }

  private long creationExpiry() {
    Duration d = policy(expiry::getExpiryForCreation, Duration.ZERO);
    return expiresAt(d == null ? Duration.ETERNAL : d, clock.millis());
  }

  /** The expiry after an update: {@code current} when the policy says unchanged. */
  private long updateExpiry(long current) {
    Duration d = policy(expiry::getExpiryForUpdate, null);
    return d == null ? current : expiresAt(d, clock.millis());
  }

  /** Applies the access expiry to a live entry that was just read; a lost race leaves it. */
  private void accessed(Slot s) {
    Duration d = policy(expiry::getExpiryForAccess, null);
    if (d != null) {
      write(s, s.valueBytes, expiresAt(d, clock.millis()));
    }
  }

  // ---------------------------------------------------------------- helpers

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("cache " + name + " is closed");
    }
  }

  private String skey(K key) {
    Objects.requireNonNull(key, "key");
    Class<K> type = config.getKeyType();
    if (type != Object.class && !type.isInstance(key)) {
      throw new ClassCastException("key " + key + " is a " + key.getClass().getName()
          + ", not a " + type.getName() + " as cache " + name + " is configured");
    }
    return serializer.encodeKey(key);
  }

  private byte[] valueBytes(V value) {
    Objects.requireNonNull(value, "value");
    Class<V> type = config.getValueType();
    if (type != Object.class && !type.isInstance(value)) {
      throw new ClassCastException("value is a " + value.getClass().getName() + ", not a "
          + type.getName() + " as cache " + name + " is configured");
    }
    return serializer.toBytes(value);
  }

  @SuppressWarnings("unchecked")
  private K keyOf(String skey) {
    return (K) serializer.decodeKey(skey);
  }

  private ReentrantLock lock(String skey) {
    ReentrantLock l = locks[(skey.hashCode() & 0x7fffffff) % STRIPES];
    l.lock();
    return l;
  }

  private void fire(EventType type, K key, V value, V oldValue) {
    if (listeners.any()) {
      boolean hasOld = type != EventType.CREATED && oldValue != null;
      listeners.fire(List.of(new JCacheEvent<>(this, type, key, value, oldValue, hasOld)));
    }
  }

  private V oldForEvents(Slot s) {
    return listeners.any() ? s.value() : null;
  }

  private void writeThrough(K key, V value) {
    if (writer != null) {
      try {
        writer.write(new JCacheEntry<>(key, value));
      } catch (CacheWriterException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new CacheWriterException("writer of cache " + name + " failed for " + key, e);
      }
    }
  }

  private void deleteThrough(K key) {
    if (writer != null) {
      try {
        writer.delete(key);
      } catch (CacheWriterException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new CacheWriterException("writer of cache " + name + " failed to delete " + key, e);
      }
    }
  }

  private V load(K key) {
    try {
      return loader.load(key);
    } catch (CacheLoaderException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new CacheLoaderException("loader of cache " + name + " failed for " + key, e);
    }
  }

  /** Stores a value the loader produced, unless another write got there first. */
  private void storeLoaded(String skey, K key, V value) {
    ReentrantLock l = lock(skey);
    try {
      byte[] bytes = valueBytes(value);
      for (int attempt = 0; ; attempt = retry(attempt)) {
        Slot s = current(skey, key);
        boolean existed = s.holds();
        long at = existed ? updateExpiry(s.expiresAt) : creationExpiry();
        if (!existed && at <= clock.millis()) {
          return;
        }
        V old = existed ? oldForEvents(s) : null;
        if (write(s, bytes, at)) {
          index.put(skey, Boolean.TRUE);
          fire(existed ? EventType.UPDATED : EventType.CREATED, key, value, old);
          return;
        }
      }
    } finally {
      l.unlock();
    }
  }

  // ---------------------------------------------------------------- reads

  @Override
  public V get(K key) {
    requireOpen();
    long start = System.nanoTime();
    String skey = skey(key);
    V result;
    ReentrantLock l = lock(skey);
    try {
      Slot s = current(skey, key);
      if (s.holds()) {
        stats.hits(1);
        result = s.value();
        accessed(s);
      } else {
        stats.misses(1);
        result = null;
      }
    } finally {
      l.unlock();
    }
    if (result == null && loader != null) {
      result = load(key);
      if (result != null) {
        storeLoaded(skey, key, result);
      }
    }
    stats.getTime(start);
    return result;
  }

  @Override
  public Map<K, V> getAll(Set<? extends K> keys) {
    requireOpen();
    Objects.requireNonNull(keys, "keys");
    for (K key : keys) {
      Objects.requireNonNull(key, "a key in keys");
    }
    long start = System.nanoTime();
    Map<K, V> result = new LinkedHashMap<>();
    List<K> missing = new ArrayList<>();
    for (K key : keys) {
      String skey = skey(key);
      ReentrantLock l = lock(skey);
      try {
        Slot s = current(skey, key);
        if (s.holds()) {
          stats.hits(1);
          result.put(key, s.value());
          accessed(s);
        } else {
          stats.misses(1);
          missing.add(key);
        }
      } finally {
        l.unlock();
      }
    }
    if (loader != null && !missing.isEmpty()) {
      Map<K, V> loaded;
      try {
        loaded = loader.loadAll(missing);
      } catch (CacheLoaderException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new CacheLoaderException("loader of cache " + name + " failed", e);
      }
      if (loaded != null) {
        for (Map.Entry<K, V> e : loaded.entrySet()) {
          if (e.getKey() != null && e.getValue() != null) {
            storeLoaded(skey(e.getKey()), e.getKey(), e.getValue());
            result.put(e.getKey(), e.getValue());
          }
        }
      }
    }
    stats.getTime(start);
    return result;
  }

  @Override
  public boolean containsKey(K key) {
    requireOpen();
    String skey = skey(key);
    ReentrantLock l = lock(skey);
    try {
      return current(skey, key).holds();
    } finally {
      l.unlock();
    }
  }

  @Override
  public void loadAll(Set<? extends K> keys, boolean replaceExistingValues,
      CompletionListener completionListener) {
    requireOpen();
    Objects.requireNonNull(keys, "keys");
    for (K key : keys) {
      Objects.requireNonNull(key, "a key in keys");
    }
    CompletionListener done = completionListener != null ? completionListener : NO_LISTENER;
    if (configuredLoader == null) {
      done.onCompletion();
      return;
    }
    List<K> copy = new ArrayList<>(keys);
    loads.execute(() -> {
      try {
        List<K> toLoad = new ArrayList<>();
        for (K key : copy) {
          if (replaceExistingValues || !containsKey(key)) {
            toLoad.add(key);
          }
        }
        Map<K, V> loaded = toLoad.isEmpty() ? Map.of() : configuredLoader.loadAll(toLoad);
        if (loaded != null) {
          for (Map.Entry<K, V> e : loaded.entrySet()) {
            if (e.getKey() != null && e.getValue() != null) {
              storeLoaded(skey(e.getKey()), e.getKey(), e.getValue());
            }
          }
        }
        done.onCompletion();
      } catch (Exception e) {
        done.onException(e instanceof CacheLoaderException ? e : new CacheLoaderException(e));
      }
    });
  }

  private static final CompletionListener NO_LISTENER = new CompletionListener() {
    @Override
    public void onCompletion() {}

    @Override
    public void onException(Exception e) {}
  };

  // ---------------------------------------------------------------- writes

  /** A put without the writer: what {@link #put}, {@link #putAll} and {@link #getAndPut} share. */
  private V put(K key, String skey, V value, byte[] bytes, boolean wantOld) {
    ReentrantLock l = lock(skey);
    try {
      for (int attempt = 0; ; attempt = retry(attempt)) {
        Slot s = current(skey, key);
        if (s.holds()) {
          V old = wantOld || listeners.any() ? s.value() : null;
          if (write(s, bytes, updateExpiry(s.expiresAt))) {
            index.put(skey, Boolean.TRUE);
            stats.puts(1);
            fire(EventType.UPDATED, key, value, old);
            return old;
          }
        } else {
          long at = creationExpiry();
          if (at <= clock.millis()) {
            return null;
          }
          if (write(s, bytes, at)) {
            index.put(skey, Boolean.TRUE);
            stats.puts(1);
            fire(EventType.CREATED, key, value, null);
            return null;
          }
        }
      }
    } finally {
      l.unlock();
    }
  }

  @Override
  public void put(K key, V value) {
    requireOpen();
    long start = System.nanoTime();
    String skey = skey(key);
    byte[] bytes = valueBytes(value);
    writeThrough(key, value);
    put(key, skey, value, bytes, false);
    stats.putTime(start);
  }

  @Override
  public V getAndPut(K key, V value) {
    requireOpen();
    long start = System.nanoTime();
    String skey = skey(key);
    byte[] bytes = valueBytes(value);
    writeThrough(key, value);
    V old = put(key, skey, value, bytes, true);
    if (old == null) {
      stats.misses(1);
    } else {
      stats.hits(1);
    }
    stats.getTime(start);
    stats.putTime(start);
    return old;
  }

  @Override
  public void putAll(Map<? extends K, ? extends V> map) {
    requireOpen();
    Objects.requireNonNull(map, "map");
    long start = System.nanoTime();
    Map<K, byte[]> encoded = new LinkedHashMap<>();
    Map<K, String> skeys = new HashMap<>();
    for (Map.Entry<? extends K, ? extends V> e : map.entrySet()) {
      skeys.put(e.getKey(), skey(e.getKey()));
      encoded.put(e.getKey(), valueBytes(e.getValue()));
    }
    Set<K> written = new LinkedHashSet<>(map.keySet());
    RuntimeException failure = null;
    if (writer != null) {
      List<Cache.Entry<? extends K, ? extends V>> entries = new ArrayList<>();
      for (Map.Entry<? extends K, ? extends V> e : map.entrySet()) {
        entries.add(new JCacheEntry<>(e.getKey(), e.getValue()));
      }
      try {
        writer.writeAll(entries);
      } catch (RuntimeException e) {
        failure = e instanceof CacheWriterException ? e : new CacheWriterException(e);
        for (Cache.Entry<? extends K, ? extends V> left : entries) {
          written.remove(left.getKey());
        }
      }
    }
    for (K key : written) {
      put(key, skeys.get(key), map.get(key), encoded.get(key), false);
    }
    stats.putTime(start);
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public boolean putIfAbsent(K key, V value) {
    requireOpen();
    long start = System.nanoTime();
    String skey = skey(key);
    byte[] bytes = valueBytes(value);
    ReentrantLock l = lock(skey);
    try {
      boolean wrote = false;
      for (int attempt = 0; ; attempt = retry(attempt)) {
        Slot s = current(skey, key);
        if (s.holds()) {
          stats.hits(1);
          return false;
        }
        if (!wrote) {
          writeThrough(key, value);
          wrote = true;
        }
        long at = creationExpiry();
        if (at <= clock.millis() || write(s, bytes, at)) {
          if (at > clock.millis()) {
            index.put(skey, Boolean.TRUE);
            stats.puts(1);
            fire(EventType.CREATED, key, value, null);
          }
          stats.misses(1);
          return true;
        }
      }
    } finally {
      l.unlock();
      stats.putTime(start);
    }
  }

  /**
   * Removes the live entry under a key (without the writer); returns its value ({@link
   * #PRESENT} when not asked for), or null if there was none.
   */
  @SuppressWarnings("unchecked")
  private V remove(K key, String skey, boolean wantOld) {
    ReentrantLock l = lock(skey);
    try {
      for (int attempt = 0; ; attempt = retry(attempt)) {
        Slot s = current(skey, key);
        if (!s.holds()) {
          return null;
        }
        V old = wantOld || listeners.any() ? s.value() : null;
        if (erase(s)) {
          index.invalidate(skey);
          stats.removals(1);
          fire(EventType.REMOVED, key, old, old);
          return old != null ? old : (V) PRESENT;
        }
      }
    } finally {
      l.unlock();
    }
  }

  /** Stands for "there was a value" when the caller did not need it decoded. */
  private static final Object PRESENT = new Object();

  @Override
  public boolean remove(K key) {
    requireOpen();
    long start = System.nanoTime();
    String skey = skey(key);
    deleteThrough(key);
    boolean removed = remove(key, skey, false) != null;
    stats.removeTime(start);
    return removed;
  }

  @Override
  public boolean remove(K key, V oldValue) {
    requireOpen();
    long start = System.nanoTime();
    String skey = skey(key);
    Objects.requireNonNull(oldValue, "oldValue");
    ReentrantLock l = lock(skey);
    try {
      for (int attempt = 0; ; attempt = retry(attempt)) {
        Slot s = current(skey, key);
        if (!s.holds()) {
          stats.misses(1);
          return false;
        }
        V current = s.value();
        if (!current.equals(oldValue)) {
          stats.hits(1);
          accessed(s);
          return false;
        }
        deleteThrough(key);
        if (erase(s)) {
          index.invalidate(skey);
          stats.hits(1);
          stats.removals(1);
          fire(EventType.REMOVED, key, current, current);
          return true;
        }
      }
    } finally {
      l.unlock();
      stats.removeTime(start);
    }
  }

  @Override
  public V getAndRemove(K key) {
    requireOpen();
    long start = System.nanoTime();
    String skey = skey(key);
    deleteThrough(key);
    V old = remove(key, skey, true);
    if (old == null) {
      stats.misses(1);
    } else {
      stats.hits(1);
    }
    stats.getTime(start);
    stats.removeTime(start);
    return old;
  }

  @Override
  public boolean replace(K key, V oldValue, V newValue) {
    requireOpen();
    Objects.requireNonNull(oldValue, "oldValue");
    return replaceIf(key, oldValue, newValue) != null;
  }

  @Override
  public boolean replace(K key, V value) {
    return replaceIf(key, null, value) != null;
  }

  @Override
  public V getAndReplace(K key, V value) {
    return replaceIf(key, null, value);
  }

  /**
   * Replaces the live value under a key, if it equals {@code expected} (when given); returns
   * the value replaced, or null if nothing was.
   */
  private V replaceIf(K key, V expected, V value) {
    requireOpen();
    long start = System.nanoTime();
    String skey = skey(key);
    byte[] bytes = valueBytes(value);
    ReentrantLock l = lock(skey);
    try {
      for (int attempt = 0; ; attempt = retry(attempt)) {
        Slot s = current(skey, key);
        if (!s.holds()) {
          stats.misses(1);
          return null;
        }
        V current = s.value();
        if (expected != null && !current.equals(expected)) {
          stats.hits(1);
          accessed(s);
          return null;
        }
        writeThrough(key, value);
        if (write(s, bytes, updateExpiry(s.expiresAt))) {
          stats.hits(1);
          stats.puts(1);
          fire(EventType.UPDATED, key, value, current);
          return current;
        }
      }
    } finally {
      l.unlock();
      stats.putTime(start);
    }
  }

  @Override
  public void removeAll(Set<? extends K> keys) {
    requireOpen();
    Objects.requireNonNull(keys, "keys");
    for (K key : keys) {
      Objects.requireNonNull(key, "a key in keys");
    }
    removeAllOf(new ArrayList<>(keys));
  }

  private void removeAllOf(List<K> keys) {
    long start = System.nanoTime();
    Set<K> deleted = new LinkedHashSet<>(keys);
    RuntimeException failure = null;
    if (writer != null && !keys.isEmpty()) {
      List<K> left = new ArrayList<>(keys);
      try {
        writer.deleteAll(left);
      } catch (RuntimeException e) {
        failure = e instanceof CacheWriterException ? e : new CacheWriterException(e);
        deleted.removeAll(left);
      }
    }
    for (K key : deleted) {
      remove(key, skey(key), false);
    }
    stats.removeTime(start);
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public void removeAll() {
    requireOpen();
    List<K> keys = new ArrayList<>();
    for (String skey : new ArrayList<>(index.asMap().keySet())) {
      keys.add(keyOf(skey));
    }
    removeAllOf(keys);
  }

  /** Empties the cache's namespace in the store, for every JVM, without listeners or writer. */
  @Override
  public void clear() {
    requireOpen();
    try {
      store.clear();
    } catch (io.larder.CacheException e) {
      throw storeFailed("clear", e);
    }
    index.invalidateAll();
  }

  // ---------------------------------------------------------------- entry processors

  @Override
  public <T> T invoke(K key, EntryProcessor<K, V, T> entryProcessor, Object... arguments) {
    requireOpen();
    Objects.requireNonNull(entryProcessor, "entryProcessor");
    String skey = skey(key);
    ReentrantLock l = lock(skey);
    try {
      for (int attempt = 0; ; attempt = retry(attempt)) {
        Slot s = current(skey, key);
        Entry entry = new Entry(key, s);
        T result;
        try {
          result = entryProcessor.process(entry, arguments);
        } catch (EntryProcessorException e) {
          throw e;
        } catch (RuntimeException e) {
          throw new EntryProcessorException(e);
        }
        if (commit(skey, entry)) {
          return result;
        }
      }
    } finally {
      l.unlock();
    }
  }

  private enum Op { NONE, ACCESSED, LOADED, CREATED, UPDATED, REMOVED }

  /** Applies what a processor did to its entry; false when another JVM changed it meanwhile. */
  private boolean commit(String skey, Entry e) {
    Slot s = e.slot;
    if (e.counted) {
      // hits and misses as the reference implementation counts them: once per invocation
    } else if (s.holds()) {
      stats.hits(1);
    } else {
      stats.misses(1);
    }
    e.counted = true;
    switch (e.op) {
      case NONE -> {
        return true;
      }
      case ACCESSED -> {
        accessed(s);
        return true;
      }
      case LOADED -> {
        long at = creationExpiry();
        if (at > clock.millis() && !write(s, valueBytes(e.value), at)) {
          return false;
        }
        if (at > clock.millis()) {
          index.put(skey, Boolean.TRUE);
          fire(EventType.CREATED, e.key, e.value, null);
        }
        return true;
      }
      case CREATED, UPDATED -> {
        writeThrough(e.key, e.value);
        long at = e.op == Op.UPDATED ? updateExpiry(s.expiresAt) : creationExpiry();
        if (e.op == Op.CREATED && at <= clock.millis()) {
          return true;
        }
        if (!write(s, valueBytes(e.value), at)) {
          return false;
        }
        index.put(skey, Boolean.TRUE);
        stats.puts(1);
        fire(e.op == Op.UPDATED ? EventType.UPDATED : EventType.CREATED, e.key, e.value,
            e.op == Op.UPDATED ? e.original() : null);
        return true;
      }
      case REMOVED -> {
        deleteThrough(e.key);
        if (!s.holds()) {
          return true;
        }
        V old = e.original();
        if (!erase(s)) {
          return false;
        }
        index.invalidate(skey);
        stats.removals(1);
        fire(EventType.REMOVED, e.key, old, old);
        return true;
      }
      default -> throw new AssertionError(e.op);
    }
  }

  /** The entry an entry processor works on: changes are applied only when it returns. */
  private final class Entry implements MutableEntry<K, V> {
    final K key;
    final Slot slot;
    V value;
    boolean exists;
    Op op = Op.NONE;
    boolean counted;
    private V original;

    Entry(K key, Slot slot) {
      this.key = key;
      this.slot = slot;
      this.exists = slot.holds();
    }

    V original() {
      if (original == null && slot.holds()) {
        original = slot.value();
      }
      return original;
    }

    @Override
    public K getKey() {
      return key;
    }

    @Override
    public V getValue() {
      if (op == Op.NONE && exists) {
        op = Op.ACCESSED;
        value = original();
      } else if (op == Op.NONE && loader != null) {
        V loaded = load(key);
        if (loaded != null) {
          value = loaded;
          exists = true;
          op = Op.LOADED;
        }
      }
      return exists ? value : null;
    }

    @Override
    public boolean exists() {
      return exists;
    }

    @Override
    public void remove() {
      value = null;
      exists = false;
      // the writer hears of a removal even of nothing, but not of an entry born in this call
      op = op == Op.CREATED || op == Op.LOADED ? Op.NONE : Op.REMOVED;
    }

    @Override
    public void setValue(V v) {
      valueBytes(v);
      value = v;
      exists = true;
      op = slot.holds() ? Op.UPDATED : Op.CREATED;
    }

    @Override
    public <T> T unwrap(Class<T> clazz) {
      return Unwrapping.unwrap(clazz, "a mutable entry", this);
    }
  }

  @Override
  public <T> Map<K, EntryProcessorResult<T>> invokeAll(Set<? extends K> keys,
      EntryProcessor<K, V, T> entryProcessor, Object... arguments) {
    requireOpen();
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(entryProcessor, "entryProcessor");
    for (K key : keys) {
      Objects.requireNonNull(key, "a key in keys");
    }
    Map<K, EntryProcessorResult<T>> results = new LinkedHashMap<>();
    for (K key : keys) {
      try {
        T result = invoke(key, entryProcessor, arguments);
        if (result != null) {
          results.put(key, () -> result);
        }
      } catch (EntryProcessorException e) {
        results.put(key, () -> {
          throw e;
        });
      }
    }
    return results;
  }

  // ---------------------------------------------------------------- iteration

  /**
   * Iterates over the entries this JVM wrote that are still live; entries only other JVMs
   * wrote are not visited (a store has no cheap, consistent key listing to offer).
   */
  @Override
  public Iterator<Cache.Entry<K, V>> iterator() {
    requireOpen();
    Iterator<String> keys = new ArrayList<>(index.asMap().keySet()).iterator();
    return new Iterator<>() {
      private Cache.Entry<K, V> next;
      private K last;

      @Override
      public boolean hasNext() {
        while (next == null && keys.hasNext()) {
          String skey = keys.next();
          K key = keyOf(skey);
          ReentrantLock l = lock(skey);
          try {
            Slot s = current(skey, key);
            if (s.holds()) {
              long start = System.nanoTime();
              next = new JCacheEntry<>(key, s.value());
              stats.hits(1);
              accessed(s);
              stats.getTime(start);
            } else {
              index.invalidate(skey);
            }
          } finally {
            l.unlock();
          }
        }
        return next != null;
      }

      @Override
      public Cache.Entry<K, V> next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Cache.Entry<K, V> e = next;
        next = null;
        last = e.getKey();
        return e;
      }

      @Override
      public void remove() {
        if (last == null) {
          throw new IllegalStateException("next() has not been called");
        }
        LarderJCache.this.remove(last);
        last = null;
      }
    };
  }

  // ---------------------------------------------------------------- the rest of the contract

  @Override
  public String getName() {
    return name;
  }

  @Override
  public CacheManager getCacheManager() {
    return manager;
  }

  /** Returns a copy of the configuration: changing it does not change the cache. */
  @Override
  public <C extends Configuration<K, V>> C getConfiguration(Class<C> clazz) {
    MutableConfiguration<K, V> copy = new MutableConfiguration<>(config);
    if (clazz.isInstance(copy)) {
      return clazz.cast(copy);
    }
    throw new IllegalArgumentException("the configuration is not a " + clazz.getName());
  }

  @Override
  public void registerCacheEntryListener(CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
    requireOpen();
    Objects.requireNonNull(listenerConfiguration, "listenerConfiguration");
    config.addCacheEntryListenerConfiguration(listenerConfiguration);
    try {
      listeners.register(listenerConfiguration);
    } catch (RuntimeException e) {
      config.removeCacheEntryListenerConfiguration(listenerConfiguration);
      throw e;
    }
  }

  @Override
  public void deregisterCacheEntryListener(CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
    requireOpen();
    Objects.requireNonNull(listenerConfiguration, "listenerConfiguration");
    config.removeCacheEntryListenerConfiguration(listenerConfiguration);
    listeners.deregister(listenerConfiguration);
  }

  void setStatisticsEnabled(boolean on) {
    config.setStatisticsEnabled(on);
    stats.enabled(on);
    var bean = Management.name(Management.Kind.CacheStatistics, manager.getURI().toString(), name);
    if (on) {
      Management.register(stats, bean);
    } else {
      Management.unregister(bean);
    }
  }

  void setManagementEnabled(boolean on) {
    config.setManagementEnabled(on);
    var bean = Management.name(Management.Kind.CacheConfiguration, manager.getURI().toString(), name);
    if (on) {
      Management.register(new JCacheConfigBean(this), bean);
    } else {
      Management.unregister(bean);
    }
  }

  /** Registers the beans the configuration asks for; called once the cache is published. */
  void start() {
    if (config.isStatisticsEnabled()) {
      setStatisticsEnabled(true);
    }
    if (config.isManagementEnabled()) {
      setManagementEnabled(true);
    }
  }

  /** Empties the namespace and closes: what {@code destroyCache} does. */
  void destroy() {
    if (!closed) {
      store.clear();
    }
    close();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    manager.forget(this);
    Management.unregister(Management.name(Management.Kind.CacheStatistics, manager.getURI().toString(), name));
    Management.unregister(Management.name(Management.Kind.CacheConfiguration, manager.getURI().toString(), name));
    loads.shutdown();
    events.shutdown();
    try {
      // deliver what asynchronous listeners still have queued
      events.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Set<Object> closeables = new HashSet<>();
    closeables.add(configuredLoader);
    closeables.add(writer);
    closeables.add(expiry);
    for (Object o : closeables) {
      if (o instanceof Closeable c) {
        try {
          c.close();
        } catch (IOException | RuntimeException e) {
          LOG.log(Level.WARNING, "closing " + o + " of cache " + name + " failed", e);
        }
      }
    }
    listeners.close();
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  /**
   * Returns this cache as {@code clazz}: this class, or the Larder {@link io.larder.Cache} of
   * its namespace.
   *
   * @throws IllegalArgumentException if it is neither
   */
  @Override
  public <T> T unwrap(Class<T> clazz) {
    return Unwrapping.unwrap(clazz, "cache " + name, this, store);
  }

  @Override
  public String toString() {
    return "LarderJCache[" + name + "]";
  }
}

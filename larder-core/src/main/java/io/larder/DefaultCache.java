package io.larder;

import io.larder.spi.KeyRules;
import io.larder.spi.Store;
import io.larder.spi.StoredValue;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.larder.StatsCounter.Kind;

/** The {@link Cache} facade over a {@link Store}: keys, codecs, TTLs, scopes, stats, failures. */
final class DefaultCache implements Cache {
  private static final System.Logger LOG = System.getLogger(Cache.class.getName());
  static final Duration FOREVER_THRESHOLD = Duration.ofDays(36_525);
  static final int MAX_UPDATE_ATTEMPTS = 10_000;
  static final int MAX_REMEMBERED_NAMESPACES = 1_024;

  /** What the root cache and all its namespace views share. */
  static final class Shared {
    final Store store;
    final boolean ownsStore;
    final KeyRules rules;
    final int compressAbove;
    final boolean failOpen;
    final CodecRegistry codecs;
    final String description;
    final Scopes scopes = new Scopes();
    final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong lastErrorLog = new AtomicLong(System.nanoTime() - 2_000_000_000L);
    private final AtomicLong suppressedErrors = new AtomicLong();

    Shared(Store store, boolean ownsStore, int compressAbove, boolean failOpen,
        CodecRegistry codecs, String description) {
      this.store = store;
      this.ownsStore = ownsStore;
      this.rules = Objects.requireNonNull(store.keyRules(), "store.keyRules()");
      this.compressAbove = compressAbove;
      this.failOpen = failOpen;
      this.codecs = codecs;
      this.description = description;
    }

    /** Logs store failures at most once per second, counting the ones it holds back. */
    void logStoreError(String op, RuntimeException e) {
      long now = System.nanoTime();
      long last = lastErrorLog.get();
      if (now - last >= 1_000_000_000L && lastErrorLog.compareAndSet(last, now)) {
        long suppressed = suppressedErrors.getAndSet(0);
        LOG.log(Level.WARNING, () -> "cache store " + description + " failed in " + op
            + (suppressed > 0 ? " (" + suppressed + " more failures not logged)" : "")
            + (failOpen ? "; answering as a miss" : ""), e);
      } else {
        suppressedErrors.incrementAndGet();
      }
    }
  }

  private final Shared shared;
  private final List<String> path;
  private final String prefix;
  private final StatsCounter stats;
  private final Duration defaultTtl;
  /** Views by name, bounded so that a namespace per user or request cannot grow forever. */
  private final com.github.benmanes.caffeine.cache.Cache<String, DefaultCache> children =
      Caffeine.newBuilder().maximumSize(MAX_REMEMBERED_NAMESPACES).build();

  private final boolean root;

  DefaultCache(Shared shared, List<String> path, StatsCounter stats, Duration defaultTtl,
      boolean root) {
    this.shared = shared;
    this.root = root;
    this.path = List.copyOf(path);
    this.prefix = Keys.prefixOf(this.path);
    this.stats = stats;
    this.defaultTtl = defaultTtl;
  }

  // ---- keys, TTLs, calls ------------------------------------------------------------------

  private Keys.StoreKey key(String key) {
    return Keys.resolve(prefix, key, shared.rules);
  }

  /** Store TTL in ms, {@link Store#NO_EXPIRY}, or -1 for "expired already". */
  static long ttlMillis(Duration ttl) {
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isZero() || ttl.isNegative()) {
      return -1;
    }
    if (ttl.compareTo(FOREVER_THRESHOLD) >= 0) {
      return Store.NO_EXPIRY;
    }
    long ms = ttl.toMillis();
    return ttl.minusMillis(ms).isZero() ? ms : ms + 1;
  }

  private static long positiveTtl(Duration ttl, String what) {
    long ms = ttlMillis(ttl);
    if (ms < 0) {
      throw new IllegalArgumentException(what + " TTL must be positive, was " + ttl);
    }
    return ms;
  }

  private void requireOpen() {
    if (shared.closed.get()) {
      throw new IllegalStateException("cache " + shared.description + " is closed");
    }
  }

  /** Runs a store call, counting the round trip; store failures propagate as CacheException. */
  private <R> R rawCall(Supplier<R> call) {
    requireOpen();
    stats.inc(Kind.ROUND_TRIP);
    try {
      return call.get();
    } catch (CacheException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new CacheException("store " + shared.description + " failed: " + e, e);
    }
  }

  /**
   * Runs a store call; on failure, fail-open returns {@code fallback}, fail-closed rethrows.
   * A {@link CacheCodecException} is the caller's problem (say, incr on text), not a store
   * failure, and always propagates.
   */
  private <R> R call(String op, Supplier<R> call, R fallback) {
    try {
      return rawCall(call);
    } catch (CacheCodecException e) {
      throw e;
    } catch (CacheException e) {
      return storeFailed(op, e, fallback);
    }
  }

  private <R> R storeFailed(String op, CacheException e, R fallback) {
    stats.inc(Kind.STORE_ERROR);
    shared.logStoreError(op, e);
    if (!shared.failOpen) {
      throw e;
    }
    return fallback;
  }

  private <T> T decode(Keys.StoreKey k, byte[] raw, Codec<T> codec) {
    if (raw == null) {
      stats.inc(Kind.MISS);
      return null;
    }
    T value;
    try {
      value = codec.decode(Envelope.open(raw, uncheckedCounter(k, raw) ? null : k.checkedKey()));
      if (value == null) {
        throw new CacheCodecException(codec + " returned null");
      }
    } catch (RuntimeException e) {
      stats.inc(Kind.DECODE_ERROR);
      stats.inc(Kind.MISS);
      LOG.log(Level.DEBUG, () -> "undecodable value under " + k.full() + " read as a miss", e);
      return null;
    }
    stats.inc(Kind.HIT);
    return value;
  }

  /**
   * Counters live as plain decimal text even under hashed keys, with no key check: a server
   * must be able to increment them.
   */
  private static boolean uncheckedCounter(Keys.StoreKey k, byte[] bytes) {
    if (!k.hashed() || bytes.length == 0 || bytes.length > 21) {
      return false;
    }
    try {
      BuiltinCodecs.parseDecimal(bytes);
      return true;
    } catch (CacheCodecException e) {
      return false;
    }
  }

  private <T> byte[] seal(Keys.StoreKey k, T value, Codec<T> codec) {
    Objects.requireNonNull(value, "value");
    byte[] payload = codec.encode(value);
    if (payload == null) {
      throw new CacheCodecException(codec + " encoded a value as null");
    }
    if (uncheckedCounter(k, payload)) {
      return Envelope.seal(payload, 0, null);
    }
    return Envelope.seal(payload, shared.compressAbove, k.checkedKey());
  }

  /** Reads through the thread's scopes, then the store. */
  private byte[] read(Keys.StoreKey k) {
    byte[] known = shared.scopes.lookup(k.store());
    if (known != null) {
      stats.inc(Kind.PRELOAD_HIT);
      return known == Scopes.MISSING ? null : known;
    }
    return call("get", () -> shared.store.get(k.store()), null);
  }

  // ---- reads -------------------------------------------------------------------------------

  @Override
  public <T> T get(String key, Class<T> type) {
    return get(key, shared.codecs.forClass(type));
  }

  @Override
  public <T> T get(String key, Codec<T> codec) {
    Objects.requireNonNull(codec, "codec");
    Keys.StoreKey k = key(key);
    return decode(k, read(k), codec);
  }

  @Override
  public <T> Map<String, T> getMany(Collection<String> keys, Class<T> type) {
    return getMany(keys, shared.codecs.forClass(type));
  }

  @Override
  public <T> Map<String, T> getMany(Collection<String> keys, Codec<T> codec) {
    Objects.requireNonNull(codec, "codec");
    Map<String, Keys.StoreKey> resolved = resolveAll(keys);
    Map<String, byte[]> raw = new LinkedHashMap<>();
    List<String> toFetch = new ArrayList<>();
    for (Keys.StoreKey k : resolved.values()) {
      byte[] known = shared.scopes.lookup(k.store());
      if (known != null) {
        stats.inc(Kind.PRELOAD_HIT);
        if (known != Scopes.MISSING) {
          raw.put(k.store(), known);
        }
      } else {
        toFetch.add(k.store());
      }
    }
    if (!toFetch.isEmpty()) {
      Map<String, byte[]> fetched = call("getMany", () -> shared.store.getMany(toFetch), Map.of());
      raw.putAll(fetched);
    }
    Map<String, T> result = new LinkedHashMap<>();
    for (Map.Entry<String, Keys.StoreKey> e : resolved.entrySet()) {
      T value = decode(e.getValue(), raw.get(e.getValue().store()), codec);
      if (value != null) {
        result.put(e.getKey(), value);
      }
    }
    return result;
  }

  private Map<String, Keys.StoreKey> resolveAll(Collection<String> keys) {
    Objects.requireNonNull(keys, "keys");
    Map<String, Keys.StoreKey> resolved = new LinkedHashMap<>();
    for (String key : keys) {
      if (!resolved.containsKey(key)) {
        resolved.put(key, key(key));
      }
    }
    return resolved;
  }

  @Override
  public boolean exists(String key) {
    Keys.StoreKey k = key(key);
    byte[] known = shared.scopes.lookup(k.store());
    if (known != null) {
      stats.inc(Kind.PRELOAD_HIT);
      return known != Scopes.MISSING;
    }
    return call("exists", () -> shared.store.exists(k.store()), false);
  }

  // ---- writes ------------------------------------------------------------------------------

  @Override
  public void set(String key, Object value) {
    set(key, value, defaultTtl);
  }

  @Override
  public void set(String key, Object value, Duration ttl) {
    Objects.requireNonNull(value, "value");
    set(key, value, shared.codecs.forValue(value), ttl);
  }

  @Override
  public <T> void set(String key, T value, Codec<T> codec, Duration ttl) {
    Objects.requireNonNull(codec, "codec");
    Keys.StoreKey k = key(key);
    long ms = ttlMillis(ttl);
    byte[] bytes = seal(k, value, codec);
    if (ms < 0) {
      delete(k);
      return;
    }
    Boolean ok = call("set", () -> {
      shared.store.set(k.store(), bytes, ms);
      return Boolean.TRUE;
    }, null);
    afterWrite(k, ok, bytes);
  }

  private void afterWrite(Keys.StoreKey k, Boolean ok, byte[] bytes) {
    if (Boolean.TRUE.equals(ok)) {
      stats.inc(Kind.WRITE);
      shared.scopes.written(k.store(), bytes);
    } else {
      shared.scopes.forget(k.store());
    }
  }

  @Override
  public void setMany(Map<String, ?> entries) {
    setMany(entries, defaultTtl);
  }

  @Override
  public void setMany(Map<String, ?> entries, Duration ttl) {
    setManySealed(entries, (k, v) -> seal(k, v, shared.codecs.forValue(v)), ttl);
  }

  @Override
  public <T> void setMany(Map<String, ? extends T> entries, Codec<T> codec, Duration ttl) {
    Objects.requireNonNull(codec, "codec");
    setManySealed(entries, (k, v) -> seal(k, v, codec), ttl);
  }

  private <T> void setManySealed(Map<String, ? extends T> entries,
      BiFunction<Keys.StoreKey, T, byte[]> sealer, Duration ttl) {
    Objects.requireNonNull(entries, "entries");
    long ms = ttlMillis(ttl);
    Map<Keys.StoreKey, byte[]> sealed = new LinkedHashMap<>();
    for (Map.Entry<String, ? extends T> e : entries.entrySet()) {
      Keys.StoreKey k = key(e.getKey());
      Objects.requireNonNull(e.getValue(), () -> "value for key " + e.getKey());
      sealed.put(k, sealer.apply(k, e.getValue()));
    }
    if (sealed.isEmpty()) {
      return;
    }
    if (ms < 0) {
      deleteResolved(new ArrayList<>(sealed.keySet()));
      return;
    }
    Map<String, byte[]> byStoreKey = new LinkedHashMap<>();
    sealed.forEach((k, b) -> byStoreKey.put(k.store(), b));
    Boolean ok = call("setMany", () -> {
      shared.store.setMany(byStoreKey, ms);
      return Boolean.TRUE;
    }, null);
    for (Map.Entry<Keys.StoreKey, byte[]> e : sealed.entrySet()) {
      afterWrite(e.getKey(), ok, e.getValue());
    }
  }

  @Override
  public boolean add(String key, Object value) {
    return add(key, value, defaultTtl);
  }

  @Override
  public boolean add(String key, Object value, Duration ttl) {
    Objects.requireNonNull(value, "value");
    return add(key, value, shared.codecs.forValue(value), ttl);
  }

  @Override
  public <T> boolean add(String key, T value, Codec<T> codec, Duration ttl) {
    Objects.requireNonNull(codec, "codec");
    Keys.StoreKey k = key(key);
    long ms = ttlMillis(ttl);
    byte[] bytes = seal(k, value, codec);
    if (ms < 0) {
      return false;
    }
    Boolean added = call("add", () -> shared.store.add(k.store(), bytes, ms), null);
    afterWrite(k, added, bytes);
    return Boolean.TRUE.equals(added);
  }

  @Override
  public boolean delete(String key) {
    return delete(key(key));
  }

  private boolean delete(Keys.StoreKey k) {
    Boolean removed = call("delete", () -> shared.store.delete(k.store()), null);
    if (removed == null) {
      shared.scopes.forget(k.store());
      return false;
    }
    shared.scopes.written(k.store(), Scopes.MISSING);
    if (removed) {
      stats.inc(Kind.DELETE);
    }
    return removed;
  }

  @Override
  public int deleteMany(Collection<String> keys) {
    return deleteResolved(new ArrayList<>(resolveAll(keys).values()));
  }

  private int deleteResolved(List<Keys.StoreKey> keys) {
    if (keys.isEmpty()) {
      return 0;
    }
    List<String> storeKeys = new ArrayList<>(keys.size());
    keys.forEach(k -> storeKeys.add(k.store()));
    Integer removed = call("deleteMany", () -> shared.store.deleteMany(storeKeys), null);
    for (String k : storeKeys) {
      if (removed == null) {
        shared.scopes.forget(k);
      } else {
        shared.scopes.written(k, Scopes.MISSING);
      }
    }
    if (removed == null) {
      return 0;
    }
    stats.add(Kind.DELETE, removed);
    return removed;
  }

  @Override
  public boolean touch(String key) {
    return touch(key, defaultTtl);
  }

  @Override
  public boolean touch(String key, Duration ttl) {
    Keys.StoreKey k = key(key);
    long ms = ttlMillis(ttl);
    if (ms < 0) {
      return delete(k);
    }
    boolean touched = call("touch", () -> shared.store.touch(k.store(), ms), false);
    if (touched) {
      stats.inc(Kind.WRITE);
    }
    return touched;
  }

  // ---- counters ----------------------------------------------------------------------------

  @Override
  public long incr(String key) {
    return incr(key, 1, defaultTtl);
  }

  @Override
  public long incr(String key, long delta) {
    return incr(key, delta, defaultTtl);
  }

  @Override
  public long incr(String key, long delta, Duration ttl) {
    Keys.StoreKey k = key(key);
    long ms = positiveTtl(ttl, "counter");
    Long value;
    try {
      value = call("incr", () -> shared.store.incr(k.store(), delta, ms), null);
    } catch (CacheCodecException e) {
      shared.scopes.forget(k.store());
      throw e;
    }
    if (value == null) {
      shared.scopes.forget(k.store());
      return 0;
    }
    stats.inc(Kind.WRITE);
    shared.scopes.written(k.store(), Long.toString(value).getBytes(StandardCharsets.US_ASCII));
    return value;
  }

  @Override
  public long decr(String key) {
    return incr(key, -1, defaultTtl);
  }

  @Override
  public long decr(String key, long delta) {
    if (delta == Long.MIN_VALUE) {
      throw new IllegalArgumentException("decr delta must be greater than Long.MIN_VALUE");
    }
    return incr(key, -delta, defaultTtl);
  }

  // ---- compare-and-set ---------------------------------------------------------------------

  @Override
  public <T> Versioned<T> getVersioned(String key, Class<T> type) {
    return getVersioned(key, shared.codecs.forClass(type));
  }

  @Override
  public <T> Versioned<T> getVersioned(String key, Codec<T> codec) {
    Objects.requireNonNull(codec, "codec");
    Keys.StoreKey k = key(key);
    StoredValue stored = call("getVersioned", () -> shared.store.getVersioned(k.store()), null);
    return versioned(k, stored, codec);
  }

  private <T> Versioned<T> versioned(Keys.StoreKey k, StoredValue stored, Codec<T> codec) {
    T value = decode(k, stored == null ? null : stored.bytes(), codec);
    return new Versioned<>(shared, k, stored, codec, value);
  }

  @Override
  public <T> boolean compareAndSet(Versioned<T> read, T value) {
    return compareAndSet(read, value, defaultTtl);
  }

  @Override
  public <T> boolean compareAndSet(Versioned<T> read, T value, Duration ttl) {
    Objects.requireNonNull(read, "read");
    if (read.owner != shared || !read.key.full().equals(key(read.key.userKey()).full())) {
      throw new IllegalArgumentException(
          "versioned value for key '" + read.key() + "' was read from another cache");
    }
    long ms = positiveTtl(ttl, "compare-and-set");
    byte[] bytes = seal(read.key, value, read.codec);
    Boolean ok = call("compareAndSet",
        () -> shared.store.compareAndSet(read.key.store(), read.stored, bytes, ms), null);
    afterWrite(read.key, ok, bytes);
    return Boolean.TRUE.equals(ok);
  }

  @Override
  public <T> T update(String key, Class<T> type, UnaryOperator<T> fn) {
    return update(key, shared.codecs.forClass(type), fn);
  }

  @Override
  public <T> T update(String key, Codec<T> codec, UnaryOperator<T> fn) {
    return update(key, codec, defaultTtl, fn);
  }

  @Override
  public <T> T update(String key, Codec<T> codec, Duration ttl, UnaryOperator<T> fn) {
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(fn, "fn");
    Keys.StoreKey k = key(key);
    long ms = positiveTtl(ttl, "update");
    try {
      for (int attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
        if (Thread.currentThread().isInterrupted()) {
          // the flag stays set for the caller
          throw new CacheException("update of key '" + key + "' interrupted");
        }
        StoredValue stored = rawCall(() -> shared.store.getVersioned(k.store()));
        T current = decode(k, stored == null ? null : stored.bytes(), codec);
        T next = fn.apply(current);
        if (next == null) {
          return null;
        }
        byte[] bytes = seal(k, next, codec);
        if (rawCall(() -> shared.store.compareAndSet(k.store(), stored, bytes, ms))) {
          afterWrite(k, true, bytes);
          return next;
        }
        backoff(attempt);
      }
    } catch (CacheCodecException e) {
      throw e;
    } catch (CacheException e) {
      shared.scopes.forget(k.store());
      return storeFailed("update", e, null);
    }
    shared.scopes.forget(k.store());
    throw new CacheException("update of key '" + key + "' gave up after "
        + MAX_UPDATE_ATTEMPTS + " conflicting writes");
  }

  /** Spins briefly, then parks for a random, growing time of up to about 2 ms. */
  private static void backoff(int attempt) {
    if (attempt < 4) {
      Thread.onSpinWait();
      return;
    }
    long maxNanos = 1_000L << Math.min(attempt, 11);
    LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(maxNanos / 2, maxNanos + 1));
  }

  // ---- namespaces, scopes, lifecycle -------------------------------------------------------

  @Override
  public void clear() {
    Boolean ok = call("clear", () -> {
      shared.store.clear(prefix);
      return Boolean.TRUE;
    }, null);
    if (ok != null) {
      shared.scopes.cleared(prefix);
    }
  }

  @Override
  public Cache namespace(String name) {
    Keys.encodeSegment(name);
    requireOpen();
    return children.get(name, n -> {
      List<String> childPath = new ArrayList<>(path);
      childPath.add(n);
      DefaultCache child = new DefaultCache(shared, childPath, new StatsCounter(stats), defaultTtl,
          false);
      // fail now, not on the first key, if the store cannot hold this namespace's keys
      Keys.resolve(child.prefix, "#", shared.rules);
      return child;
    });
  }

  @Override
  public Preload preload(String... keys) {
    Objects.requireNonNull(keys, "keys");
    return preload(List.of(keys));
  }

  @Override
  public Preload preload(Collection<String> keys) {
    Map<String, Keys.StoreKey> resolved = resolveAll(keys);
    Map<String, byte[]> entries = new LinkedHashMap<>();
    List<String> toFetch = new ArrayList<>();
    for (Keys.StoreKey k : resolved.values()) {
      byte[] known = shared.scopes.lookup(k.store());
      if (known != null) {
        entries.put(k.store(), known);
      } else {
        toFetch.add(k.store());
      }
    }
    if (!toFetch.isEmpty()) {
      // fail-open: a store that failed the bulk read answers the scope's reads as misses,
      // rather than being asked again, key by key, within the same request
      Map<String, byte[]> fetched = call("preload", () -> shared.store.getMany(toFetch), Map.of());
      for (String k : toFetch) {
        byte[] b = fetched.get(k);
        entries.put(k, b == null ? Scopes.MISSING : b);
      }
    }
    return shared.scopes.open(Collections.unmodifiableSet(new LinkedHashSet<>(resolved.keySet())),
        entries);
  }

  @Override
  public CacheStats stats() {
    return stats.snapshot();
  }

  @Override
  public Duration defaultTtl() {
    return defaultTtl;
  }

  @Override
  public void close() {
    if (root && shared.closed.compareAndSet(false, true) && shared.ownsStore) {
      shared.store.close();
    }
  }

  @Override
  public String toString() {
    return "Cache[" + shared.description + (prefix.isEmpty() ? "" : ", prefix " + prefix) + "]";
  }
}

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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.time.InstantSource;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import io.larder.spi.Counters;
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
    /** Whether the store's reads return arrays no one else holds ({@link Store#readsReturnCopies}). */
    final boolean ownedReads;
    final int compressAbove;
    final boolean failOpen;
    final CodecRegistry codecs;
    final String description;
    final InstantSource clock;
    /** The clear prefix of the root cache: where tags and learned key lists live. */
    final String rootPrefix;
    final Scopes scopes = new Scopes();
    final AtomicBoolean closed = new AtomicBoolean();
    /** Computations in flight in this JVM, by store key: one per key (single flight). */
    final ConcurrentMap<String, CompletableFuture<Object>> inflight = new ConcurrentHashMap<>();
    /** The store keys each learned preload read last time, by name. */
    final com.github.benmanes.caffeine.cache.Cache<String, List<String>> learned =
        Caffeine.newBuilder().maximumSize(10_000).build();
    private volatile ExecutorService background;
    private final AtomicLong lastErrorLog = new AtomicLong(System.nanoTime() - 2_000_000_000L);
    private final AtomicLong suppressedErrors = new AtomicLong();

    Shared(Store store, boolean ownsStore, int compressAbove, boolean failOpen,
        CodecRegistry codecs, String description, InstantSource clock, String rootPrefix) {
      this.store = store;
      this.clock = clock;
      this.rootPrefix = rootPrefix;
      this.ownsStore = ownsStore;
      io.larder.spi.StoreTraits traits = Objects.requireNonNull(store.traits(), "store.traits()");
      this.rules = traits.keyRules();
      this.ownedReads = traits.readsReturnCopies();
      this.compressAbove = compressAbove;
      this.failOpen = failOpen;
      this.codecs = codecs;
      this.description = description;
    }

    /** Returns the executor for background refreshes, started on first use. */
    ExecutorService background() {
      ExecutorService e = background;
      if (e == null) {
        synchronized (this) {
          e = background;
          if (e == null) {
            AtomicLong n = new AtomicLong();
            e = Executors.newCachedThreadPool(r -> {
              Thread t = new Thread(r, "larder-refresh-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
            background = e;
          }
        }
      }
      return e;
    }

    void closeBackground() {
      ExecutorService e = background;
      if (e != null) {
        e.shutdownNow();
      }
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
  /** The tags of a {@link #tagged} view; empty for an ordinary view. */
  private final List<String> tags;

  DefaultCache(Shared shared, List<String> path, StatsCounter stats, Duration defaultTtl,
      boolean root) {
    this(shared, path, stats, defaultTtl, root, List.of());
  }

  private DefaultCache(Shared shared, List<String> path, StatsCounter stats, Duration defaultTtl,
      boolean root, List<String> tags) {
    this.shared = shared;
    this.root = root;
    this.path = List.copyOf(path);
    this.prefix = Keys.prefixOf(this.path);
    this.stats = stats;
    this.defaultTtl = defaultTtl;
    this.tags = List.copyOf(tags);
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

  /** A read of one key: absent, a cached {@code null}, or a value; with its metadata. */
  record Entry<T>(boolean present, T value, Envelope.Meta meta) {
    static <T> Entry<T> absent() {
      return new Entry<>(false, null, Envelope.Meta.NONE);
    }
  }

  /** Opens bytes a store read returned (so owned when the store returns copies). */
  private <T> T decode(Keys.StoreKey k, byte[] raw, Codec<T> codec) {
    return open(k, raw, codec, Map.of(), shared.ownedReads).value();
  }

  /**
   * Opens stored bytes, counting the hit or miss: undecodable bytes, and values written under
   * a tag generation that has moved on, read as absent.
   *
   * @param known bytes already read for other store keys (tag generations), by store key
   * @param owned whether no one else holds {@code raw} (a store's copy, not a scope's or an
   *     in-process store's array), so that a byte-array value may be the very array
   */
  private <T> Entry<T> open(Keys.StoreKey k, byte[] raw, Codec<T> codec, Map<String, byte[]> known,
      boolean owned) {
    if (raw == null) {
      stats.inc(Kind.MISS);
      return Entry.absent();
    }
    Envelope.Opened opened;
    T value;
    try {
      opened = Envelope.unseal(raw, uncheckedCounter(k, raw) ? null : k.checkedKey());
      if (opened.meta().nullValue()) {
        value = null;
      } else {
        byte[] payload = opened.payload();
        // a payload behind a header is always a new array
        value = codec instanceof BuiltinCodecs.Adopting<T> adopting && (owned || payload != raw)
            ? adopting.adopt(payload) : codec.decode(payload);
        if (value == null) {
          throw new CacheCodecException(codec + " returned null");
        }
      }
    } catch (RuntimeException e) {
      stats.inc(Kind.DECODE_ERROR);
      stats.inc(Kind.MISS);
      LOG.log(Level.DEBUG, () -> "undecodable value under " + k.full() + " read as a miss", e);
      return Entry.absent();
    }
    if (!opened.meta().tags().isEmpty() && !tagsCurrent(opened.meta().tags(), known)) {
      stats.inc(Kind.MISS);
      return Entry.absent();
    }
    stats.inc(Kind.HIT);
    stats.add(Kind.TIME_SAVED, opened.meta().computeMillis());
    return new Entry<>(true, value, opened.meta());
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
    return seal(k, value, codec, writeMeta());
  }

  /** Seals a value, or a cached {@code null} when {@code meta} says so. */
  private <T> byte[] seal(Keys.StoreKey k, T value, Codec<T> codec, Envelope.Meta meta) {
    if (meta.nullValue()) {
      return Envelope.seal(new byte[0], 0, k.checkedKey(), meta);
    }
    Objects.requireNonNull(value, "value");
    byte[] payload = codec.encode(value);
    if (payload == null) {
      throw new CacheCodecException(codec + " encoded a value as null");
    }
    if (meta.equals(Envelope.Meta.NONE) && uncheckedCounter(k, payload)) {
      return Envelope.seal(payload, 0, null);
    }
    return Envelope.seal(payload, shared.compressAbove, k.checkedKey(), meta);
  }

  /** The metadata of a plain write: the current generations of this view's tags, if any. */
  private Envelope.Meta writeMeta() {
    return tags.isEmpty() ? Envelope.Meta.NONE
        : new Envelope.Meta(0, 0, generations(tags, Map.of()), false);
  }

  /**
   * Records a read of a store key in the thread's learning scopes and returns what an open
   * scope knows of it: its bytes, {@link Scopes#MISSING}, or {@code null} if no scope knows it.
   *
   * @param userRead whether this is the caller's read (counted as a preload hit) or Larder's
   *     own (a tag generation)
   */
  private byte[] scopeRead(String storeKey, boolean userRead) {
    shared.scopes.recordRead(storeKey);
    byte[] known = shared.scopes.lookup(storeKey);
    if (known != null && userRead) {
      stats.inc(Kind.PRELOAD_HIT);
    }
    return known;
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
    return readEntry(k, codec).value();
  }

  /**
   * Reads and opens one key; on a tagged view the tags' generations come in the same round
   * trip as the value.
   */
  private <T> Entry<T> readEntry(Keys.StoreKey k, Codec<T> codec) {
    if (tags.isEmpty()) {
      byte[] known = scopeRead(k.store(), true);
      if (known != null) {
        return open(k, known == Scopes.MISSING ? null : known, codec, Map.of(), false);
      }
      byte[] raw = call("get", () -> shared.store.get(k.store()), null);
      return open(k, raw, codec, Map.of(), shared.ownedReads);
    }
    List<String> keys = new ArrayList<>();
    keys.add(k.store());
    for (String tag : tags) {
      keys.add(tagKey(tag).store());
    }
    Raw raw = readRaw(keys, true);
    return open(k, raw.bytes().get(k.store()), codec, raw.bytes(), raw.owned());
  }

  /**
   * Bytes read for store keys (absent keys left out; not to be modified), and whether every
   * array in it is the caller's own (see {@link #open}).
   */
  private record Raw(Map<String, byte[]> bytes, boolean owned) {}

  /**
   * Reads store keys through the thread's scopes, then in one bulk call for the rest.
   *
   * @param userRead whether these are the caller's reads (counted as preload hits) or
   *     Larder's own (tag generations)
   */
  private Raw readRaw(Collection<String> storeKeys, boolean userRead) {
    Map<String, byte[]> fromScopes = null;
    List<String> toFetch = new ArrayList<>(storeKeys.size());
    for (String k : storeKeys) {
      byte[] known = scopeRead(k, userRead);
      if (known == null) {
        toFetch.add(k);
      } else if (known != Scopes.MISSING) {
        if (fromScopes == null) {
          fromScopes = new HashMap<>();
        }
        fromScopes.put(k, known);
      }
    }
    Map<String, byte[]> fetched = toFetch.isEmpty() ? Map.of()
        : call("getMany", () -> shared.store.getMany(toFetch), Map.of());
    if (fromScopes == null) {
      return new Raw(fetched, shared.ownedReads);
    }
    fromScopes.putAll(fetched);
    return new Raw(fromScopes, false);
  }

  @Override
  public <T> Map<String, T> getMany(Collection<String> keys, Class<T> type) {
    return getMany(keys, shared.codecs.forClass(type));
  }

  @Override
  public <T> Map<String, T> getMany(Collection<String> keys, Codec<T> codec) {
    Objects.requireNonNull(codec, "codec");
    Map<String, Keys.StoreKey> resolved = resolveAll(keys);
    List<String> storeKeys = new ArrayList<>(resolved.size() + tags.size());
    resolved.values().forEach(k -> storeKeys.add(k.store()));
    Raw raw = readRaw(storeKeys, true);
    Map<String, byte[]> bytes = raw.bytes();
    if (!tags.isEmpty()) {
      List<String> tagKeys = new ArrayList<>();
      tags.forEach(t -> tagKeys.add(tagKey(t).store()));
      bytes = new HashMap<>(bytes);
      bytes.putAll(readRaw(tagKeys, false).bytes());
    }
    Map<String, T> result = new LinkedHashMap<>(capacity(resolved.size()));
    for (Map.Entry<String, Keys.StoreKey> e : resolved.entrySet()) {
      Keys.StoreKey k = e.getValue();
      T value = open(k, bytes.get(k.store()), codec, bytes, raw.owned()).value();
      if (value != null) {
        result.put(e.getKey(), value);
      }
    }
    return result;
  }

  /** The initial capacity of a hash map that holds {@code n} entries without growing. */
  private static int capacity(int n) {
    return n < 3 ? n + 1 : (int) Math.min(Integer.MAX_VALUE, n / 0.75 + 1);
  }

  private Map<String, Keys.StoreKey> resolveAll(Collection<String> keys) {
    Objects.requireNonNull(keys, "keys");
    Map<String, Keys.StoreKey> resolved = new LinkedHashMap<>(capacity(keys.size()));
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
    shared.scopes.recordRead(k.store());
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
    Envelope.Meta meta = entries.isEmpty() ? Envelope.Meta.NONE : writeMeta();
    setManySealed(entries, (k, v) -> seal(k, v, shared.codecs.forValue(v), meta), ttl);
  }

  @Override
  public <T> void setMany(Map<String, ? extends T> entries, Codec<T> codec, Duration ttl) {
    Objects.requireNonNull(codec, "codec");
    Envelope.Meta meta = entries.isEmpty() ? Envelope.Meta.NONE : writeMeta();
    setManySealed(entries, (k, v) -> seal(k, v, codec, meta), ttl);
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
    if (!tags.isEmpty()) {
      throw new IllegalStateException("counters cannot be tagged: a server increments them as "
          + "plain decimal text, which has no room for tag generations");
    }
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

  // ---- tags --------------------------------------------------------------------------------

  @Override
  public Cache tagged(String... tagNames) {
    Objects.requireNonNull(tagNames, "tags");
    if (tagNames.length == 0) {
      throw new IllegalArgumentException("tagged(...) needs at least one tag");
    }
    LinkedHashSet<String> all = new LinkedHashSet<>(tags);
    for (String tag : tagNames) {
      tagKey(tag);
      all.add(tag);
    }
    return new DefaultCache(shared, path, stats, defaultTtl, false, new ArrayList<>(all));
  }

  @Override
  public void invalidateTag(String tag) {
    Keys.StoreKey k = tagKey(tag);
    Long generation = call("invalidateTag", () -> shared.store.incr(k.store(), 1, Store.NO_EXPIRY),
        null);
    if (generation == null) {
      shared.scopes.forget(k.store());
    } else {
      shared.scopes.written(k.store(), Counters.format(generation));
    }
  }

  /** The store key of a tag's generation counter; tags belong to the root cache. */
  private Keys.StoreKey tagKey(String tag) {
    Objects.requireNonNull(tag, "tag");
    if (tag.isEmpty()) {
      throw new IllegalArgumentException("tag must not be empty");
    }
    return Keys.resolve(Keys.internalPrefix(shared.rootPrefix, "tag"), tag, shared.rules);
  }

  /**
   * Returns the current generations of tags, reading those not in {@code known} in one round
   * trip and starting missing ones.
   */
  private Map<String, Long> generations(Collection<String> tagNames, Map<String, byte[]> known) {
    Map<String, Keys.StoreKey> keys = new LinkedHashMap<>();
    List<String> unknown = new ArrayList<>();
    for (String tag : tagNames) {
      Keys.StoreKey k = tagKey(tag);
      keys.put(tag, k);
      if (!known.containsKey(k.store())) {
        unknown.add(k.store());
      }
    }
    Map<String, byte[]> raw = unknown.isEmpty() ? known : new HashMap<>(known);
    if (!unknown.isEmpty()) {
      raw.putAll(readRaw(unknown, false).bytes());
    }
    Map<String, Long> generations = new LinkedHashMap<>();
    for (Map.Entry<String, Keys.StoreKey> e : keys.entrySet()) {
      byte[] bytes = raw.get(e.getValue().store());
      Long generation = null;
      if (bytes != null) {
        try {
          generation = Counters.parse(e.getValue().store(), bytes);
        } catch (CacheCodecException corrupt) {
          generation = null;
        }
      }
      generations.put(e.getKey(), generation != null ? generation : startGeneration(e.getValue()));
    }
    return generations;
  }

  /**
   * Starts a missing tag generation at a random number, not at zero: a generation counter
   * that was evicted and started again must not match the generation old entries recorded.
   */
  private long startGeneration(Keys.StoreKey k) {
    long start = ThreadLocalRandom.current().nextLong(1L << 32, 1L << 62);
    byte[] bytes = Counters.format(start);
    Boolean added = call("tag", () -> shared.store.add(k.store(), bytes, Store.NO_EXPIRY), null);
    if (Boolean.TRUE.equals(added)) {
      shared.scopes.written(k.store(), bytes);
      return start;
    }
    if (added != null) {
      byte[] theirs = call("tag", () -> shared.store.get(k.store()), null);
      if (theirs != null) {
        try {
          return Counters.parse(k.store(), theirs);
        } catch (CacheCodecException corrupt) {
          call("tag", () -> {
            shared.store.set(k.store(), bytes, Store.NO_EXPIRY);
            return null;
          }, null);
        }
      }
    }
    // the store failed (fail-open): a generation nobody holds makes the entry a miss
    shared.scopes.forget(k.store());
    return start;
  }

  private boolean tagsCurrent(Map<String, Long> recorded, Map<String, byte[]> known) {
    Map<String, Long> current = generations(recorded.keySet(), known);
    return current.equals(recorded);
  }

  // ---- getOrCompute ------------------------------------------------------------------------

  @Override
  public <T> T getOrCompute(String key, Class<T> type, Duration ttl, Supplier<? extends T> loader) {
    return getOrCompute(key, shared.codecs.forClass(type), Freshness.of(ttl), loader);
  }

  @Override
  public <T> T getOrCompute(String key, Class<T> type, Freshness freshness,
      Supplier<? extends T> loader) {
    return getOrCompute(key, shared.codecs.forClass(type), freshness, loader);
  }

  @Override
  public <T> T getOrCompute(String key, Codec<T> codec, Freshness freshness,
      Supplier<? extends T> loader) {
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(freshness, "freshness");
    Objects.requireNonNull(loader, "loader");
    return compute(key(key), codec, freshness, loader, false).value();
  }

  /**
   * The heart of getOrCompute and memoize: a fresh value from the cache, or one computation
   * per key in this JVM (and, with a lease, in the fleet), with early recomputation and
   * stale-while-revalidate.
   *
   * @return the entry; absent only if the loader returned {@code null} and nulls are not
   *     cached
   */
  <T> Entry<T> compute(Keys.StoreKey k, Codec<T> codec, Freshness f, Supplier<? extends T> loader,
      boolean cacheNulls) {
    Entry<T> cached = readEntry(k, codec);
    if (cached.present()) {
      long now = shared.clock.millis();
      long freshUntil = cached.meta().freshUntil();
      if (freshUntil == 0 || now < freshUntil) {
        if (f.beta() > 0 && freshUntil != 0 && EarlyRefresh.shouldRecompute(now, freshUntil,
            cached.meta().computeMillis(), f.beta(), 1.0 - ThreadLocalRandom.current().nextDouble())) {
          CompletableFuture<Object> mine = new CompletableFuture<>();
          if (shared.inflight.putIfAbsent(k.store(), mine) == null) {
            return lead(k, codec, f, loader, cacheNulls, mine, cached);
          }
        }
        return cached;
      }
      if (!f.staleTime().isZero()) {
        refreshInBackground(k, codec, f, loader, cacheNulls, cached);
        return cached;
      }
    }
    CompletableFuture<Object> mine = new CompletableFuture<>();
    CompletableFuture<Object> running = shared.inflight.putIfAbsent(k.store(), mine);
    if (running != null) {
      return await(running);
    }
    return lead(k, codec, f, loader, cacheNulls, mine, null);
  }

  /** Waits for another caller's computation of the same key. */
  @SuppressWarnings("unchecked")
  private static <T> Entry<T> await(CompletableFuture<Object> running) {
    try {
      return (Entry<T>) running.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CacheException("interrupted while waiting for another caller's computation", e);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new CacheException("computation failed", cause);
    }
  }

  private <T> void refreshInBackground(Keys.StoreKey k, Codec<T> codec, Freshness f,
      Supplier<? extends T> loader, boolean cacheNulls, Entry<T> stale) {
    CompletableFuture<Object> mine = new CompletableFuture<>();
    if (shared.inflight.putIfAbsent(k.store(), mine) != null) {
      return; // somebody is refreshing it already
    }
    try {
      shared.background().execute(() -> {
        try {
          lead(k, codec, f, loader, cacheNulls, mine, stale);
        } catch (RuntimeException | Error e) {
          LOG.log(Level.WARNING, () -> "background refresh of " + k.full() + " failed", e);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      shared.inflight.remove(k.store(), mine);
      mine.complete(stale);
    }
  }

  /**
   * Computes as the one caller in this JVM; publishes the outcome to the callers waiting on
   * {@code mine}.
   *
   * @param current a value to fall back on (early or background refresh): with a lease held
   *     elsewhere, this caller does not wait but returns it; {@code null} for a miss
   */
  private <T> Entry<T> lead(Keys.StoreKey k, Codec<T> codec, Freshness f,
      Supplier<? extends T> loader, boolean cacheNulls, CompletableFuture<Object> mine,
      Entry<T> current) {
    try {
      Entry<T> result = computeAndStore(k, codec, f, loader, cacheNulls, current);
      mine.complete(result);
      return result;
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      shared.inflight.remove(k.store(), mine);
    }
  }

  private <T> Entry<T> computeAndStore(Keys.StoreKey k, Codec<T> codec, Freshness f,
      Supplier<? extends T> loader, boolean cacheNulls, Entry<T> current) {
    Keys.StoreKey lease = null;
    if (!f.leaseTime().isZero()) {
      Keys.StoreKey leaseKey = Keys.resolve(Keys.internalPrefix(prefix, "lease"), k.full(),
          shared.rules);
      long leaseMillis = ttlMillis(f.leaseTime());
      Boolean won = call("lease",
          () -> shared.store.add(leaseKey.store(), LEASE_TOKEN, leaseMillis), null);
      if (Boolean.TRUE.equals(won)) {
        lease = leaseKey;
        if (current == null) {
          // The previous holder may have stored its value and released the lease between our
          // miss and our add: its value is there now, and computing again would be a second
          // computation for one miss. The holder stores before it releases, so this read sees it.
          byte[] raw = call("get", () -> shared.store.get(k.store()), null);
          Entry<T> stored = raw == null ? Entry.absent()
              : open(k, raw, codec, Map.of(), shared.ownedReads);
          if (stored.present()) {
            call("lease", () -> shared.store.delete(leaseKey.store()), null);
            return stored;
          }
        }
      } else if (Boolean.FALSE.equals(won)) {
        if (current != null) {
          return current; // another process is refreshing it; keep serving what we have
        }
        Entry<T> theirs = awaitLeaseHolder(k, codec, f);
        if (theirs != null) {
          return theirs;
        }
        // the holder is slow or died: compute here rather than wait any longer
      }
      // won == null: the store failed (fail-open); compute without a lease
    }
    try {
      long started = System.nanoTime();
      T value = loader.get();
      long computeMillis = Math.max(1, (System.nanoTime() - started) / 1_000_000);
      if (value == null && !cacheNulls) {
        return Entry.absent();
      }
      long now = shared.clock.millis();
      long freshMillis = ttlMillis(f.ttl());
      long freshUntil = freshMillis == Store.NO_EXPIRY ? 0 : now + freshMillis;
      Envelope.Meta base = writeMeta();
      Envelope.Meta meta = new Envelope.Meta(computeMillis, freshUntil, base.tags(), value == null);
      byte[] bytes = seal(k, value, codec, meta);
      long storeTtl = freshMillis == Store.NO_EXPIRY ? Store.NO_EXPIRY
          : ttlMillis(f.ttl().plus(f.staleTime()));
      Boolean ok = call("set", () -> {
        shared.store.set(k.store(), bytes, storeTtl);
        return Boolean.TRUE;
      }, null);
      afterWrite(k, ok, bytes);
      return new Entry<>(true, value, meta);
    } finally {
      if (lease != null) {
        Keys.StoreKey held = lease;
        call("lease", () -> shared.store.delete(held.store()), null);
      }
    }
  }

  /**
   * How long a learned key list lives in the store without being rewritten: lists of pages
   * nobody visits any more go away; a page visited again learns again in one request.
   */
  static final long LEARNED_LIST_TTL_MILLIS = Duration.ofDays(7).toMillis();

  private static final byte[] LEASE_TOKEN = "lease".getBytes(StandardCharsets.US_ASCII);

  /**
   * Waits, with backoff, up to the lease time for the lease holder's value; {@code null} if
   * none came.
   */
  private <T> Entry<T> awaitLeaseHolder(Keys.StoreKey k, Codec<T> codec, Freshness f) {
    long deadline = System.nanoTime() + f.leaseTime().toNanos();
    long sleepNanos = 2_000_000;
    while (System.nanoTime() < deadline) {
      LockSupport.parkNanos(Math.min(sleepNanos, Math.max(0, deadline - System.nanoTime())));
      if (Thread.currentThread().isInterrupted()) {
        throw new CacheException("interrupted while waiting for a lease holder's value");
      }
      byte[] raw = call("get", () -> shared.store.get(k.store()), null);
      if (raw != null) {
        Entry<T> e = open(k, raw, codec, Map.of(), shared.ownedReads);
        if (e.present()) {
          return e;
        }
      }
      sleepNanos = Math.min(sleepNanos * 2, 100_000_000);
    }
    return null;
  }

  // ---- memoize -----------------------------------------------------------------------------

  @Override
  public <A, R> Memoized<A, R> memoize(String name, Class<A> argType, Class<R> resultType,
      Function<? super A, ? extends R> fn, Duration ttl) {
    return memoizer(name, argType, shared.codecs.forClass(resultType)).ttl(ttl).of(fn);
  }

  @Override
  public <K, V> MemoizedAll<K, V> memoizeAll(String name, Class<K> keyType, Class<V> valueType,
      Function<? super Set<K>, ? extends Map<K, ? extends V>> fn, Duration ttl) {
    return memoizer(name, keyType, shared.codecs.forClass(valueType)).ttl(ttl).ofAll(fn);
  }

  @Override
  public <A, R> Memoizer<A, R> memoizer(String name, Class<A> argType, Codec<R> codec) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(argType, "argType");
    Objects.requireNonNull(codec, "codec");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("memoized function name must not be empty");
    }
    return new Memoizer<>(this, name, argType, codec);
  }

  /** The store key of a memoized function's result for an encoded argument. */
  Keys.StoreKey memoKey(String name, String encodedArgument) {
    StringBuilder key = new StringBuilder();
    key.append(name.length()).append(':').append(name).append(encodedArgument);
    return Keys.resolve(Keys.internalPrefix(prefix, "memo"), key.toString(), shared.rules);
  }

  /** Deletes a memoized result. */
  boolean deleteKey(Keys.StoreKey k) {
    return delete(k);
  }

  /**
   * Reads memoized results in one round trip, computes the missing ones with one call, and
   * stores them in one round trip.
   */
  <K, V> Map<K, V> computeAll(Map<K, Keys.StoreKey> keys, Codec<V> codec, Freshness f,
      boolean cacheNulls, Function<? super Set<K>, ? extends Map<K, ? extends V>> fn) {
    List<String> storeKeys = new ArrayList<>();
    keys.values().forEach(k -> storeKeys.add(k.store()));
    Raw raw = readRaw(storeKeys, true);
    Map<K, V> result = new LinkedHashMap<>();
    Set<K> missing = new LinkedHashSet<>();
    long now = shared.clock.millis();
    for (Map.Entry<K, Keys.StoreKey> e : keys.entrySet()) {
      Entry<V> entry = open(e.getValue(), raw.bytes().get(e.getValue().store()), codec,
          raw.bytes(), raw.owned());
      long freshUntil = entry.meta().freshUntil();
      if (!entry.present() || (freshUntil != 0 && now >= freshUntil)) {
        missing.add(e.getKey());
      } else if (entry.value() != null) {
        result.put(e.getKey(), entry.value());
      }
    }
    if (missing.isEmpty()) {
      return result;
    }
    long started = System.nanoTime();
    Map<K, ? extends V> computed = fn.apply(java.util.Collections.unmodifiableSet(missing));
    long computeMillis = Math.max(1, (System.nanoTime() - started) / 1_000_000);
    if (computed == null) {
      throw new IllegalStateException("the bulk function of a memoizeAll returned null");
    }
    long freshMillis = ttlMillis(f.ttl());
    long freshUntil = freshMillis == Store.NO_EXPIRY ? 0 : shared.clock.millis() + freshMillis;
    Map<String, byte[]> toStore = new LinkedHashMap<>();
    Map<Keys.StoreKey, byte[]> written = new LinkedHashMap<>();
    Envelope.Meta base = writeMeta();
    for (K key : missing) {
      V value = computed.get(key);
      if (value == null && !cacheNulls) {
        continue;
      }
      Keys.StoreKey k = keys.get(key);
      byte[] bytes = seal(k, value, codec,
          new Envelope.Meta(computeMillis, freshUntil, base.tags(), value == null));
      toStore.put(k.store(), bytes);
      written.put(k, bytes);
      if (value != null) {
        result.put(key, value);
      }
    }
    if (!toStore.isEmpty()) {
      long storeTtl = freshMillis == Store.NO_EXPIRY ? Store.NO_EXPIRY
          : ttlMillis(f.ttl().plus(f.staleTime()));
      Boolean ok = call("setMany", () -> {
        shared.store.setMany(toStore, storeTtl);
        return Boolean.TRUE;
      }, null);
      written.forEach((k, bytes) -> afterWrite(k, ok, bytes));
    }
    return result;
  }

  // ---- learned preload ---------------------------------------------------------------------

  @Override
  public Preload learnedPreload(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("learned preload name must not be empty");
    }
    requireOpen();
    Keys.StoreKey listKey = Keys.resolve(Keys.internalPrefix(shared.rootPrefix, "learn"), name,
        shared.rules);
    List<String> learnedKeys = shared.learned.getIfPresent(name);
    Map<String, byte[]> entries = new LinkedHashMap<>();
    List<String> toFetch = new ArrayList<>();
    toFetch.add(listKey.store());
    if (learnedKeys != null) {
      toFetch.addAll(learnedKeys);
    }
    Map<String, byte[]> fetched = fetchForScope(toFetch, entries);
    byte[] storedList = fetched.get(listKey.store());
    List<String> fromStore = storedList == null ? null : LearnedKeys.decode(storedList);
    if (learnedKeys == null && fromStore != null && !fromStore.isEmpty()) {
      // a cold JVM: another server's list, then its data (the only time this costs two)
      fetchForScope(fromStore, entries);
    }
    List<String> previous = fromStore != null ? fromStore : learnedKeys;
    entries.remove(listKey.store());
    return shared.scopes.open(Set.of(), entries, recorded -> {
      List<String> now = new ArrayList<>(recorded);
      now.remove(listKey.store());
      shared.learned.put(name, List.copyOf(now));
      // rewritten only when the set of keys changed, not their order
      if (previous == null || !new java.util.HashSet<>(now).equals(new java.util.HashSet<>(previous))) {
        byte[] bytes = LearnedKeys.encode(now);
        try {
          call("learnedPreload", () -> {
            shared.store.set(listKey.store(), bytes, LEARNED_LIST_TTL_MILLIS);
            return null;
          }, null);
        } catch (CacheException e) {
          // the list is only an optimisation: closing a scope never fails, even fail-closed
          LOG.log(Level.DEBUG, () -> "could not store the learned keys of " + name, e);
        }
      }
    });
  }

  /** Fetches store keys not known to an open scope, adding what is known and found. */
  private Map<String, byte[]> fetchForScope(List<String> storeKeys, Map<String, byte[]> entries) {
    List<String> toFetch = new ArrayList<>();
    for (String k : storeKeys) {
      byte[] known = shared.scopes.lookup(k);
      if (known != null) {
        entries.put(k, known);
      } else {
        toFetch.add(k);
      }
    }
    if (toFetch.isEmpty()) {
      return Map.of();
    }
    Map<String, byte[]> fetched = call("preload", () -> shared.store.getMany(toFetch), Map.of());
    for (String k : toFetch) {
      byte[] b = fetched.get(k);
      entries.put(k, b == null ? Scopes.MISSING : b);
    }
    return fetched;
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
          false, tags);
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
    if (root && shared.closed.compareAndSet(false, true)) {
      shared.closeBackground();
      if (shared.ownsStore) {
        shared.store.close();
      }
    }
  }

  @Override
  public String toString() {
    return "Cache[" + shared.description + (prefix.isEmpty() ? "" : ", prefix " + prefix) + "]";
  }
}

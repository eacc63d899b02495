package io.larder;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.larder.internal.NearStore;
import io.larder.spi.KeyLayout;
import io.larder.spi.KeyRules;
import io.larder.spi.StoreSize;
import io.larder.spi.StoredValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The {@link Cache} users hold: a view (a namespace prefix, tags, its own stats and default
 * TTL) over the engines of a {@link CacheRuntime}. It checks arguments, resolves keys and
 * TTLs, and hands each call down to one engine: reads to {@link Reads}, writes, counters and
 * compare-and-set to {@link Writes}, getOrCompute and memoize to {@link Loader}, preload
 * scopes to {@link Preloads}, tags to {@link Tags}.
 */
final class DefaultCache implements Cache {
  static final int MAX_REMEMBERED_NAMESPACES = 1_024;

  private final CacheRuntime runtime;
  private final View view;
  private final List<String> path;
  private final Duration defaultTtl;
  private final boolean root;
  /** Whether a key is its own store key, unless it starts with the namespace mark. */
  private final boolean plainKeys;
  /**
   * Whether a get may read Larder's memory store directly ({@link Reads#memoryValue}) whenever
   * nothing in the cache's state is in the way ({@link Reads#fromMemory()}): the keys are plain,
   * the store is the memory store, the view untagged. Decided once, here.
   */
  private final boolean memoryReads;
  /** Views by name, bounded so that a namespace per user or request cannot grow forever. */
  private final com.github.benmanes.caffeine.cache.Cache<String, DefaultCache> children =
      Caffeine.newBuilder().maximumSize(MAX_REMEMBERED_NAMESPACES).build();

  DefaultCache(CacheRuntime runtime, List<String> path, StatsCounter stats, Duration defaultTtl,
      boolean root) {
    this(runtime, path, stats, defaultTtl, root, List.of());
  }

  private DefaultCache(CacheRuntime runtime, List<String> path, StatsCounter stats,
      Duration defaultTtl, boolean root, List<String> tags) {
    this.runtime = runtime;
    this.path = List.copyOf(path);
    this.view = new View(KeyLayout.prefix(this.path), stats, tags);
    this.defaultTtl = defaultTtl;
    this.root = root;
    this.plainKeys = this.view.prefix().isEmpty() && runtime.rules == KeyRules.ANY;
    this.memoryReads = plainKeys && runtime.reads.memoryView(this.view);
  }

  private Keys.StoreKey key(String key) {
    return runtime.key(view, key);
  }

  /** Resolves user keys in order, each once; shared with this cache's asynchronous view. */
  Map<String, Keys.StoreKey> resolveAll(Collection<String> keys) {
    Objects.requireNonNull(keys, "keys");
    Map<String, Keys.StoreKey> resolved = new LinkedHashMap<>(Reads.capacity(keys.size()));
    java.util.function.Function<String, Keys.StoreKey> resolve = this::key;
    for (String key : keys) {
      // one hash lookup per key; a repeated key is resolved once
      resolved.computeIfAbsent(key, resolve);
    }
    return resolved;
  }

  @Override
  public <T> Codec<T> codecFor(Class<T> type) {
    Objects.requireNonNull(type, "type");
    return runtime.codecs.forClass(type);
  }

  // ---- reads -------------------------------------------------------------------------------

  @Override
  public <T> T get(String key, Codec<T> codec) {
    Objects.requireNonNull(codec, "codec");
    if (memoryReads && runtime.reads.fromMemory()) {
      // the memory store checks the key only when it holds no bare value for it
      return runtime.reads.memoryValue(view, key, codec);
    }
    if (plainKeys && Keys.checkKey(key).charAt(0) != KeyLayout.NAMESPACE_MARK) {
      // the store key is the key itself: the commonest read makes no Keys.StoreKey
      return runtime.reads.plainValue(view, key, codec);
    }
    Keys.StoreKey preloaded = null;
    if (runtime.reads.scopesAnswer(view)) {
      // one look at this thread's scopes both resolves the key and finds its bytes
      Scopes.Answer a = runtime.preloads.readPreloaded(view.prefix(), key, Reads.adopts(codec));
      if (a != null) {
        return runtime.reads.scoped(view, a.key, a.bytes, a.owned, codec).value();
      }
    } else {
      preloaded = runtime.preloads.preloaded(view.prefix(), key);
    }
    return runtime.reads.value(view, preloaded != null ? preloaded : key(key), codec);
  }

  @Override
  public <T> Map<String, T> getMany(Collection<String> keys, Codec<T> codec) {
    Objects.requireNonNull(codec, "codec");
    return runtime.reads.many(view, BulkKeys.resolve(keys, view.prefix(), runtime.rules), codec);
  }

  @Override
  public boolean exists(String key) {
    return runtime.reads.exists(view, key(key));
  }

  // ---- writes ------------------------------------------------------------------------------

  @Override
  public <T> void set(String key, T value, Codec<T> codec, Duration ttl) {
    Objects.requireNonNull(codec, "codec");
    if (plainKeys && runtime.writes.toMemory(view)
        && runtime.writes.setOwn(view, key, value, codec, ttl)) {
      return;
    }
    Keys.StoreKey k = key(key);
    runtime.writes.set(view, k, value, codec, Ttls.millis(ttl));
  }

  @Override
  public void setMany(Map<String, ?> entries, Duration ttl) {
    long ms = Ttls.millis(ttl);
    runtime.writes.<Object>setMany(view, entries, this::key, runtime.codecs::forValue, ms);
  }

  @Override
  public <T> void setMany(Map<String, ? extends T> entries, Codec<T> codec, Duration ttl) {
    Objects.requireNonNull(codec, "codec");
    long ms = Ttls.millis(ttl);
    runtime.writes.<T>setMany(view, entries, this::key, v -> codec, ms);
  }

  @Override
  public <T> boolean add(String key, T value, Codec<T> codec, Duration ttl) {
    Objects.requireNonNull(codec, "codec");
    Keys.StoreKey k = key(key);
    return runtime.writes.add(view, k, value, codec, Ttls.millis(ttl));
  }

  @Override
  public boolean delete(String key) {
    return runtime.writes.delete(view, key(key));
  }

  @Override
  public int deleteMany(Collection<String> keys) {
    return runtime.writes.deleteMany(view, new ArrayList<>(resolveAll(keys).values()));
  }

  @Override
  public boolean touch(String key, Duration ttl) {
    Keys.StoreKey k = key(key);
    return runtime.writes.touch(view, k, Ttls.millis(ttl));
  }

  @Override
  public long incr(String key, long delta, Duration ttl) {
    if (view.tagged()) {
      throw new IllegalStateException("counters cannot be tagged: a server increments them as "
          + "plain decimal text, which has no room for tag generations");
    }
    Keys.StoreKey k = key(key);
    return runtime.writes.incr(view, k, delta, Ttls.positive(ttl, "counter"));
  }

  // ---- compare-and-set ---------------------------------------------------------------------

  @Override
  public <T> Versioned<T> getVersioned(String key, Codec<T> codec) {
    Objects.requireNonNull(codec, "codec");
    Keys.StoreKey k = key(key);
    StoredValue stored = runtime.reads.versioned(view, k);
    return new Versioned<>(runtime, k, stored, codec, runtime.reads.value(view, k, stored, codec));
  }

  @Override
  public <T> boolean compareAndSet(Versioned<T> read, T value, Duration ttl) {
    Objects.requireNonNull(read, "read");
    if (read.owner != runtime || !read.key.full().equals(key(read.key.userKey()).full())) {
      throw new IllegalArgumentException(
          "versioned value for key '" + read.key() + "' was read from another cache");
    }
    return runtime.writes.compareAndSet(view, read, value,
        Ttls.positive(ttl, "compare-and-set"));
  }

  @Override
  public <T> T update(String key, Codec<T> codec, Duration ttl, UnaryOperator<T> fn) {
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(fn, "fn");
    Keys.StoreKey k = key(key);
    return runtime.writes.update(view, k, codec, Ttls.positive(ttl, "update"), fn);
  }

  // ---- tags --------------------------------------------------------------------------------

  @Override
  public Cache tagged(String... tagNames) {
    Objects.requireNonNull(tagNames, "tags");
    if (tagNames.length == 0) {
      throw new IllegalArgumentException("tagged(...) needs at least one tag");
    }
    LinkedHashSet<String> all = new LinkedHashSet<>(view.tags());
    for (String tag : tagNames) {
      runtime.tags.key(tag);
      all.add(tag);
    }
    return new DefaultCache(runtime, path, view.stats(), defaultTtl, false,
        new ArrayList<>(all));
  }

  @Override
  public void invalidateTag(String tag) {
    runtime.tags.invalidate(tag, view.stats());
  }

  // ---- getOrCompute and memoize ------------------------------------------------------------

  @Override
  public <T> T getOrCompute(String key, Codec<T> codec, Freshness freshness,
      Supplier<? extends T> loader) {
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(freshness, "freshness");
    Objects.requireNonNull(loader, "loader");
    return runtime.loader.compute(view, key(key), codec, freshness, loader, false,
        runtime.admitter.byDefault()).value();
  }

  @Override
  public <A, R> Memoizer<A, R> memoizer(String name, Class<A> argType, Codec<R> codec) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(argType, "argType");
    Objects.requireNonNull(codec, "codec");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("memoized function name must not be empty");
    }
    return new Memoizer<>(new Memoizer.Backend(runtime.loader, runtime.writes, view,
        runtime.rules, defaultTtl, runtime.admitter.byDefault(), runtime.asyncLoader), name,
        argType, codec);
  }

  @Override
  public Admission admission() {
    return runtime.admitter.configured();
  }

  @Override
  public boolean admit(String key) {
    return runtime.admitter.admit(key(key).store());
  }

  @Override
  public AdmissionStats admissionStats() {
    return runtime.admitter.stats();
  }

  // ---- preload scopes ----------------------------------------------------------------------

  @Override
  public Preload preload(Collection<String> keys) {
    return runtime.preloads.open(resolveAll(keys), view.prefix(), view.stats());
  }

  @Override
  public Preload gatherWrites() {
    runtime.calls.requireOpen();
    return runtime.preloads.gathering(view.stats());
  }

  @Override
  public Preload learnedPreload(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("learned preload name must not be empty");
    }
    runtime.calls.requireOpen();
    return runtime.preloads.learned(name, view.stats());
  }

  @Override
  public AsyncCache async() {
    return new DefaultAsyncCache(this, runtime, view);
  }

  // ---- namespaces and lifecycle ------------------------------------------------------------

  @Override
  public void clear() {
    runtime.writes.clear(view);
  }

  @Override
  public Cache namespace(String name) {
    Keys.encodeSegment(name);
    runtime.calls.requireOpen();
    return children.get(name, n -> {
      List<String> childPath = new ArrayList<>(path);
      childPath.add(n);
      DefaultCache child = new DefaultCache(runtime, childPath, new StatsCounter(view.stats()),
          defaultTtl, false, view.tags());
      // fail now, not on the first key, if the store cannot hold this namespace's keys
      runtime.key(child.view, "#");
      return child;
    });
  }

  @Override
  public CacheStats stats() {
    return view.stats().snapshot();
  }

  @Override
  public StoreSize storeSize() {
    return runtime.calls.call(view.stats(), "size", s -> s.size(view.prefix()),
        StoreSize.UNKNOWN);
  }

  @Override
  public NearStats nearStats() {
    NearStore near = runtime.near;
    if (near == null) {
      return NearStats.NONE;
    }
    long[] c = near.counters();
    return new NearStats(true, near.tracking(), c[0], c[1], c[2], c[3]);
  }

  @Override
  public Duration defaultTtl() {
    return defaultTtl;
  }

  @Override
  public void close() {
    if (root) {
      runtime.close();
    }
  }

  @Override
  public String toString() {
    return "Cache[" + runtime.calls.description()
        + (view.prefix().isEmpty() ? "" : ", prefix " + view.prefix()) + "]";
  }
}

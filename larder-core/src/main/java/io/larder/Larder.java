package io.larder;

import io.larder.internal.NearStore;
import io.larder.spi.Durations;
import io.larder.spi.KeyLayout;
import io.larder.spi.Store;
import io.larder.spi.StoreProvider;
import io.larder.spi.StoreUrl;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

/**
 * Opens caches from URLs or a builder.
 *
 * <pre>{@code
 * Cache cache = Larder.open("sqlite:data/cache.db?prefix=shop&ttl=60s");
 * Cache same = Larder.builder().url("sqlite:data/cache.db").prefix("shop")
 *     .defaultTtl(Duration.ofSeconds(60)).build();
 * }</pre>
 *
 * <p>Schemes are found with {@link ServiceLoader}: {@code mem:} and {@code none:} (caching off:
 * every write is evicted at once) are built in,
 * {@code sqlite:} comes with {@code larder-jdbc}, and each store module adds its own by
 * being on the class path. Options every URL takes:
 * <ul>
 *   <li>{@code prefix} — the namespace all keys live in ({@code ?prefix=shop});</li>
 *   <li>{@code ttl} — the default time to live ({@code 250ms}, {@code 60s}, {@code 5m},
 *       {@code 2h}, {@code 1d}, or {@code forever}, the default);</li>
 *   <li>{@code compress} — deflate values of at least this many bytes ({@code 256},
 *       {@code 4k}); off by default;</li>
 *   <li>{@code failOpen} — {@code true} (default): store failures read as misses;
 *       {@code false}: they throw;</li>
 *   <li>{@code gatherWrites} — {@code true} (default): writes made inside a request scope
 *       go out in one bulk write when it closes; {@code false}: each at once;</li>
 *   <li>{@code admit} — which computed values are stored (see {@link Admission}):
 *       {@code off} (default), {@code on} (after 2 recent misses of the key) or a number
 *       of misses from 1 to 15; with {@code admitKeys} (the sketch width, {@code 64k} by
 *       default) and {@code admitWindow} (misses between halvings, 10 × the width);</li>
 *   <li>{@code near} — keep up to this many bytes of hot values in process, in front of the
 *       store ({@code 32m}); see {@code docs/near-cache.md};</li>
 *   <li>{@code nearTtl} — how long a near entry lives ({@code 2s} by default where the server
 *       pushes no invalidations, {@code 1m} where it does);</li>
 *   <li>{@code nearLag} — where the store reports other clients' writes (Redis, SQLite), how
 *       far behind them a near read may be ({@code 50ms} by default); a read further behind
 *       goes to the store.</li>
 * </ul>
 * Stores add their own (for example {@code maxBytes} for {@code mem:}); an option nobody
 * knows is an error, not silently ignored.
 */
public final class Larder {
  private Larder() {}

  /**
   * Opens a cache from a URL.
   *
   * @param url for example {@code mem:}, {@code sqlite:data/cache.db?ttl=60s}
   * @return the open cache; closing it closes the store it opened
   * @throws NullPointerException if {@code url} is null
   * @throws IllegalArgumentException if the URL is malformed, its scheme unknown or an
   *     option unknown or invalid
   * @throws CacheException if the store cannot be opened
   */
  public static Cache open(String url) {
    return builder().url(url).build();
  }

  /**
   * Returns a new builder.
   *
   * @return a builder with nothing set
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the URL schemes available on the class path.
   *
   * @return the schemes, sorted, for example {@code [mem, sqlite]}
   */
  public static Set<String> schemes() {
    return providers().keySet();
  }

  /**
   * Opens the store of a URL, asks it about the server's settings that hurt a cache (see
   * {@link Store#diagnose()}) and, when the URL has {@code near=}, whether the server can push
   * invalidations to a near tier, and closes it. Options of the cache ({@code prefix},
   * {@code ttl}, ...) and options nobody knows are ignored.
   *
   * @param url a cache URL
   * @return one sentence per problem, empty if none
   * @throws IllegalArgumentException if the URL is malformed or its scheme unknown
   * @throws CacheException if the store cannot be opened or asked
   */
  public static java.util.List<String> diagnose(String url) {
    StoreUrl parsed = StoreUrl.parse(url);
    StoreProvider provider = providers().get(parsed.scheme());
    if (provider == null) {
      throw new IllegalArgumentException("no store for scheme '" + parsed.scheme() + ":' in '"
          + parsed.redacted() + "'; available: " + schemes() + Builder.hint(parsed.scheme()));
    }
    try (Store store = provider.open(parsed, InstantSource.system())) {
      List<String> warnings = new ArrayList<>(store.diagnose());
      if (parsed.option("near").isPresent()) {
        NearTiers.check(store).ifPresent(warnings::add);
      }
      return warnings;
    }
  }

  private static Map<String, StoreProvider> providers() {
    Map<String, StoreProvider> byScheme = new TreeMap<>();
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    for (StoreProvider p : ServiceLoader.load(StoreProvider.class,
        loader != null ? loader : Larder.class.getClassLoader())) {
      for (String scheme : p.schemes()) {
        byScheme.putIfAbsent(scheme, p);
      }
    }
    return byScheme;
  }

  /**
   * Builds a {@link Cache}. Each option may be set once; arguments are checked at once and
   * conflicts (an option both in the URL and set here) are rejected by {@link #build()}.
   */
  public static final class Builder {
    private final Set<String> set = new LinkedHashSet<>();
    private String url;
    private Store store;
    private String prefix;
    private Duration defaultTtl;
    private Integer compressAbove;
    private Boolean failOpen;
    private Boolean gatherWrites;
    private InstantSource clock;
    private java.util.function.UnaryOperator<Store> decorator;
    private Admission admission;
    private Long near;
    private Duration nearTtl;
    private Duration nearLag;
    private List<List<String>> nearOnly = List.of();
    private final Set<Class<?>> serializable = new LinkedHashSet<>();
    private final Set<Class<?>> immutable = new LinkedHashSet<>();
    private Boolean byReference;
    private Integer asyncThreads;
    private java.util.concurrent.Executor asyncExecutor;

    private Builder() {}

    private void once(String option) {
      if (!set.add(option)) {
        throw new IllegalStateException(option + " was already set");
      }
    }

    /**
     * Sets the URL to open the store from.
     *
     * @param url the cache URL
     * @return this builder
     * @throws NullPointerException if {@code url} is null
     * @throws IllegalStateException if already set
     */
    public Builder url(String url) {
      once("url");
      this.url = Objects.requireNonNull(url, "url");
      return this;
    }

    /**
     * Uses a store the caller opened; the cache borrows it and never closes it.
     *
     * @param store the store
     * @return this builder
     * @throws NullPointerException if {@code store} is null
     * @throws IllegalStateException if already set
     */
    public Builder store(Store store) {
      once("store");
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * Sets the namespace every key of the cache lives in.
     *
     * @param prefix a non-empty name
     * @return this builder
     * @throws IllegalArgumentException if {@code prefix} is empty
     * @throws IllegalStateException if already set
     */
    public Builder prefix(String prefix) {
      once("prefix");
      Keys.encodeSegment(prefix);
      this.prefix = prefix;
      return this;
    }

    /**
     * Sets the TTL of writes that give none; {@link Cache#FOREVER} by default.
     *
     * @param ttl a positive duration
     * @return this builder
     * @throws IllegalArgumentException if {@code ttl} is zero or negative
     * @throws IllegalStateException if already set
     */
    public Builder defaultTtl(Duration ttl) {
      once("defaultTtl");
      this.defaultTtl = Durations.requirePositive(ttl, "defaultTtl");
      return this;
    }

    /**
     * Deflates every stored value of at least {@code bytes} bytes (when that makes it
     * smaller); a flag in the stored bytes tells readers, so caches with and without
     * compression read each other's values.
     *
     * @param bytes the threshold; at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is below 1
     * @throws IllegalStateException if already set
     */
    public Builder compressAbove(int bytes) {
      once("compressAbove");
      if (bytes < 1) {
        throw new IllegalArgumentException("compressAbove must be at least 1 byte, was " + bytes);
      }
      this.compressAbove = bytes;
      return this;
    }

    /**
     * Chooses what store failures do: {@code true} (default) reads them as misses and drops
     * writes; {@code false} throws {@link CacheException}.
     *
     * @param failOpen whether to fail open
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder failOpen(boolean failOpen) {
      once("failOpen");
      this.failOpen = failOpen;
      return this;
    }

    /**
     * Chooses whether request scopes gather writes: {@code true} (default) holds back the
     * writes a thread makes inside a learned preload scope or {@link Cache#gatherWrites()}
     * scope and sends them in one bulk write when the outermost such scope closes;
     * {@code false} sends each write at once. See {@code docs/preload.md}.
     *
     * @param gatherWrites whether to gather writes
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder gatherWrites(boolean gatherWrites) {
      once("gatherWrites");
      this.gatherWrites = gatherWrites;
      return this;
    }

    /**
     * Sets the time source for freshness decisions ({@link Cache#getOrCompute}) and for the
     * expiry of stores opened from the URL (tests inject a manual clock). Stores expiring on
     * a server use the server's clock; a store passed to {@link #store} keeps its own.
     *
     * @param clock the time source
     * @return this builder
     * @throws NullPointerException if {@code clock} is null
     * @throws IllegalStateException if already set
     */
    public Builder clock(InstantSource clock) {
      once("clock");
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Wraps the store before the cache uses it, whether opened from the URL or given to
     * {@link #store}: to time or count its calls (see {@code LarderMetrics.timed} in
     * {@code larder-micrometer}), log them, or inject failures in tests. The wrapper should
     * forward {@code close()}; the cache closes it exactly when it would have closed the store.
     *
     * <pre>{@code
     * Cache cache = Larder.builder().url("redis://cache:6379/0")
     *     .decorateStore(store -> LarderMetrics.timed(store, registry, "redis"))
     *     .build();
     * }</pre>
     *
     * @param decorator returns the store to use in place of the one it is given
     * @return this builder
     * @throws NullPointerException if {@code decorator} is null
     * @throws IllegalStateException if already set
     */
    public Builder decorateStore(java.util.function.UnaryOperator<Store> decorator) {
      once("decorateStore");
      this.decorator = Objects.requireNonNull(decorator, "decorator");
      return this;
    }

    /**
     * Keeps up to {@code bytes} bytes of recently read values in process, in front of the
     * store (the {@code near} URL option): a read of a value held near costs no round trip.
     * Where the server pushes invalidations (Redis 6 and later) an entry is dropped as soon as
     * any client changes its key; elsewhere it lives at most {@link #nearTtl}. This cache's
     * own writes drop their keys before they return. See {@code docs/near-cache.md}.
     *
     * @param bytes the bound on keys, values and per-entry overhead held near
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is not positive
     * @throws IllegalStateException if already set
     */
    public Builder near(long bytes) {
      once("near");
      this.near = checkNear(bytes, null);
      return this;
    }

    /**
     * Sets how long a near entry lives after it was read from the store (the {@code nearTtl}
     * URL option): where the server pushes no invalidations, how long another process's write
     * can go unseen. Needs {@link #near}.
     *
     * @param ttl a positive duration
     * @return this builder
     * @throws IllegalArgumentException if {@code ttl} is zero or negative
     * @throws IllegalStateException if already set
     */
    public Builder nearTtl(Duration ttl) {
      once("nearTtl");
      this.nearTtl = Durations.requirePositive(ttl, "nearTtl");
      return this;
    }

    /**
     * Sets the staleness bound of a near tier whose store reports other clients' writes (Redis
     * tracking, SQLite's {@code data_version} watch; the {@code nearLag} URL option,
     * {@code 50ms} by default): a value is served near only while those reports are confirmed
     * through a time at most this long ago, so a process short of CPU reads from the store
     * rather than stale. Needs {@link #near}.
     *
     * @param lag a positive duration
     * @return this builder
     * @throws IllegalArgumentException if {@code lag} is zero or negative
     * @throws IllegalStateException if already set
     */
    public Builder nearLag(Duration lag) {
      once("nearLag");
      this.nearLag = Durations.requirePositive(lag, "nearLag");
      return this;
    }

    /**
     * Keeps only the keys of these namespaces (of the cache's prefix) in the near tier, as the
     * Spring Boot starter does for the caches given a {@code near} size; other keys are read
     * from the store every time. Needs {@link #near} (or {@code near=} in the URL).
     *
     * @param namespaces one or more namespace names, each as {@link Cache#namespace} takes it
     * @return this builder
     * @throws IllegalArgumentException if none is given or one is empty
     * @throws IllegalStateException if already set
     */
    public Builder nearNamespaces(String... namespaces) {
      once("nearNamespaces");
      if (namespaces.length == 0) {
        throw new IllegalArgumentException("nearNamespaces needs at least one namespace");
      }
      List<List<String>> paths = new ArrayList<>();
      for (String ns : namespaces) {
        Keys.encodeSegment(ns);
        paths.add(List.of(ns));
      }
      this.nearOnly = paths;
      return this;
    }

    /**
     * Allows these classes to be stored with Java serialization, so that
     * {@code get(key, Type.class)} and {@code set(key, value)} accept them. Only the listed
     * classes (and strings, boxed primitives and arrays of them) can be read back; see
     * {@link Codec#serialized}.
     *
     * @param classes serializable classes, including those in their object graphs
     * @return this builder
     * @throws IllegalArgumentException if a class is not serializable
     * @throws IllegalStateException if already set
     */
    public Builder allowSerialized(Class<?>... classes) {
      once("allowSerialized");
      for (Class<?> c : classes) {
        new SerializedCodec<>(c); // checks the class
        serializable.add(c);
      }
      return this;
    }

    /**
     * Sets which computed values are stored: every one ({@link Admission#off()}, the
     * default) or those whose key was missed often enough recently
     * ({@link Admission#sketch()}). The URL's {@code admit=} says the same.
     *
     * @param admission the policy
     * @return this builder
     * @throws NullPointerException if {@code admission} is null
     * @throws IllegalStateException if already set
     */
    public Builder admission(Admission admission) {
      once("admission");
      this.admission = Objects.requireNonNull(admission, "admission");
      return this;
    }

    /**
     * Declares classes immutable, so that a store with an object tier ({@code mem:}) keeps
     * their values decoded and hands every reader the very object written, as it does for
     * strings, boxed numbers, enums, {@code java.time} values and records of those. Declare
     * only classes whose instances no one changes once written: a reader could otherwise see
     * another's change.
     *
     * @param classes the immutable classes (exactly these; not their subclasses)
     * @return this builder
     * @throws NullPointerException if a class is null
     * @throws IllegalStateException if already set
     */
    public Builder immutable(Class<?>... classes) {
      once("immutable");
      for (Class<?> c : classes) {
        immutable.add(Objects.requireNonNull(c, "class"));
      }
      return this;
    }

    /**
     * Keeps every value as the very object written, with no codec and no copy, as Caffeine
     * and Spring's {@code ConcurrentMapCacheManager} do (JCache's {@code storeByValue=false});
     * the URL option {@code byReference=true} does the same. Only for a store that keeps
     * objects ({@code mem:}). A value of a class with no codec of its own then has no bytes:
     * compare-and-set, {@code update} and counters do not reach it, and a reader who changes a
     * value changes it for every reader.
     *
     * @param byReference whether to keep values by reference
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder byReference(boolean byReference) {
      once("byReference");
      this.byReference = byReference;
      return this;
    }

    /**
     * Sets how many threads the cache's own executor for {@link AsyncCache} has (default 8,
     * started on first use, stopping when idle for 30 s): the threads on which asynchronous
     * calls complete, and on which a store without an asynchronous face (SQLite, the database
     * store) is called, so at most this many of its calls run at once. URL option
     * {@code asyncThreads=}.
     *
     * @param threads the number of threads, 1 to 10,000
     * @return this builder
     * @throws IllegalArgumentException if {@code threads} is out of range
     * @throws IllegalStateException if already set
     */
    public Builder asyncThreads(int threads) {
      once("asyncThreads");
      this.asyncThreads = checkAsyncThreads(String.valueOf(threads));
      return this;
    }

    /**
     * Gives {@link AsyncCache} an executor of the caller's instead of the cache's own: it
     * completes asynchronous calls and calls blocking stores. It is borrowed: closing the
     * cache does not shut it down. It must not run tasks on the submitting thread (as
     * {@code Runnable::run} does), or callbacks may run on a store's I/O thread.
     *
     * @param executor the executor
     * @return this builder
     * @throws NullPointerException if {@code executor} is null
     * @throws IllegalStateException if already set
     */
    public Builder asyncExecutor(java.util.concurrent.Executor executor) {
      once("asyncExecutor");
      this.asyncExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Opens the cache and returns its asynchronous view, as {@code build().async()}; closing
     * the view closes the cache.
     *
     * @return the asynchronous cache
     * @throws IllegalStateException if neither or both of a URL and a store were given, or
     *     both {@link #asyncThreads} and {@link #asyncExecutor} were
     * @throws IllegalArgumentException if the URL is malformed, names an unknown scheme or
     *     option, or sets an option also set on this builder
     * @throws CacheException if the store cannot be opened
     */
    public AsyncCache buildAsync() {
      return build().async();
    }

    /**
     * Opens the cache.
     *
     * @return the cache
     * @throws IllegalStateException if neither or both of a URL and a store were given, or
     *     both {@link #asyncThreads} and {@link #asyncExecutor} were
     * @throws IllegalArgumentException if the URL is malformed, names an unknown scheme or
     *     option, or sets an option also set on this builder
     * @throws CacheException if the store cannot be opened
     */
    public Cache build() {
      if ((url == null) == (store == null)) {
        throw new IllegalStateException("give exactly one of url(...) and store(...)");
      }
      String p = prefix;
      Duration ttl = defaultTtl;
      Integer compress = compressAbove;
      Boolean open = failOpen;
      Boolean gather = gatherWrites;
      Admission admit = admission;
      Long nearBytes = near;
      Duration nearFor = nearTtl;
      Duration nearBehind = nearLag;
      Boolean byRef = byReference;
      Integer threads = asyncThreads;
      if (threads != null && asyncExecutor != null) {
        throw new IllegalStateException("give at most one of asyncThreads(...) and "
            + "asyncExecutor(...)");
      }
      Store s = store;
      String description = store == null ? null : store.getClass().getSimpleName();
      if (url != null) {
        StoreUrl parsed = StoreUrl.parse(url);
        description = parsed.redacted();
        p = merge("prefix", p, parsed.option("prefix").orElse(null), parsed);
        String ttlText = parsed.option("ttl").orElse(null);
        ttl = merge("ttl", ttl, ttlText == null ? null : parseTtl(ttlText), parsed);
        compress = merge("compress", compress,
            parsed.sizeOption("compress").map(n -> checkCompress(n, parsed)).orElse(null), parsed);
        open = merge("failOpen", open, parsed.booleanOption("failOpen").orElse(null), parsed);
        gather = merge("gatherWrites", gather,
            parsed.booleanOption("gatherWrites").orElse(null), parsed);
        admit = merge("admit", admit, AdmitOption.parse(parsed), parsed);
        nearBytes = merge("near", nearBytes,
            parsed.sizeOption("near").map(n -> checkNear(n, parsed)).orElse(null), parsed);
        nearFor = merge("nearTtl", nearFor, parsed.durationOption("nearTtl")
            .map(d -> requirePositive("nearTtl", d, parsed)).orElse(null), parsed);
        nearBehind = merge("nearLag", nearBehind, parsed.durationOption("nearLag")
            .map(d -> requirePositive("nearLag", d, parsed)).orElse(null), parsed);
        byRef = merge("byReference", byRef, parsed.booleanOption("byReference").orElse(null),
            parsed);
        threads = merge("asyncThreads", threads, parsed.option("asyncThreads")
            .map(Builder::checkAsyncThreads).orElse(null), parsed);
        if (threads != null && asyncExecutor != null) {
          throw new IllegalArgumentException("option 'asyncThreads' in '" + parsed.redacted()
              + "' conflicts with the builder's asyncExecutor(...)");
        }
        if (p != null) {
          Keys.encodeSegment(p);
        }
        checkNeedsNear("nearTtl", nearBytes, nearFor);
        checkNeedsNear("nearLag", nearBytes, nearBehind);
        StoreProvider provider = providers().get(parsed.scheme());
        if (provider == null) {
          throw new IllegalArgumentException("no store for scheme '" + parsed.scheme() + ":' in '"
              + parsed.redacted() + "'; available: " + schemes() + hint(parsed.scheme()));
        }
        s = provider.open(parsed, clock != null ? clock : InstantSource.system());
        if (!parsed.unreadOptions().isEmpty()) {
          s.close();
          throw new IllegalArgumentException(parsed.unknownOptionsMessage());
        }
      }
      checkNeedsNear("nearTtl", nearBytes, nearFor);
      checkNeedsNear("nearLag", nearBytes, nearBehind);
      Store opened = s;
      if (decorator != null) {
        Store decorated = decorator.apply(s);
        if (decorated == null) {
          if (url != null) {
            s.close();
          }
          throw new IllegalStateException("decorateStore(...) returned null");
        }
        s = decorated;
      }
      if (Boolean.TRUE.equals(byRef) && !(s instanceof io.larder.spi.DecodedValues)) {
        if (url != null) {
          s.close();
        }
        throw new IllegalArgumentException("option 'byReference' needs a store that keeps "
            + "objects, such as mem:; " + description + " keeps bytes");
      }
      List<String> path = new ArrayList<>();
      if (p != null) {
        path.add(p);
      }
      boolean owns = url != null;
      if (!nearOnly.isEmpty() && nearBytes == null) {
        if (url != null) {
          s.close();
        }
        throw new IllegalArgumentException(
            "nearNamespaces needs option 'near' (the size of the near tier)");
      }
      if (nearBytes != null) {
        List<String> only = new ArrayList<>();
        for (List<String> ns : nearOnly) {
          List<String> full = new ArrayList<>(path);
          full.addAll(ns);
          only.add(KeyLayout.prefix(full));
        }
        NearStore tier = NearTiers.open(opened, s, owns, nearBytes, nearFor, nearBehind, clock,
            KeyLayout.prefix(path), description);
        tier.holdOnly(only);
        s = tier;
        owns = true; // the tier's subscription is the cache's own; it closes the store if owned
      }
      CacheRuntime runtime = new CacheRuntime(s,
          new CodecRegistry(serializable, immutable, Boolean.TRUE.equals(byRef)),
          new CacheRuntime.Options(owns, compress == null ? 0 : compress,
              open == null || open, description,
              clock != null ? clock : InstantSource.system(), KeyLayout.prefix(path),
              gather == null || gather, admit == null ? Admission.off() : admit),
          new AsyncCalls.Setup(asyncExecutor,
              threads == null ? AsyncCalls.DEFAULT_THREADS : threads));
      return new DefaultCache(runtime, path, new StatsCounter(null),
          ttl == null ? Cache.FOREVER : ttl, true);
    }

    private static long checkNear(long bytes, StoreUrl url) {
      String where = url == null ? "" : " in '" + url.redacted() + "'";
      if (bytes < 1) {
        throw new IllegalArgumentException(
            "option 'near' must be a positive size, was " + bytes + where);
      }
      long heap = Runtime.getRuntime().maxMemory();
      if (heap != Long.MAX_VALUE && bytes > heap / 2) {
        throw new IllegalArgumentException("option 'near' asks for " + bytes
            + " bytes, more than half the heap (-Xmx: " + heap + " bytes)" + where
            + "; give a smaller near= or a larger heap");
      }
      return bytes;
    }

    private static int checkAsyncThreads(String text) {
      int threads;
      try {
        threads = Integer.parseInt(text.trim());
      } catch (NumberFormatException e) {
        threads = 0;
      }
      if (threads < 1 || threads > 10_000) {
        throw new IllegalArgumentException(
            "option 'asyncThreads' must be a number from 1 to 10000, was '" + text + "'");
      }
      return threads;
    }

    private static Duration requirePositive(String option, Duration d, StoreUrl url) {
      if (d.isZero()) {
        throw new IllegalArgumentException(
            "option '" + option + "' must be positive, was 0 in '" + url.redacted() + "'");
      }
      return d;
    }

    private static void checkNeedsNear(String option, Long nearBytes, Object value) {
      if (value != null && nearBytes == null) {
        throw new IllegalArgumentException(
            "option '" + option + "' needs option 'near' (the size of the near tier)");
      }
    }

    private static int checkCompress(long n, StoreUrl url) {
      if (n < 1 || n > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "option 'compress' must be at least 1 byte, was " + n + " in '" + url.redacted() + "'");
      }
      return (int) n;
    }

    private static Duration parseTtl(String text) {
      if (text.equalsIgnoreCase("forever") || text.equalsIgnoreCase("none")) {
        return Cache.FOREVER;
      }
      Duration d = StoreUrl.parseDuration("ttl", text);
      if (d.isZero()) {
        throw new IllegalArgumentException(
            "option 'ttl' must be positive or 'forever', was '" + text + "'");
      }
      return d;
    }

    private static <T> T merge(String option, T fromBuilder, T fromUrl, StoreUrl url) {
      if (fromBuilder != null && fromUrl != null) {
        throw new IllegalArgumentException("option '" + option + "' is set both in the URL '"
            + url.redacted() + "' and on the builder");
      }
      return fromBuilder != null ? fromBuilder : fromUrl;
    }

    /** The schemes of Larder's store modules, and the module that brings each. */
    private static final Map<String, String> MODULE_OF_SCHEME = Map.of(
        "sqlite", "larder-jdbc", "redis", "larder-redis", "rediss", "larder-redis",
        "redis-cluster", "larder-redis", "memcached", "larder-memcached",
        "memcacheds", "larder-memcached", "kt", "larder-kyototycoon");

    /**
     * Explains an unknown scheme: which module brings it, or which known scheme it is a likely
     * typo of.
     */
    private static String hint(String scheme) {
      String module = MODULE_OF_SCHEME.get(scheme);
      if (module != null) {
        return " (add " + module + " to the class path)";
      }
      Set<String> known = new java.util.TreeSet<>(schemes());
      known.addAll(MODULE_OF_SCHEME.keySet());
      List<String> meant = StoreUrl.closest(scheme, known);
      if (meant.isEmpty()) {
        return "";
      }
      Set<String> modules = new java.util.TreeSet<>();
      for (String m : meant) {
        if (!schemes().contains(m)) {
          modules.add(MODULE_OF_SCHEME.get(m));
        }
      }
      return " (did you mean "
          + StoreUrl.quoteChoices(meant.stream().map(m -> m + ":").toList()) + "?"
          + (modules.isEmpty() ? "" : " add " + String.join(" and ", modules)
              + " to the class path for it") + ")";
    }
  }
}

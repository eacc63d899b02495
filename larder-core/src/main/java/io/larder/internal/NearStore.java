package io.larder.internal;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import io.larder.spi.AsyncStore;
import io.larder.spi.Decoded;
import io.larder.spi.DecodedValues;
import io.larder.spi.ForwardingStore;
import io.larder.spi.Invalidations;
import io.larder.spi.Store;
import io.larder.spi.StoreTraits;
import io.larder.spi.StoredValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The near tier: a bounded in-process copy of values read from a remote store, kept in front
 * of it as a store of its own so that every engine of the facade (preload scopes,
 * getOrCompute, memoize, tags, the page filter) reads through it. Not public API; the
 * {@code near=} option and {@code Larder.Builder.near} put it in place.
 *
 * <h2>Never installing a stale value</h2>
 * A read that misses first claims the key with a {@link Fill} token in the map, <em>then</em>
 * asks the remote store; the value is installed only by replacing that very token, so an
 * invalidation (which removes whatever the key maps to) that arrives while the read is on its
 * way makes the install fail. A global epoch, bumped before the tier is emptied, covers
 * "everything changed" the same way. With a server that pushes invalidations, nothing is
 * installed unless the subscription was {@linkplain Invalidations.Subscription#active() active}
 * when the read started and still is when it lands.
 *
 * <h2>A bound on staleness that holds by construction</h2>
 * With a server that pushes, a value is served near only while the subscription's
 * {@linkplain Invalidations.Subscription#reportedThrough() confirmed time} is within
 * {@code nearLag} of now: every change made by a call that returned before that time has
 * already been applied here. When the process is starved of CPU and its invalidations wait,
 * the confirmed time falls behind too, and reads go to the store (counted as
 * {@linkplain #counters() behind}) rather than return what may be stale.
 *
 * <h2>This process's writes</h2>
 * Every write, delete, counter, compare-and-set, touch and clear evicts the keys it touched
 * after the remote call returns (or fails), so a read after it goes to the store: tokens of
 * reads in flight are evicted with them, so a read that started before the write cannot
 * install what it saw.
 *
 * <h2>Decoded values</h2>
 * As a {@link DecodedValues} store, the tier keeps what the facade decoded from a value it
 * read ({@link #offerDecoded}), so a hot value is decoded once, not on every read; which
 * decoded values may be handed out as they are is the facade's decision. Writes go to the
 * remote store as bytes and evict, as above.
 *
 * <h2>Without server push</h2>
 * An entry lives at most {@code ttl} after it was installed, which bounds how long another
 * process's write can go unseen.
 */
public class NearStore extends ForwardingStore implements DecodedValues {
  /** Bytes charged per entry beyond its key and value, as the memory store charges. */
  static final int ENTRY_OVERHEAD = 96;
  /** The largest value kept near, whatever the bound: bigger ones are cheap to fetch anyway. */
  public static final int MAX_ENTRY_CAP = 1 << 20;

  /** How long an entry lives, unless {@code nearTtl} says, when the server pushes nothing. */
  public static final Duration UNTRACKED_TTL = Duration.ofSeconds(2);
  /**
   * How long an entry lives, unless {@code nearTtl} says, when the server pushes invalidations:
   * a backstop for an expiry the server reports late.
   */
  public static final Duration TRACKED_TTL = Duration.ofMinutes(1);
  /** How far behind the server's pushes may be for a near hit, unless {@code nearLag} says. */
  public static final Duration DEFAULT_LAG = Duration.ofMillis(50);

  /** A value held near, as bytes or decoded; records compare the {@link Decoded} by identity. */
  private record Held(Decoded value) {}

  /** A read in flight that may install its value; compared by identity. */
  private static final class Fill {}

  private final com.github.benmanes.caffeine.cache.Cache<String, Object> cache;
  private final ConcurrentMap<String, Object> map;
  private final long maxEntryBytes;
  private final AtomicLong epoch = new AtomicLong();
  private final LongAdder hits = new LongAdder();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder invalidations = new LongAdder();
  private final LongAdder behind = new LongAdder();
  private long lagNanos = Long.MAX_VALUE;
  private volatile Invalidations.@Nullable Subscription subscription;
  private final StoreTraits traits;
  private final boolean ownsRemote;
  private volatile List<String> onlyPrefixes = List.of();
  private final boolean ttlGiven;

  /**
   * Puts a near tier in front of a store.
   *
   * @param remote the store to read through and write to
   * @param ownsRemote whether closing this store closes {@code remote}
   * @param maxBytes the bound on keys, values and per-entry overhead held near
   * @param ttl how long an entry lives after it was installed; {@code null} for
   *     {@link #UNTRACKED_TTL}, or {@link #TRACKED_TTL} once {@link #track} succeeds
   * @param ticker the clock of that lifetime
   * @throws IllegalArgumentException if {@code maxBytes} or {@code ttl} is not positive
   */
  public NearStore(Store remote, boolean ownsRemote, long maxBytes, @Nullable Duration ttl,
      Ticker ticker) {
    super(remote);
    this.ownsRemote = ownsRemote;
    if (maxBytes < 1) {
      throw new IllegalArgumentException("near must be positive, was " + maxBytes);
    }
    if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
      throw new IllegalArgumentException("nearTtl must be positive, was " + ttl);
    }
    this.ttlGiven = ttl != null;
    this.maxEntryBytes = maxEntryBytes(maxBytes);
    this.cache = Caffeine.newBuilder()
        .maximumWeight(maxBytes)
        .weigher((String k, Object v) -> (int) Math.min(Integer.MAX_VALUE, 2L * k.length()
            + ENTRY_OVERHEAD + (v instanceof Held h ? h.value.weight() : 0)))
        .expireAfterWrite(ttl != null ? ttl : UNTRACKED_TTL)
        .ticker(ticker)
        .evictionListener((String k, Object v, RemovalCause cause) -> {
          if (v instanceof Held) {
            evictions.increment();
          }
        })
        .executor(Runnable::run)
        .build();
    this.map = cache.asMap();
    // the tier hands out the arrays it keeps: the facade must copy before a caller may change one
    this.traits = remote.traits().withReadsReturnCopies(false);
  }

  /**
   * Puts a near tier in front of a store: one whose calls also have a non-blocking form when
   * the store's have ({@link AsyncStore}), else a blocking one. Arguments as the constructor's.
   *
   * @param remote the store to read through and write to
   * @param ownsRemote whether closing this store closes {@code remote}
   * @param maxBytes the bound on keys, values and per-entry overhead held near
   * @param ttl how long an entry lives after it was installed, or {@code null}
   * @param ticker the clock of that lifetime
   * @return the near tier
   * @throws IllegalArgumentException if {@code maxBytes} or {@code ttl} is not positive
   */
  public static NearStore create(Store remote, boolean ownsRemote, long maxBytes,
      @Nullable Duration ttl, Ticker ticker) {
    return remote instanceof AsyncStore async
        ? new AsyncNearStore(async, ownsRemote, maxBytes, ttl, ticker)
        : new NearStore(remote, ownsRemote, maxBytes, ttl, ticker);
  }

  /**
   * Returns the largest value a tier of {@code maxBytes} keeps: a sixteenth of the bound, at
   * most {@link #MAX_ENTRY_CAP}.
   *
   * @param maxBytes the tier's bound
   * @return the per-entry limit in bytes
   */
  public static long maxEntryBytes(long maxBytes) {
    return Math.min(MAX_ENTRY_CAP, Math.max(1, maxBytes / 16));
  }

  /**
   * Starts taking invalidations from the server; until this is called the tier relies on its
   * time to live alone.
   *
   * @param source the remote store's invalidations
   * @param prefix the store-key prefix of the cache, {@code ""} for all keys
   * @param lag how far behind the server's pushes may be for a value to be served near
   *     ({@code nearLag}); {@code null} for {@link #DEFAULT_LAG}
   * @throws IllegalArgumentException if {@code lag} is not positive
   * @throws UnsupportedOperationException if the server cannot push invalidations
   * @throws io.larder.CacheException if the server cannot be reached
   */
  public void track(Invalidations source, String prefix, @Nullable Duration lag) {
    Duration bound = lag == null ? DEFAULT_LAG : lag;
    if (bound.isNegative() || bound.isZero()) {
      throw new IllegalArgumentException("nearLag must be positive, was " + bound);
    }
    lagNanos = bound.toNanos();
    subscription = source.subscribe(prefix, bound, new Invalidations.Listener() {
      @Override
      public void invalidated(Collection<String> keys) {
        invalidations.add(keys.size());
        for (String key : keys) {
          map.remove(key);
        }
      }

      @Override
      public void invalidatedAll(String reason) {
        invalidations.increment();
        dropAll();
      }
    });
    if (!ttlGiven) {
      // a fixed expiry, changed in place: cheaper per read than a per-entry one
      cache.policy().expireAfterWrite().ifPresent(p -> p.setExpiresAfter(TRACKED_TTL));
    }
  }

  /**
   * Keeps only keys under these store-key prefixes near (the namespaces a Spring cache's
   * {@code near} property names); the others are read from the remote store every time. Called
   * once, before the store is used.
   *
   * @param prefixes namespace prefixes; empty for every key
   */
  public void holdOnly(List<String> prefixes) {
    this.onlyPrefixes = List.copyOf(prefixes);
  }

  private boolean holds(String key) {
    List<String> only = onlyPrefixes;
    if (only.isEmpty()) {
      return true;
    }
    for (String prefix : only) {
      if (key.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Returns how long an entry lives after it was installed.
   *
   * @return {@code nearTtl}, or the default of the tier's mode
   */
  public Duration ttl() {
    return cache.policy().expireAfterWrite().orElseThrow().getExpiresAfter();
  }

  /** Whether invalidations come from the server (rather than the time to live alone). */
  public boolean tracking() {
    return subscription != null;
  }

  /** Empties the tier; reads in flight install nothing. */
  public void dropAll() {
    epoch.incrementAndGet();
    cache.invalidateAll();
  }

  /**
   * Returns the tier's counters.
   *
   * @return near hits, entries evicted for room or age, invalidations received (a key each,
   *     or one for "everything"), and near entries read from the store instead because the
   *     server's pushes were more than {@code nearLag} behind
   */
  public long[] counters() {
    return new long[] {hits.sum(), evictions.sum(), invalidations.sum(), behind.sum()};
  }

  /** The number of entries held (values and reads in flight), for tests. */
  public long size() {
    cache.cleanUp();
    return map.size();
  }

  /**
   * Whether a held value may be served: the server's pushes are confirmed through a time no
   * more than {@code nearLag} ago. Read before the map, so that an invalidation the confirmed
   * time covers has already removed its key.
   */
  private boolean caughtUp() {
    Invalidations.Subscription s = subscription;
    return s == null || System.nanoTime() - s.reportedThrough() <= lagNanos;
  }

  private boolean fillsAllowed() {
    Invalidations.Subscription s = subscription;
    return s == null || s.active();
  }

  /** Claims a key for a read about to be sent; {@code null} if nothing may be installed. */
  private @Nullable Fill claim(String key) {
    Fill mine = new Fill();
    Object there = map.putIfAbsent(key, mine);
    return there == null ? mine : there instanceof Fill f ? f : null;
  }

  /** Claims a key whose held value may be stale, so that a fresh read replaces it. */
  private @Nullable Fill reclaim(String key, Held held) {
    Fill mine = new Fill();
    return map.replace(key, held, mine) ? mine : null;
  }

  private void install(String key, @Nullable Fill token, @Nullable Decoded value, long started) {
    if (token == null) {
      return;
    }
    if (value == null || value.bytes().length > maxEntryBytes) {
      map.remove(key, token);
      return;
    }
    Held held = new Held(value);
    if (map.replace(key, token, held) && (epoch.get() != started || !fillsAllowed())) {
      map.remove(key, held);
    }
  }

  @Override
  public byte @Nullable [] get(String key) {
    Decoded read = getDecoded(key);
    return read == null ? null : read.bytes();
  }

  @Override
  public @Nullable Decoded getDecoded(String key) {
    boolean current = caughtUp();
    Object there = map.get(key);
    if (there instanceof Held h) {
      if (current) {
        hits.increment();
        return h.value;
      }
      behind.increment();
    }
    long started = epoch.get();
    if (!fillsAllowed() || !holds(key)) {
      byte[] value = delegate().get(key);
      return value == null ? null : Decoded.ofBytes(value);
    }
    Fill token = there instanceof Fill f ? f : there instanceof Held h ? reclaim(key, h)
        : claim(key);
    byte[] value;
    try {
      value = delegate().get(key);
    } catch (RuntimeException e) {
      if (token != null) {
        map.remove(key, token);
      }
      throw e;
    }
    Decoded read = value == null ? null : Decoded.ofBytes(value);
    install(key, token, read, started);
    return read;
  }

  /** Keeps the decoded form in place of the bytes it was read as, if the key still holds them. */
  @Override
  public void offerDecoded(String key, Decoded read, Decoded decoded) {
    map.replace(key, new Held(read), new Held(decoded));
  }

  @Override
  public void setDecoded(String key, Decoded value, long ttlMillis) {
    set(key, value.bytes(), ttlMillis);
  }

  @Override
  public boolean addDecoded(String key, Decoded value, long ttlMillis) {
    return add(key, value.bytes(), ttlMillis);
  }

  @Override
  public Map<String, byte[]> getMany(Collection<String> keys) {
    // the remote read throws on this thread, before any future exists
    return getManyThrough(keys,
        missed -> CompletableFuture.completedFuture(delegate().getMany(missed))).join();
  }

  @Override
  public boolean exists(String key) {
    if (caughtUp() && map.get(key) instanceof Held) {
      hits.increment();
      return true;
    }
    return delegate().exists(key);
  }

  @Override
  public @Nullable StoredValue getVersioned(String key) {
    return delegate().getVersioned(key);
  }

  @Override
  public void set(String key, byte[] value, long ttlMillis) {
    try {
      delegate().set(key, value, ttlMillis);
    } finally {
      map.remove(key);
    }
  }

  @Override
  public void setMany(Map<String, byte[]> entries, long ttlMillis) {
    try {
      delegate().setMany(entries, ttlMillis);
    } finally {
      evict(entries.keySet());
    }
  }

  @Override
  public boolean add(String key, byte[] value, long ttlMillis) {
    try {
      return delegate().add(key, value, ttlMillis);
    } finally {
      map.remove(key);
    }
  }

  @Override
  public boolean delete(String key) {
    try {
      return delegate().delete(key);
    } finally {
      map.remove(key);
    }
  }

  @Override
  public int deleteMany(Collection<String> keys) {
    try {
      return delegate().deleteMany(keys);
    } finally {
      evict(keys);
    }
  }

  @Override
  public boolean touch(String key, long ttlMillis) {
    try {
      return delegate().touch(key, ttlMillis);
    } finally {
      map.remove(key);
    }
  }

  @Override
  public long incr(String key, long delta, long ttlMillis) {
    try {
      return delegate().incr(key, delta, ttlMillis);
    } finally {
      map.remove(key);
    }
  }

  @Override
  public boolean compareAndSet(String key, @Nullable StoredValue expected, byte[] value,
      long ttlMillis) {
    try {
      return delegate().compareAndSet(key, expected, value, ttlMillis);
    } finally {
      map.remove(key);
    }
  }

  @Override
  public void clear(String prefix) {
    try {
      delegate().clear(prefix);
    } finally {
      if (prefix.isEmpty()) {
        dropAll();
      } else {
        map.keySet().removeIf(k -> k.startsWith(prefix));
      }
    }
  }

  private void evict(Collection<String> keys) {
    for (String key : keys) {
      map.remove(key);
    }
  }

  // ---- the same rules without a waiting thread, for AsyncNearStore -------------------------

  /**
   * Reads a key as {@link #get} does, asking the remote store with {@code remote}: a value
   * held near is a completed future; a miss claims the key, and the remote answer is
   * installed only if nothing touched the key while it was on its way.
   */
  CompletableFuture<byte @Nullable []> getThrough(String key,
      Function<String, CompletableFuture<byte @Nullable []>> remote) {
    boolean current = caughtUp();
    Object there = map.get(key);
    if (there instanceof Held h) {
      if (current) {
        hits.increment();
        return CompletableFuture.completedFuture(h.value.bytes());
      }
      behind.increment();
    }
    long started = epoch.get();
    if (!fillsAllowed() || !holds(key)) {
      return remote.apply(key);
    }
    Fill token = there instanceof Fill f ? f : there instanceof Held h ? reclaim(key, h)
        : claim(key);
    return filled(remote, key, (value, failure) -> {
      if (failure != null) {
        if (token != null) {
          map.remove(key, token);
        }
      } else {
        install(key, token, value == null ? null : Decoded.ofBytes(value), started);
      }
    });
  }

  /** Reads keys as {@link #getMany} does, the misses with one {@code remote} call. */
  CompletableFuture<Map<String, byte[]>> getManyThrough(Collection<String> keys,
      Function<List<String>, CompletableFuture<Map<String, byte[]>>> remote) {
    Map<String, byte[]> found = new HashMap<>();
    List<String> missed = new ArrayList<>();
    boolean current = caughtUp();
    for (String key : new LinkedHashSet<>(keys)) {
      if (map.get(key) instanceof Held h) {
        if (current) {
          hits.increment();
          found.put(key, h.value.bytes());
          continue;
        }
        behind.increment();
        map.remove(key, h);
      }
      missed.add(key);
    }
    if (missed.isEmpty()) {
      return CompletableFuture.completedFuture(found);
    }
    long started = epoch.get();
    Map<String, Fill> tokens = new HashMap<>();
    if (fillsAllowed()) {
      for (String key : missed) {
        Fill token = holds(key) ? claim(key) : null;
        if (token != null) {
          tokens.put(key, token);
        }
      }
    }
    return filled(remote, missed, (read, failure) -> {
      if (failure != null) {
        tokens.forEach(map::remove);
        return;
      }
      for (String key : missed) {
        byte[] value = read.get(key);
        install(key, tokens.get(key), value == null ? null : Decoded.ofBytes(value), started);
      }
    }).thenApply(read -> {
      found.putAll(read);
      return found;
    });
  }

  private static <K, V> CompletableFuture<V> filled(Function<K, CompletableFuture<V>> remote,
      K keys, BiConsumer<V, Throwable> then) {
    CompletableFuture<V> read;
    try {
      read = remote.apply(keys);
    } catch (RuntimeException e) {
      then.accept(null, e);
      throw e;
    }
    return read.whenComplete(then);
  }

  /** Whether a value is held near for the key, counted as a hit. */
  boolean holdsValue(String key) {
    if (caughtUp() && map.get(key) instanceof Held) {
      hits.increment();
      return true;
    }
    return false;
  }

  /** Evicts keys once a remote write has completed, whether it succeeded or failed. */
  <T> CompletableFuture<T> evictAfter(Collection<String> keys, CompletableFuture<T> write) {
    return write.whenComplete((value, failure) -> evict(keys));
  }

  @Override
  public StoreTraits traits() {
    return traits;
  }

  @Override
  public void close() {
    Invalidations.Subscription s = subscription;
    subscription = null;
    try {
      if (s != null) {
        s.close();
      }
    } finally {
      cache.invalidateAll();
      if (ownsRemote) {
        delegate().close();
      }
    }
  }
}

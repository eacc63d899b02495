package io.larder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.spi.ForwardingStore;
import io.larder.spi.Store;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The engines below the facade, each driven directly over the memory store with an injected
 * clock: what each one sends to the store, and what it keeps true in open scopes.
 */
class EnginesTest {
  private final AtomicLong millis = new AtomicLong(1_700_000_000_000L);
  private final InstantSource clock = () -> Instant.ofEpochMilli(millis.get());
  private final CountingStore store = new CountingStore(
      Stores.memoryBuilder().clock(clock).build());
  private final StatsCounter stats = new StatsCounter(null);
  private final View root = new View("", stats, List.of());

  /** Counts calls by operation and fails them while {@code down}. */
  static final class CountingStore extends ForwardingStore {
    final Map<String, AtomicInteger> calls = new java.util.concurrent.ConcurrentHashMap<>();
    volatile boolean down;

    CountingStore(Store delegate) {
      super(delegate);
    }

    private void record(String op) {
      calls.computeIfAbsent(op, o -> new AtomicInteger()).incrementAndGet();
      if (down) {
        throw new CacheConnectionException("down (test)");
      }
    }

    int count(String op) {
      AtomicInteger n = calls.get(op);
      return n == null ? 0 : n.get();
    }

    @Override
    public byte[] get(String key) {
      record("get");
      return super.get(key);
    }

    @Override
    public Map<String, byte[]> getMany(Collection<String> keys) {
      record("getMany");
      return super.getMany(keys);
    }

    @Override
    public void set(String key, byte[] value, long ttlMillis) {
      record("set");
      super.set(key, value, ttlMillis);
    }

    @Override
    public void setMany(Map<String, byte[]> entries, long ttlMillis) {
      record("setMany");
      super.setMany(entries, ttlMillis);
    }

    @Override
    public long incr(String key, long delta, long ttlMillis) {
      record("incr");
      return super.incr(key, delta, ttlMillis);
    }
  }

  private CacheRuntime runtime(boolean failOpen) {
    return new CacheRuntime(store, new CodecRegistry(Set.of()),
        CacheRuntime.Options.defaults(failOpen, clock));
  }

  private static Keys.StoreKey key(CacheRuntime rt, View view, String key) {
    return rt.key(view, key);
  }

  @Test
  void storeCallsFailOpenWithTheFallbackAndCountTheError() {
    CacheRuntime rt = runtime(true);
    store.down = true;
    byte[] fallback = {42};
    assertThat(rt.calls.call(stats, "get", s -> s.get("k"), fallback)).isSameAs(fallback);
    assertThat(stats.snapshot().storeErrors()).isEqualTo(1);
    assertThat(stats.snapshot().roundTrips()).isEqualTo(1);
  }

  @Test
  void storeCallsFailClosedWithTheStoresException() {
    CacheRuntime rt = runtime(false);
    store.down = true;
    assertThatThrownBy(() -> rt.calls.call(stats, "get", s -> s.get("k"), null))
        .isInstanceOf(CacheConnectionException.class);
    assertThat(stats.snapshot().storeErrors()).isEqualTo(1);
  }

  @Test
  void aCodecErrorIsTheCallersEvenFailOpen() {
    CacheRuntime rt = runtime(true);
    assertThatThrownBy(() -> rt.calls.call(stats, "incr", s -> {
      throw new CacheCodecException("not a number (test)");
    }, null)).isInstanceOf(CacheCodecException.class);
    assertThat(stats.snapshot().storeErrors()).isZero();
  }

  @Test
  void readsInsideAScopeNeverReachTheStoreAndWritesKeepTheScopeTrue() {
    CacheRuntime rt = runtime(true);
    Keys.StoreKey a = key(rt, root, "a");
    Keys.StoreKey b = key(rt, root, "b");
    rt.writes.set(root, a, "1", Codec.utf8(), Store.NO_EXPIRY);
    Map<String, Keys.StoreKey> keys = new LinkedHashMap<>();
    keys.put("a", a);
    keys.put("b", b);
    try (Preload scope = rt.preloads.open(keys, root.prefix(), stats)) {
      assertThat(store.count("getMany")).isEqualTo(1);
      assertThat(rt.reads.entry(root, a, Codec.utf8()).value()).isEqualTo("1");
      assertThat(rt.reads.entry(root, b, Codec.utf8()).present()).isFalse(); // a known miss
      rt.writes.set(root, b, "2", Codec.utf8(), Store.NO_EXPIRY);
      rt.writes.delete(root, a);
      assertThat(rt.reads.entry(root, b, Codec.utf8()).value()).isEqualTo("2");
      assertThat(rt.reads.entry(root, a, Codec.utf8()).present()).isFalse();
      assertThat(store.count("get")).isZero();
      assertThat(stats.snapshot().preloadHits()).isEqualTo(4);
    }
    assertThat(rt.reads.entry(root, b, Codec.utf8()).value()).isEqualTo("2");
    assertThat(store.count("get")).isEqualTo(1);
  }

  @Test
  void aPreloadScopeLendsItsResolvedKeysToReadsUnderTheSamePrefixOnly() {
    CacheRuntime rt = runtime(true);
    Keys.StoreKey a = key(rt, root, "a");
    assertThat(rt.preloads.preloaded(root.prefix(), "a")).isNull();
    try (Preload scope = rt.preloads.open(Map.of("a", a), root.prefix(), stats)) {
      assertThat(rt.preloads.preloaded(root.prefix(), "a")).isSameAs(a);
      assertThat(rt.preloads.preloaded(root.prefix(), "b")).isNull();
      assertThat(rt.preloads.preloaded(root.prefix() + "x", "a")).isNull();
    }
    assertThat(rt.preloads.preloaded(root.prefix(), "a")).isNull();
  }

  @Test
  void aWriteThatFailedOpenMakesTheScopeForgetTheKey() {
    CacheRuntime rt = runtime(true);
    Keys.StoreKey a = key(rt, root, "a");
    rt.writes.set(root, a, "old", Codec.utf8(), Store.NO_EXPIRY);
    try (Preload scope = rt.preloads.open(Map.of("a", a), root.prefix(), stats)) {
      store.down = true;
      rt.writes.set(root, a, "new", Codec.utf8(), Store.NO_EXPIRY);
      store.down = false;
      // the failed write is remembered: "a" misses without asking the store, which kept "old"
      assertThat(rt.reads.entry(root, a, Codec.utf8()).present()).isFalse();
      assertThat(store.count("get")).isZero();
      // once the background delete removed "old", the scope still does not claim to know "a"
      rt.dropped.retryDeletes();
      assertThat(rt.reads.entry(root, a, Codec.utf8()).present()).isFalse();
      assertThat(store.count("get")).isEqualTo(1);
    }
  }

  @Test
  void aTaggedValueReadsWithItsGenerationsInOneRoundTripAndIsGoneAfterInvalidation() {
    CacheRuntime rt = runtime(true);
    View tagged = new View("", stats, List.of("book:1", "author:7"));
    Keys.StoreKey k = key(rt, tagged, "page");
    rt.writes.set(tagged, k, "<p>", Codec.utf8(), Store.NO_EXPIRY);
    int before = store.count("getMany") + store.count("get");
    assertThat(rt.reads.entry(tagged, k, Codec.utf8()).value()).isEqualTo("<p>");
    assertThat(store.count("getMany") + store.count("get") - before).isEqualTo(1);

    rt.tags.invalidate("author:7", stats);
    assertThat(store.count("incr")).isEqualTo(1);
    long misses = stats.snapshot().misses();
    assertThat(rt.reads.entry(tagged, k, Codec.utf8()).present()).isFalse();
    assertThat(stats.snapshot().misses()).isEqualTo(misses + 1);
    // the generations travel with the value: a view without tags reads it as gone too
    assertThat(rt.reads.entry(root, k, Codec.utf8()).present()).isFalse();
  }

  @Test
  void theLoaderServesAStaleValueAndRefreshesItInTheBackground() throws Exception {
    CacheRuntime rt = runtime(true);
    Keys.StoreKey k = key(rt, root, "report");
    Freshness f = Freshness.of(Duration.ofSeconds(10)).staleFor(Duration.ofMinutes(1))
        .earlyRecompute(0);
    assertThat(rt.loader.compute(root, k, Codec.utf8(), f, () -> "v1", false).value())
        .isEqualTo("v1");
    millis.addAndGet(11_000);
    CountDownLatch refreshed = new CountDownLatch(1);
    String served = rt.loader.compute(root, k, Codec.utf8(), f, () -> {
      refreshed.countDown();
      return "v2";
    }, false).value();
    assertThat(served).isEqualTo("v1");
    assertThat(refreshed.await(10, TimeUnit.SECONDS)).isTrue();
    // the refresh stores before it releases the key; a fresh read may race it, so wait for it
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String now = served;
    while (!now.equals("v2") && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      now = rt.reads.entry(root, k, Codec.utf8()).value();
    }
    assertThat(now).isEqualTo("v2");
    rt.close();
  }

  @Test
  void theBulkLoaderComputesOnlyTheMissingKeysInOneCallAndStoresThemInOneRoundTrip() {
    CacheRuntime rt = runtime(true);
    Map<Long, Keys.StoreKey> keys = new LinkedHashMap<>();
    for (long id = 1; id <= 4; id++) {
      keys.put(id, key(rt, root, "book:" + id));
    }
    rt.writes.set(root, keys.get(2L), "two", Codec.utf8(), Store.NO_EXPIRY);
    AtomicInteger calls = new AtomicInteger();
    Map<Long, String> result = rt.loader.computeAll(root, keys, Codec.utf8(),
        Freshness.of(Duration.ofMinutes(1)), false, missing -> {
          calls.incrementAndGet();
          assertThat(missing).containsExactly(1L, 3L, 4L);
          Map<Long, String> out = new LinkedHashMap<>();
          missing.forEach(id -> out.put(id, "book " + id));
          return out;
        });
    assertThat(result).containsEntry(2L, "two").containsEntry(4L, "book 4").hasSize(4);
    assertThat(calls).hasValue(1);
    assertThat(store.count("setMany")).isEqualTo(1);
  }

  @Test
  void aLearnedScopePreloadsWhatTheSameNameReadLastTimeInOneRoundTrip() {
    CacheRuntime rt = runtime(true);
    Keys.StoreKey a = key(rt, root, "a");
    Keys.StoreKey b = key(rt, root, "b");
    rt.writes.set(root, a, "1", Codec.utf8(), Store.NO_EXPIRY);
    try (Preload learning = rt.preloads.learned("/page", stats)) {
      rt.reads.entry(root, a, Codec.utf8());
      rt.reads.entry(root, b, Codec.utf8());
    }
    int gets = store.count("get");
    int bulk = store.count("getMany");
    try (Preload learned = rt.preloads.learned("/page", stats)) {
      assertThat(rt.reads.entry(root, a, Codec.utf8()).value()).isEqualTo("1");
      assertThat(rt.reads.entry(root, b, Codec.utf8()).present()).isFalse();
    }
    assertThat(store.count("get")).isEqualTo(gets);
    assertThat(store.count("getMany")).isEqualTo(bulk + 1);
  }
}

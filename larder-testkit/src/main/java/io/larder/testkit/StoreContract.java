package io.larder.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Cache;
import io.larder.CacheCodecException;
import io.larder.CacheStats;
import io.larder.Codec;
import io.larder.Larder;
import io.larder.Preload;
import io.larder.Versioned;
import io.larder.spi.Store;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract every {@link Store} passes, exercised through the {@link Cache} facade as
 * users see it: every operation, TTLs, namespaces, preload scopes, codecs, compression, bad
 * keys, corrupted bytes and concurrency.
 *
 * <p>A store's test extends this class and says how to open the store:
 *
 * <pre>{@code
 * class MemoryStoreContractTest extends StoreContract {
 *   protected Store createStore(ManualClock clock) {
 *     return Stores.memoryBuilder().clock(clock).build();
 *   }
 * }
 * }</pre>
 *
 * <p>Stores whose expiry runs on a server's clock return {@code false} from
 * {@link #usesInjectedClock()}; the TTL tests then wait in real time, in multiples of
 * {@link #ttlUnit()}, and skip the cases that would take days. Each test works in a fresh
 * random namespace and clears it afterwards, so a server can be shared by the whole class.
 */
public abstract class StoreContract {
  private static final int THREADS = 16;

  /** The clock given to {@link #createStore}; advanced by {@link #elapse}. */
  protected ManualClock clock;
  /** The store under test, fresh for each test. */
  protected Store store;
  /** A fail-closed cache over {@link #store} in a random namespace of its own. */
  protected Cache cache;
  /** The random namespace {@link #cache} works in. */
  protected String prefix;
  private final List<Cache> opened = new ArrayList<>();

  /**
   * Opens the store under test.
   *
   * @param clock the clock to expire entries by, for stores that accept one
   * @return a new store; the contract closes it after each test
   */
  protected abstract Store createStore(ManualClock clock);

  /**
   * Tells whether the store expires entries by the clock given to {@link #createStore}.
   *
   * @return {@code false} for stores that expire by a server's clock
   */
  protected boolean usesInjectedClock() {
    return true;
  }

  /**
   * Returns the shortest TTL the store honours exactly; TTL tests use multiples of it.
   *
   * @return one second by default (memcached's resolution)
   */
  protected Duration ttlUnit() {
    return Duration.ofSeconds(1);
  }

  /**
   * Lets time pass: advances the injected clock, or sleeps for server-clock stores.
   *
   * @param d how long
   * @throws InterruptedException if interrupted while sleeping
   */
  protected void elapse(Duration d) throws InterruptedException {
    if (usesInjectedClock()) {
      clock.advance(d);
    } else {
      Thread.sleep(d.toMillis());
    }
  }

  @BeforeEach
  void openStore() {
    clock = new ManualClock();
    store = createStore(clock);
    prefix = unique("contract");
    cache = newCache(Larder.builder().prefix(prefix));
  }

  @AfterEach
  void closeStore() {
    try {
      cache.clear();
      for (Cache c : opened) {
        c.close();
      }
    } finally {
      store.close();
    }
  }

  /**
   * Builds a fail-closed cache over the store under test; closed after the test.
   *
   * @param builder a builder with any options but the store and failure mode
   * @return the cache
   */
  protected Cache newCache(Larder.Builder builder) {
    if (usesInjectedClock()) {
      builder.clock(clock);
    }
    Cache c = builder.store(store).failOpen(false).build();
    opened.add(c);
    return c;
  }

  private static String unique(String name) {
    return name + "-" + UUID.randomUUID();
  }

  private long roundTrips(Runnable r) {
    long before = cache.stats().roundTrips();
    r.run();
    return cache.stats().roundTrips() - before;
  }

  private Duration units(long n) {
    return ttlUnit().multipliedBy(n);
  }

  // ---- basic operations --------------------------------------------------------------------

  @Test
  void setThenGetReturnsTheValueForEveryBuiltInType() {
    cache.set("s", "héllo ☕");
    cache.set("b", new byte[] {0, (byte) 0xFF, 10, 13, 9});
    cache.set("l", -42L);
    cache.set("i", 7);
    cache.set("empty", "");

    assertThat(cache.get("s", String.class)).isEqualTo("héllo ☕");
    assertThat(cache.get("b", byte[].class)).containsExactly(0, 0xFF, 10, 13, 9);
    assertThat(cache.get("l", Long.class)).isEqualTo(-42L);
    assertThat(cache.get("i", Integer.class)).isEqualTo(7);
    assertThat(cache.get("empty", String.class)).isEmpty();
    assertThat(cache.stats().hits()).isEqualTo(5);
  }

  @Test
  void aByteArrayReadBackIsTheCallersToChange() {
    cache.set("b", new byte[] {1, 2, 3});
    cache.set("big", new byte[4_096]); // compressed when the cache compresses, so behind a header

    cache.get("b", byte[].class)[0] = 9;
    cache.getMany(List.of("b", "big"), byte[].class).values().forEach(v -> v[0] = 9);
    cache.getVersioned("b", byte[].class).value()[0] = 9;
    try (Preload scope = cache.preload("b", "big")) {
      cache.get("b", byte[].class)[0] = 9;
      cache.get("big", byte[].class)[0] = 9;
      assertThat(cache.get("b", byte[].class)).containsExactly(1, 2, 3);
      assertThat(cache.get("big", byte[].class)[0]).isZero();
    }

    assertThat(cache.get("b", byte[].class)).containsExactly(1, 2, 3);
    assertThat(cache.get("big", byte[].class)[0]).isZero();
  }

  @Test
  void aByteArraySetIsCopiedWhenWritten() {
    byte[] value = {1, 2, 3};
    cache.set("b", value);
    value[0] = 9;
    assertThat(cache.get("b", byte[].class)).containsExactly(1, 2, 3);
  }

  @Test
  void missingKeyReadsNullAndCountsAMiss() {
    assertThat(cache.get("nothing", String.class)).isNull();
    CacheStats stats = cache.stats();
    assertThat(stats.misses()).isEqualTo(1);
    assertThat(stats.hits()).isZero();
  }

  @Test
  void setReplacesTheValue() {
    cache.set("k", "one");
    cache.set("k", "two");
    assertThat(cache.get("k", String.class)).isEqualTo("two");
  }

  @Test
  void deleteRemovesAndSaysWhetherSomethingWasThere() {
    cache.set("k", "v");
    assertThat(cache.delete("k")).isTrue();
    assertThat(cache.get("k", String.class)).isNull();
    assertThat(cache.delete("k")).isFalse();
  }

  @Test
  void existsFollowsPresence() {
    assertThat(cache.exists("k")).isFalse();
    cache.set("k", "v");
    assertThat(cache.exists("k")).isTrue();
    cache.delete("k");
    assertThat(cache.exists("k")).isFalse();
  }

  @Test
  void addStoresOnlyWhenAbsent() {
    assertThat(cache.add("k", "first")).isTrue();
    assertThat(cache.add("k", "second")).isFalse();
    assertThat(cache.get("k", String.class)).isEqualTo("first");
  }

  @Test
  void addIsAtomicUnderContention() throws Exception {
    List<Boolean> results = runConcurrently(THREADS, i -> cache.add("race", "t" + i));
    assertThat(results).containsOnlyOnce(true);
  }

  @Test
  void getManyReadsEverythingInOneRoundTripAndOmitsMisses() {
    cache.set("a", "1");
    cache.set("c", "3");
    Map<String, String>[] got = new Map[1];
    long trips = roundTrips(() -> got[0] = cache.getMany(List.of("c", "a", "b", "a"), String.class));
    assertThat(trips).isEqualTo(1);
    assertThat(got[0]).containsExactly(Map.entry("c", "3"), Map.entry("a", "1"));
  }

  @Test
  void setManyWritesEverythingInOneRoundTrip() {
    Map<String, Object> entries = new LinkedHashMap<>();
    for (int i = 0; i < 100; i++) {
      entries.put("k" + i, "v" + i);
    }
    assertThat(roundTrips(() -> cache.setMany(entries))).isEqualTo(1);
    Map<String, String> got = cache.getMany(entries.keySet(), String.class);
    assertThat(got).hasSize(100).containsEntry("k0", "v0").containsEntry("k99", "v99");
  }

  @Test
  void deleteManyRemovesInOneRoundTripAndCounts() {
    cache.setMany(Map.of("a", "1", "b", "2", "c", "3"));
    int[] removed = new int[1];
    assertThat(roundTrips(() -> removed[0] = cache.deleteMany(List.of("a", "b", "zz")))).isEqualTo(1);
    assertThat(removed[0]).isEqualTo(2);
    assertThat(cache.getMany(List.of("a", "b", "c"), String.class)).containsOnlyKeys("c");
  }

  @Test
  void getManyHandlesAThousandKeys() {
    Map<String, Object> entries = new LinkedHashMap<>();
    for (int i = 0; i < 1000; i++) {
      entries.put("many:" + i, Integer.toString(i));
    }
    cache.setMany(entries);
    List<String> keys = new ArrayList<>(entries.keySet());
    keys.add("many:absent");
    Map<String, String> got = cache.getMany(keys, String.class);
    assertThat(got).hasSize(1000);
    assertThat(got.get("many:517")).isEqualTo("517");
  }

  // ---- TTL ---------------------------------------------------------------------------------

  @Test
  void entriesExpireAfterTheirTtl() throws Exception {
    // margins of whole units: a store counting whole seconds may expire up to a unit early
    cache.set("short", "v", units(3));
    cache.set("long", "v", units(9));
    elapse(units(1));
    assertThat(cache.get("short", String.class)).isEqualTo("v");
    elapse(units(3));
    assertThat(cache.get("short", String.class)).isNull();
    assertThat(cache.exists("short")).isFalse();
    assertThat(cache.getMany(List.of("short", "long"), String.class)).containsOnlyKeys("long");
  }

  @Test
  void theDefaultTtlAppliesToWritesWithoutOne() throws Exception {
    Cache withTtl = newCache(Larder.builder().prefix(unique("ttl")).defaultTtl(units(2)));
    withTtl.set("k", "v");
    withTtl.setMany(Map.of("m", "v"));
    withTtl.add("a", "v");
    elapse(units(3));
    assertThat(withTtl.getMany(List.of("k", "m", "a"), String.class)).isEmpty();
    withTtl.clear();
  }

  @Test
  void setManyGivesEveryKeyItsTtl() throws Exception {
    cache.setMany(Map.of("x", "1", "y", "2"), units(2));
    elapse(units(3));
    assertThat(cache.getMany(List.of("x", "y"), String.class)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1, -86_400_000})
  void zeroOrNegativeTtlMeansAlreadyExpired(long ttlMillis) {
    Duration ttl = Duration.ofMillis(ttlMillis);
    cache.set("k", "old");
    cache.set("k", "new", ttl);
    assertThat(cache.get("k", String.class)).as("set with TTL %s deletes", ttl).isNull();

    assertThat(cache.add("a", "v", ttl)).as("add with TTL %s stores nothing", ttl).isFalse();
    assertThat(cache.exists("a")).isFalse();

    cache.set("t", "v");
    assertThat(cache.touch("t", ttl)).isTrue();
    assertThat(cache.exists("t")).as("touch with TTL %s deletes", ttl).isFalse();

    cache.set("m", "v");
    cache.setMany(Map.of("m", "w"), ttl);
    assertThat(cache.exists("m")).isFalse();
  }

  @Test
  void countersAndCompareAndSetRejectNonPositiveTtls() {
    assertThatThrownBy(() -> cache.incr("c", 1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TTL");
    Versioned<String> read = cache.getVersioned("k", Codec.utf8());
    assertThatThrownBy(() -> cache.compareAndSet(read, "v", Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TTL");
  }

  @Test
  void aTtlOverThirtyDaysIsATtlNotADate() throws Exception {
    // memcached reads a TTL over 30 days as a Unix time; the store must convert it
    cache.set("k", "v", Duration.ofDays(45));
    assertThat(cache.get("k", String.class)).isEqualTo("v");
    if (usesInjectedClock()) {
      elapse(Duration.ofDays(44));
      assertThat(cache.get("k", String.class)).isEqualTo("v");
      elapse(Duration.ofDays(2));
      assertThat(cache.get("k", String.class)).isNull();
    }
  }

  @Test
  void aTtlOfAHundredYearsOrMoreNeverExpires() throws Exception {
    cache.set("forever", "v", Cache.FOREVER);
    cache.set("century", "v", Duration.ofDays(365 * 200));
    cache.set("default", "v");
    if (usesInjectedClock()) {
      elapse(Duration.ofDays(365 * 50));
    } else {
      elapse(units(2));
    }
    assertThat(cache.getMany(List.of("forever", "century", "default"), String.class)).hasSize(3);
  }

  @Test
  void aSubMillisecondTtlRoundsUpInsteadOfDeleting() {
    if (usesInjectedClock()) {
      cache.set("k", "v", Duration.ofNanos(1));
      assertThat(cache.get("k", String.class)).isEqualTo("v");
    }
    // on a server's clock a 1 ms entry may be gone before it is read back; the fraction must
    // still round up, never down to a deleting zero
    cache.set("k2", "v", units(3).plusNanos(1));
    assertThat(cache.get("k2", String.class)).isEqualTo("v");
  }

  @Test
  void touchGivesANewTtlAndKeepsTheValue() throws Exception {
    cache.set("k", "v", units(3));
    elapse(units(1));
    assertThat(cache.touch("k", units(6))).isTrue();
    elapse(units(3));
    assertThat(cache.get("k", String.class)).isEqualTo("v");
    elapse(units(4));
    assertThat(cache.get("k", String.class)).isNull();
    assertThat(cache.touch("k", units(4))).isFalse();
  }

  @Test
  void addSucceedsOnceTheOldValueHasExpired() throws Exception {
    cache.set("k", "old", units(1));
    elapse(units(2));
    assertThat(cache.add("k", "new")).isTrue();
    assertThat(cache.get("k", String.class)).isEqualTo("new");
  }

  // ---- counters ----------------------------------------------------------------------------

  @Test
  void incrCreatesAtDeltaAndAgreesWithLongReads() {
    assertThat(cache.incr("c")).isEqualTo(1);
    assertThat(cache.incr("c", 41)).isEqualTo(42);
    assertThat(cache.decr("c", 50)).isEqualTo(-8);
    assertThat(cache.decr("c")).isEqualTo(-9);
    assertThat(cache.get("c", Long.class)).isEqualTo(-9L);
    assertThat(cache.get("c", String.class)).isEqualTo("-9");
    assertThat(cache.decr("fresh", 3)).isEqualTo(-3);
  }

  @Test
  void incrWorksOnValuesWrittenAsLongsOrDecimalText() {
    cache.set("l", 5L);
    cache.set("s", "17");
    assertThat(cache.incr("l")).isEqualTo(6);
    assertThat(cache.incr("s", 3)).isEqualTo(20);
    // keys some stores must hash: the counter must stay plain decimal text all the same
    String awkward = "counter with spaces, ünïcode and " + "x".repeat(300);
    cache.set(awkward, 5L);
    assertThat(cache.incr(awkward)).isEqualTo(6);
    cache.set("#hash counter", "41");
    assertThat(cache.incr("#hash counter")).isEqualTo(42);
    assertThat(cache.get("#hash counter", Long.class)).isEqualTo(42L);
  }

  @Test
  void incrOnTextFailsAndLeavesTheValue() {
    cache.set("t", "hello");
    assertThatThrownBy(() -> cache.incr("t")).isInstanceOf(CacheCodecException.class);
    assertThat(cache.get("t", String.class)).isEqualTo("hello");
  }

  @Test
  void incrPastLongMaxFailsInsteadOfWrapping() {
    cache.set("big", Long.MAX_VALUE);
    assertThatThrownBy(() -> cache.incr("big")).isInstanceOf(CacheCodecException.class);
    assertThat(cache.get("big", Long.class)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void aCounterTakesItsTtlWhenCreatedAndKeepsIt() throws Exception {
    cache.incr("c", 1, units(3));
    elapse(units(1));
    cache.incr("c", 1, units(100));
    elapse(units(3));
    assertThat(cache.get("c", Long.class)).as("the second incr must not extend the TTL").isNull();
    assertThat(cache.incr("c", 5, units(2))).isEqualTo(5);
  }

  @Test
  void sixteenThreadsOfIncrementsLoseNone() throws Exception {
    int perThread = 10_000;
    runConcurrently(THREADS, i -> {
      for (int n = 0; n < perThread; n++) {
        cache.incr("hits");
      }
      return null;
    });
    assertThat(cache.get("hits", Long.class)).isEqualTo((long) THREADS * perThread);
  }

  // ---- compare-and-set ---------------------------------------------------------------------

  @Test
  void compareAndSetWritesOnlyIfUnchanged() {
    cache.set("k", "v1");
    Versioned<String> read = cache.getVersioned("k", String.class);
    assertThat(read.exists()).isTrue();
    assertThat(read.value()).isEqualTo("v1");
    assertThat(cache.compareAndSet(read, "v2")).isTrue();
    assertThat(cache.compareAndSet(read, "v3")).as("stale version").isFalse();
    assertThat(cache.get("k", String.class)).isEqualTo("v2");
  }

  @Test
  void compareAndSetFailsAfterAnotherWriteEvenOfTheSameValue() {
    cache.set("k", "same");
    Versioned<String> read = cache.getVersioned("k", String.class);
    cache.set("k", "other");
    cache.set("k", "same");
    assertThat(cache.compareAndSet(read, "mine")).isFalse();
    assertThat(cache.get("k", String.class)).isEqualTo("same");
  }

  @Test
  void compareAndSetOnAMissingKeyActsAsAdd() {
    Versioned<String> absent = cache.getVersioned("k", String.class);
    assertThat(absent.exists()).isFalse();
    assertThat(absent.value()).isNull();
    cache.set("k", "someone else");
    assertThat(cache.compareAndSet(absent, "mine")).isFalse();
    cache.delete("k");
    assertThat(cache.compareAndSet(absent, "mine")).isTrue();
    assertThat(cache.get("k", String.class)).isEqualTo("mine");
  }

  @Test
  void compareAndSetFailsWhenTheKeyWasDeleted() {
    cache.set("k", "v");
    Versioned<String> read = cache.getVersioned("k", String.class);
    cache.delete("k");
    assertThat(cache.compareAndSet(read, "w")).isFalse();
    assertThat(cache.exists("k")).isFalse();
  }

  @Test
  void compareAndSetRejectsAVersionFromAnotherNamespace() {
    Versioned<String> read = cache.namespace("other").getVersioned("k", String.class);
    assertThatThrownBy(() -> cache.compareAndSet(read, "v"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void updateWritesWithTheTtlItIsGiven() throws Exception {
    cache.incr("n", 1, units(100));
    cache.update("n", Codec.longs(), units(3), v -> v + 1);
    elapse(units(4));
    assertThat(cache.get("n", Long.class)).as("update replaces the TTL, as set does").isNull();
  }

  @Test
  void updateReturnsWhatItWroteAndNullWritesNothing() {
    assertThat(cache.update("n", Long.class, v -> v == null ? 1L : v + 1)).isEqualTo(1L);
    assertThat(cache.update("n", Long.class, v -> v + 1)).isEqualTo(2L);
    assertThat(cache.update("n", Long.class, v -> null)).isNull();
    assertThat(cache.get("n", Long.class)).isEqualTo(2L);
  }

  @Test
  void sixteenThreadsRunningUpdateLoseNoUpdate() throws Exception {
    int perThread = 200;
    runConcurrently(THREADS, i -> {
      for (int n = 0; n < perThread; n++) {
        cache.update("counter", Codec.utf8(),
            v -> Long.toString(v == null ? 1 : Long.parseLong(v) + 1));
      }
      return null;
    });
    assertThat(cache.get("counter", String.class)).isEqualTo(Long.toString(THREADS * perThread));
  }

  // ---- namespaces --------------------------------------------------------------------------

  @Test
  void namespacesNeverShareKeys() {
    Cache a = cache.namespace("a");
    Cache ab = cache.namespace("a:b");
    a.set("b:c", "from a");
    ab.set("c", "from a:b");
    cache.set("a::b:c", "from root");
    assertThat(a.get("b:c", String.class)).isEqualTo("from a");
    assertThat(ab.get("c", String.class)).isEqualTo("from a:b");
    assertThat(cache.get("a::b:c", String.class)).isEqualTo("from root");
    assertThat(a.namespace("b").get("c", String.class)).isNull();
  }

  @Test
  void clearRemovesOneNamespaceAndItsChildrenOnly() {
    Cache notes = cache.namespace("notes");
    Cache drafts = notes.namespace("drafts");
    Cache users = cache.namespace("users");
    Cache notesLookalike = cache.namespace("notes2");
    notes.set("1", "n");
    drafts.set("1", "d");
    users.set("1", "u");
    notesLookalike.set("1", "l");
    cache.set("1", "root");

    notes.clear();

    assertThat(notes.get("1", String.class)).isNull();
    assertThat(drafts.get("1", String.class)).isNull();
    assertThat(users.get("1", String.class)).isEqualTo("u");
    assertThat(notesLookalike.get("1", String.class)).isEqualTo("l");
    assertThat(cache.get("1", String.class)).isEqualTo("root");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a*", "a?", "a[b]", "a\\", "a%", "a_", "a.b", "a b", "ä", "a%3A"})
  void clearTreatsPatternCharactersInNamesLiterally(String name) {
    Cache target = cache.namespace(name);
    List<Cache> neighbours = List.of(cache.namespace("a"), cache.namespace("ab"),
        cache.namespace("a:"), cache.namespace("aXb"), cache.namespace(name + "x"));
    target.set("k", "target");
    for (Cache n : neighbours) {
      n.set("k", "neighbour");
    }
    target.clear();
    assertThat(target.get("k", String.class)).isNull();
    for (Cache n : neighbours) {
      assertThat(n.get("k", String.class)).as("neighbour %s", n).isEqualTo("neighbour");
    }
  }

  @Test
  void aCacheWithoutPrefixNeverSharesKeysWithItsNamespaces() {
    Cache root = newCache(Larder.builder());
    String name = unique("ns");
    Cache ns = root.namespace(name);
    List<String> rootKeys = List.of(name + "::1", name + ":draft", name + ":", "~" + name + "::1",
        "~" + name + ":x", "~~" + name);
    try {
      for (String k : rootKeys) {
        root.set(k, "root");
      }
      ns.set("1", "namespaced");
      assertThat(root.getMany(rootKeys, String.class)).hasSize(rootKeys.size())
          .containsOnly(rootKeys.stream().map(k -> Map.entry(k, "root")).toArray(Map.Entry[]::new));
      ns.clear();
      assertThat(ns.get("1", String.class)).isNull();
      assertThat(root.getMany(rootKeys, String.class)).as("root keys after clearing %s", name)
          .hasSize(rootKeys.size());
    } finally {
      root.deleteMany(rootKeys);
    }
  }

  @Test
  void clearOnAPrefixedRootCacheLeavesOtherPrefixesAlone() {
    Cache other = newCache(Larder.builder().prefix(unique("other")));
    other.set("k", "kept");
    cache.set("k", "gone");
    cache.clear();
    assertThat(cache.get("k", String.class)).isNull();
    assertThat(other.get("k", String.class)).isEqualTo("kept");
    other.clear();
  }

  @Test
  void namespaceStatsAreTheirOwnAndRollUp() {
    Cache ns = cache.namespace("stats");
    assertThat(cache.namespace("stats")).isSameAs(ns);
    ns.set("k", "v");
    ns.get("k", String.class);
    cache.get("absent", String.class);
    assertThat(ns.stats().hits()).isEqualTo(1);
    assertThat(ns.stats().misses()).isZero();
    assertThat(cache.stats().hits()).isEqualTo(1);
    assertThat(cache.stats().misses()).isEqualTo(1);
    assertThat(cache.stats().writes()).isEqualTo(1);
  }

  // ---- preload scopes ----------------------------------------------------------------------

  @Test
  void aScopeLoadsInOneRoundTripAndAnswersHitsAndMissesWithoutAnother() {
    cache.set("a", "1");
    cache.set("b", "2");
    CacheStats before = cache.stats();
    try (Preload scope = cache.preload("a", "b", "missing")) {
      assertThat(scope.keys()).containsExactly("a", "b", "missing");
      assertThat(cache.get("a", String.class)).isEqualTo("1");
      assertThat(cache.get("b", String.class)).isEqualTo("2");
      assertThat(cache.get("missing", String.class)).isNull();
      assertThat(cache.exists("missing")).isFalse();
      assertThat(cache.getMany(List.of("a", "missing"), String.class)).containsOnlyKeys("a");
    }
    CacheStats used = cache.stats().minus(before);
    assertThat(used.roundTrips()).isEqualTo(1);
    assertThat(used.preloadHits()).isEqualTo(6);
    assertThat(used.hits()).isEqualTo(3);
    assertThat(used.misses()).isEqualTo(2);
  }

  @Test
  void writesInsideAScopeKeepItTrue() {
    cache.set("s", "old");
    cache.set("d", "doomed");
    cache.set("n", 1L);
    cache.set("v", "v1");
    try (Preload scope = cache.preload("s", "d", "n", "v", "new", "added")) {
      cache.set("s", "new value");
      cache.delete("d");
      cache.incr("n", 10);
      Versioned<String> read = cache.getVersioned("v", String.class);
      cache.compareAndSet(read, "v2");
      cache.set("new", "created");
      cache.add("added", "yes");

      long trips = roundTrips(() -> {
        assertThat(cache.get("s", String.class)).isEqualTo("new value");
        assertThat(cache.get("d", String.class)).isNull();
        assertThat(cache.get("n", Long.class)).isEqualTo(11L);
        assertThat(cache.get("v", String.class)).isEqualTo("v2");
        assertThat(cache.get("new", String.class)).isEqualTo("created");
        assertThat(cache.get("added", String.class)).isEqualTo("yes");
      });
      assertThat(trips).isZero();
    }
  }

  @Test
  void aFailedAddInsideAScopeIsNotAnsweredFromTheScope() {
    try (Preload scope = cache.preload("k")) {
      // another client writes the key after the scope loaded it as missing
      newCache(Larder.builder().prefix(prefix)).set("k", "theirs");
      assertThat(cache.add("k", "mine")).isFalse();
      assertThat(cache.get("k", String.class)).isEqualTo("theirs");
    }
  }

  @Test
  void clearInsideAScopeEmptiesItForThatNamespace() {
    Cache ns = cache.namespace("ns");
    ns.set("a", "1");
    cache.set("b", "2");
    try (Preload outer = cache.preload("b"); Preload inner = ns.preload("a")) {
      ns.clear();
      assertThat(roundTrips(() -> {
        assertThat(ns.get("a", String.class)).isNull();
        assertThat(cache.get("b", String.class)).isEqualTo("2");
      })).isZero();
    }
  }

  @Test
  void scopesNestAndInnerKeysLeaveWithTheInnerScope() {
    cache.set("outer", "o");
    cache.set("inner", "i");
    try (Preload outer = cache.preload("outer")) {
      try (Preload inner = cache.preload("inner", "outer")) {
        assertThat(roundTrips(() -> {
          assertThat(cache.get("outer", String.class)).isEqualTo("o");
          assertThat(cache.get("inner", String.class)).isEqualTo("i");
        })).isZero();
      }
      assertThat(roundTrips(() -> cache.get("outer", String.class))).isZero();
      assertThat(roundTrips(() -> cache.get("inner", String.class))).isEqualTo(1);
    }
  }

  @Test
  void anInnerScopeLoadsOnlyWhatTheOuterDoesNotKnow() {
    cache.set("a", "1");
    try (Preload outer = cache.preload("a", "b")) {
      assertThat(roundTrips(() -> cache.preload("a", "b").close())).isZero();
      assertThat(roundTrips(() -> cache.preload("a", "c").close())).isEqualTo(1);
    }
  }

  @Test
  void aScopeBelongsToItsThread() throws Exception {
    cache.set("k", "before");
    try (Preload scope = cache.preload("k")) {
      String seen = runConcurrently(1, i -> {
        long trips = cache.stats().roundTrips();
        cache.set("k", "from another thread");
        String v = cache.get("k", String.class);
        assertThat(cache.stats().roundTrips() - trips).isEqualTo(2);
        return v;
      }).get(0);
      assertThat(seen).isEqualTo("from another thread");
      assertThat(cache.get("k", String.class)).as("this thread's scope is a snapshot").isEqualTo("before");
    }
    assertThat(cache.get("k", String.class)).isEqualTo("from another thread");
  }

  @Test
  void aScopeIsClosedWhenItsBlockThrows() {
    cache.set("k", "v");
    try (Preload scope = cache.preload("k")) {
      throw new IllegalStateException("page failed");
    } catch (IllegalStateException expected) {
      // the scope must be gone now
    }
    assertThat(roundTrips(() -> cache.get("k", String.class))).isEqualTo(1);
  }

  @Test
  void aScopeClosedByAnotherThreadStopsAnsweringOnItsOwn() throws Exception {
    cache.set("k", "old");
    Preload scope = cache.preload("k");
    runConcurrently(1, i -> {
      scope.close();
      cache.set("k", "new");
      return null;
    });
    assertThat(roundTrips(() -> assertThat(cache.get("k", String.class)).isEqualTo("new")))
        .isEqualTo(1);
    scope.close();
  }

  @Test
  void getManyInsideAScopeFetchesOnlyTheUnknownKeys() {
    cache.set("a", "1");
    cache.set("b", "2");
    try (Preload scope = cache.preload("a")) {
      CacheStats before = cache.stats();
      assertThat(cache.getMany(List.of("a", "b"), String.class))
          .containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
      CacheStats used = cache.stats().minus(before);
      assertThat(used.roundTrips()).isEqualTo(1);
      assertThat(used.preloadHits()).isEqualTo(1);
    }
  }

  // ---- codecs and compression --------------------------------------------------------------

  @Test
  void compressedValuesRoundTripAndAreReadableByCachesThatDoNotCompress() {
    Cache zipping = newCache(Larder.builder().compressAbove(64));
    Cache plain = newCache(Larder.builder());
    String big = "larder ".repeat(2000);
    String bigKey = unique("zip-big");
    String smallKey = unique("zip-small");
    try {
      zipping.set(bigKey, big);
      zipping.set(smallKey, "tiny");
      assertThat(plain.get(bigKey, String.class)).isEqualTo(big);
      assertThat(zipping.get(bigKey, String.class)).isEqualTo(big);
      assertThat(zipping.get(smallKey, String.class)).isEqualTo("tiny");

      byte[] stored = store.get(bigKey); // a short ASCII key without a prefix is stored as is
      assertThat(stored.length).isLessThan(big.length() / 10);
      assertThat(stored[0] & 0xFF).isEqualTo(0xFF);
      assertThat(store.get(smallKey)).containsExactly("tiny".getBytes(StandardCharsets.UTF_8));
    } finally {
      plain.deleteMany(List.of(bigKey, smallKey));
    }
  }

  @Test
  void aCompressingCodecRoundTrips() {
    Codec<String> codec = Codec.compressed(Codec.utf8(), 16);
    String text = "abc".repeat(1000);
    cache.set("k", text, codec, Cache.FOREVER);
    assertThat(cache.get("k", codec)).isEqualTo(text);
    assertThat(cache.get("k", String.class)).as("a plain reader sees compressed bytes").isNotEqualTo(text);
  }

  @Test
  void bytesStartingWithTheHeaderMarkRoundTrip() {
    byte[] tricky = {(byte) 0xFF, 1, 2, 3};
    cache.set("k", tricky);
    assertThat(cache.get("k", byte[].class)).containsExactly(tricky);
    assertThat(cache.stats().decodeErrors()).isZero();
  }

  /**
   * A value type for the serialization tests.
   *
   * @param title a title
   * @param pages a page count
   */
  public record Book(String title, long pages) implements Serializable {}

  /**
   * A class nobody allow-lists.
   *
   * @param secret anything
   */
  public record Unlisted(String secret) implements Serializable {}

  @Test
  void javaSerializationReadsOnlyAllowListedClasses() {
    String serPrefix = unique("ser");
    Cache allowing = newCache(Larder.builder().prefix(serPrefix).allowSerialized(Book.class));
    Cache strict = newCache(Larder.builder().prefix(serPrefix));
    allowing.set("book", new Book("Larder", 312));
    assertThat(allowing.get("book", Book.class)).isEqualTo(new Book("Larder", 312));
    assertThatThrownBy(() -> strict.get("book", Book.class))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("allowSerialized");
    assertThatThrownBy(() -> allowing.set("x", new Unlisted("s")))
        .isInstanceOf(IllegalArgumentException.class);

    Cache otherList = newCache(Larder.builder().prefix(serPrefix).allowSerialized(Unlisted.class));
    assertThat(otherList.get("book", Unlisted.class)).as("a Book read as an Unlisted").isNull();
    assertThat(otherList.stats().decodeErrors()).isEqualTo(1);
    allowing.clear();
  }

  @Test
  void corruptedOrForeignBytesReadAsMissesAndAreCounted() {
    Cache root = newCache(Larder.builder());
    String k = unique("corrupt");
    Map<String, byte[]> garbage = new LinkedHashMap<>();
    garbage.put(k + "-utf8", new byte[] {(byte) 0xC3, (byte) 0x28});
    garbage.put(k + "-flags", new byte[] {(byte) 0xFF, (byte) 0x80, 1, 2});
    garbage.put(k + "-header", new byte[] {(byte) 0xFF});
    garbage.put(k + "-deflate", new byte[] {(byte) 0xFF, 1, 9, 9, 9, 9});
    garbage.put(k + "-java", new byte[] {(byte) 0xAC, (byte) 0xED, 0, 5, 1});
    garbage.forEach((key, bytes) -> store.set(key, bytes, Store.NO_EXPIRY));
    try {
      assertThat(root.get(k + "-utf8", String.class)).isNull();
      assertThat(root.get(k + "-flags", String.class)).isNull();
      assertThat(root.get(k + "-header", byte[].class)).isNull();
      assertThat(root.get(k + "-deflate", String.class)).isNull();
      assertThat(root.get(k + "-utf8", Long.class)).isNull();
      assertThat(root.getMany(garbage.keySet(), String.class)).isEmpty();
      assertThat(root.get(k + "-utf8", byte[].class)).as("raw bytes are always decodable")
          .containsExactly(0xC3, 0x28);
      CacheStats stats = root.stats();
      assertThat(stats.decodeErrors()).isEqualTo(10);
      assertThat(stats.misses()).isEqualTo(10);
    } finally {
      store.deleteMany(garbage.keySet());
    }
  }

  @Test
  void aCodecThatThrowsOnDecodeIsAMissNotAnException() {
    Codec<String> broken = new Codec<>() {
      @Override
      public byte[] encode(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
      }

      @Override
      public String decode(byte[] bytes) {
        throw new IllegalStateException("boom");
      }
    };
    cache.set("k", "v");
    assertThat(cache.get("k", broken)).isNull();
    assertThat(cache.stats().decodeErrors()).isEqualTo(1);
  }

  // ---- keys --------------------------------------------------------------------------------

  @Test
  void nullAndEmptyKeysAreRejectedClearly() {
    assertThatThrownBy(() -> cache.get(null, String.class)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("key");
    assertThatThrownBy(() -> cache.set("", "v")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> cache.getMany(List.of("a", ""), String.class))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> cache.namespace("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> cache.set("k", null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> cache.set("\ud800", "v")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("surrogate");
  }

  @Test
  void awkwardKeysRoundTripAndNeverCollide() {
    List<String> keys = List.of("x".repeat(10_000), "x".repeat(10_001), "with space", "with  space",
        "tab\there", "new\nline", "nul\u0000byte", "bell\u0007", "ünïcödé", "日本語のキー", "emoji 🍞",
        "#hash", "#", "colon:key", "::", "%3A", "a".repeat(250), "a".repeat(251),
        "trailing ", " leading");
    for (String k : keys) {
      cache.set(k, "v:" + k);
    }
    for (String k : keys) {
      assertThat(cache.get(k, String.class)).as("key of length %d", k.length()).isEqualTo("v:" + k);
    }
    assertThat(cache.getMany(keys, String.class)).hasSize(keys.size());
    assertThat(cache.incr("counter with spaces and ünicode " + "x".repeat(300))).isEqualTo(1);
    assertThat(cache.get("counter with spaces and ünicode " + "x".repeat(300), Long.class))
        .isEqualTo(1L);
    assertThat(cache.deleteMany(keys)).isEqualTo(keys.size());
  }

  // ---- getOrCompute, memoize, tags, learned preload ----------------------------------------

  @Test
  void getOrComputeRunsTheLoaderOnceFor256ThreadsOnAColdKey() throws Exception {
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger arrived = new java.util.concurrent.atomic.AtomicInteger();
    List<String> results = runConcurrently(256, i -> {
      arrived.incrementAndGet();
      return cache.getOrCompute("cold", String.class, units(60), () -> {
        calls.incrementAndGet();
        awaitQuietly(release, arrived, 256);
        return "computed";
      });
    });
    assertThat(calls).hasValue(1);
    assertThat(results).hasSize(256).containsOnly("computed");
    assertThat(cache.get("cold", String.class)).isEqualTo("computed");
  }

  /** Holds the loader until every thread has arrived (bounded), so they really overlap. */
  private static void awaitQuietly(CountDownLatch release, java.util.concurrent.atomic.AtomicInteger arrived,
      int expected) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (arrived.get() < expected && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    try {
      release.await(50, TimeUnit.MILLISECONDS); // let the last arrivals reach the wait
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aLoaderExceptionReachesEveryWaiterAndNothingIsCached() throws Exception {
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger arrived = new java.util.concurrent.atomic.AtomicInteger();
    CountDownLatch never = new CountDownLatch(1);
    List<String> outcomes = runConcurrently(32, i -> {
      arrived.incrementAndGet();
      try {
        return cache.getOrCompute("failing", String.class, units(60), () -> {
          calls.incrementAndGet();
          awaitQuietly(never, arrived, 32);
          throw new IllegalStateException("database down");
        });
      } catch (IllegalStateException e) {
        return e.getMessage();
      }
    });
    assertThat(outcomes).containsOnly("database down");
    assertThat(calls.get()).as("one computation for the threads that overlapped").isLessThan(32);
    assertThat(cache.exists("failing")).isFalse();
    assertThat(cache.getOrCompute("failing", String.class, units(60), () -> "fine")).isEqualTo("fine");
  }

  @Test
  void getOrComputeServesTheCachedValueUntilItExpires() throws Exception {
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    io.larder.Freshness f = io.larder.Freshness.of(units(3)).earlyRecompute(0);
    java.util.function.Supplier<String> loader = () -> "v" + calls.incrementAndGet();
    assertThat(cache.getOrCompute("k", String.class, f, loader)).isEqualTo("v1");
    elapse(units(1));
    assertThat(cache.getOrCompute("k", String.class, f, loader)).isEqualTo("v1");
    elapse(units(3));
    assertThat(cache.getOrCompute("k", String.class, f, loader)).isEqualTo("v2");
    assertThat(cache.getOrCompute("nothing", String.class, f, () -> null)).isNull();
    assertThat(cache.exists("nothing")).isFalse();
  }

  @Test
  void staleWhileRevalidateAnswersAtOnceAndRefreshesOnce() throws Exception {
    io.larder.Freshness f = io.larder.Freshness.of(units(2)).staleFor(units(20)).earlyRecompute(0);
    cache.getOrCompute("page", String.class, f, () -> "old");
    elapse(units(3));
    java.util.concurrent.atomic.AtomicInteger refreshes = new java.util.concurrent.atomic.AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    List<String> seen = runConcurrently(8, i -> cache.getOrCompute("page", String.class, f, () -> {
      refreshes.incrementAndGet();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return "new";
    }));
    assertThat(seen).as("callers during the refresh get the old value at once").containsOnly("old");
    release.countDown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!"new".equals(cache.get("page", String.class)) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(cache.get("page", String.class)).isEqualTo("new");
    assertThat(refreshes).hasValue(1);
  }

  @Test
  void aLeaseMakesAnotherProcessWaitForTheWinnersValue() throws Exception {
    // two caches over one store stand for two processes: no shared single flight in memory
    Cache other = newCache(Larder.builder().prefix(prefix));
    io.larder.Freshness f = io.larder.Freshness.of(units(60)).lease(units(30));
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    CountDownLatch computing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<String> winner = pool.submit(() -> cache.getOrCompute("report", String.class, f, () -> {
        calls.incrementAndGet();
        computing.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return "winner's";
      }));
      assertThat(computing.await(30, TimeUnit.SECONDS)).isTrue();
      Future<String> waiter = pool.submit(() -> other.getOrCompute("report", String.class, f, () -> {
        calls.incrementAndGet();
        return "waiter's";
      }));
      release.countDown();
      assertThat(winner.get(30, TimeUnit.SECONDS)).isEqualTo("winner's");
      assertThat(waiter.get(30, TimeUnit.SECONDS)).isEqualTo("winner's");
      assertThat(calls).hasValue(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aLeaseHolderThatNeverFinishesDoesNotBlockOthersPastTheLease() throws Exception {
    Cache other = newCache(Larder.builder().prefix(prefix));
    io.larder.Freshness f = io.larder.Freshness.of(units(60)).lease(units(1));
    CountDownLatch computing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      pool.submit(() -> cache.getOrCompute("stuck", String.class, f, () -> {
        computing.countDown();
        try {
          release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return "late";
      }));
      assertThat(computing.await(30, TimeUnit.SECONDS)).isTrue();
      // with an injected clock, the lease's store-side expiry needs the clock moved too
      if (usesInjectedClock()) {
        clock.advance(units(2));
      }
      assertThat(other.getOrCompute("stuck", String.class, f, () -> "mine")).isEqualTo("mine");
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void memoizeComputesOncePerArgumentAndBustsOneArgument() {
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    io.larder.Memoized<Long, String> markup = cache.memoize("Notes.markup", Long.class, String.class,
        id -> {
          calls.incrementAndGet();
          return "<p>note " + id + "</p>";
        }, units(60));
    assertThat(markup.apply(312L)).isEqualTo("<p>note 312</p>");
    assertThat(markup.apply(312L)).isEqualTo("<p>note 312</p>");
    assertThat(markup.apply(7L)).isEqualTo("<p>note 7</p>");
    assertThat(calls).hasValue(2);
    assertThat(markup.key(312L)).isNotEqualTo(markup.key(7L));
    assertThat(markup.bust(312L)).isTrue();
    markup.apply(312L);
    markup.apply(7L);
    assertThat(calls).hasValue(3);

    io.larder.Memoized<Long, String> other = cache.memoize("Users.markup", Long.class, String.class,
        id -> "user " + id, units(60));
    assertThat(other.apply(312L)).as("another function, same argument").isEqualTo("user 312");
  }

  @Test
  void memoizeCachesNullsOnlyWhenAskedAndTellsThemFromMisses() {
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    java.util.function.Function<String, String> lookup = name -> {
      calls.incrementAndGet();
      return null;
    };
    io.larder.Memoized<String, String> plain = cache.memoizer("lookup", String.class, Codec.utf8())
        .ttl(units(60)).of(lookup);
    plain.apply("x");
    plain.apply("x");
    assertThat(calls).as("nulls not cached by default").hasValue(2);
    io.larder.Memoized<String, String> nulls = cache.memoizer("lookupNulls", String.class, Codec.utf8())
        .ttl(units(60)).cacheNulls().of(lookup);
    assertThat(nulls.apply("x")).isNull();
    assertThat(nulls.apply("x")).isNull();
    assertThat(calls).as("a cached null is not a miss").hasValue(3);
  }

  @Test
  void memoizeAllReadsOnceAndComputesOnlyTheMissingKeysInOneCall() {
    List<java.util.Set<Long>> calls = new ArrayList<>();
    io.larder.MemoizedAll<Long, String> titles = cache.memoizeAll("Books.titles", Long.class,
        String.class, ids -> {
          calls.add(new java.util.TreeSet<>(ids));
          Map<Long, String> found = new LinkedHashMap<>();
          ids.forEach(id -> {
            if (id != 404) {
              found.put(id, "title " + id);
            }
          });
          return found;
        }, units(60));
    assertThat(titles.getAll(List.of(1L))).containsExactly(Map.entry(1L, "title 1"));
    long trips = roundTrips(() -> assertThat(titles.getAll(List.of(1L, 2L, 3L, 404L)))
        .containsExactly(Map.entry(1L, "title 1"), Map.entry(2L, "title 2"), Map.entry(3L, "title 3")));
    assertThat(trips).as("one read and one write").isEqualTo(2);
    assertThat(calls).containsExactly(java.util.Set.of(1L), java.util.Set.of(2L, 3L, 404L));
    assertThat(roundTrips(() -> titles.getAll(List.of(1L, 2L, 3L)))).isEqualTo(1);
    assertThat(calls).hasSize(2);
  }

  @Test
  void anInvalidatedTagHidesEveryEntryWrittenWithIt() {
    Cache note = cache.tagged("note:312", "user:7");
    note.set("html", "<p>312</p>");
    cache.tagged("note:313").set("other", "<p>313</p>");
    cache.set("plain", "untagged");
    assertThat(note.get("html", String.class)).isEqualTo("<p>312</p>");
    assertThat(cache.get("html", String.class)).isEqualTo("<p>312</p>");

    cache.invalidateTag("user:7");

    assertThat(note.get("html", String.class)).isNull();
    assertThat(cache.get("html", String.class)).as("invisible to every view").isNull();
    assertThat(cache.get("other", String.class)).isEqualTo("<p>313</p>");
    assertThat(cache.get("plain", String.class)).isEqualTo("untagged");
    note.set("html", "<p>312 v2</p>");
    assertThat(note.get("html", String.class)).isEqualTo("<p>312 v2</p>");
  }

  @Test
  void aTaggedReadGetsItsGenerationsInTheSameRoundTrip() {
    Cache note = cache.tagged("note:1", "note:2", "user:9");
    note.set("k", "v");
    assertThat(roundTrips(() -> assertThat(note.get("k", String.class)).isEqualTo("v"))).isEqualTo(1);
    assertThat(roundTrips(() -> cache.invalidateTag("note:2"))).isEqualTo(1);
    assertThat(roundTrips(() -> assertThat(note.get("k", String.class)).isNull())).isEqualTo(1);
  }

  @Test
  void tagsAlsoGuardGetOrComputeAndMemoize() {
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    Cache tagged = cache.tagged("book:1");
    java.util.function.Supplier<String> loader = () -> "v" + calls.incrementAndGet();
    assertThat(tagged.getOrCompute("k", String.class, units(60), loader)).isEqualTo("v1");
    assertThat(tagged.getOrCompute("k", String.class, units(60), loader)).isEqualTo("v1");
    cache.invalidateTag("book:1");
    assertThat(tagged.getOrCompute("k", String.class, units(60), loader)).isEqualTo("v2");
    assertThatThrownBy(() -> tagged.incr("n")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aLearnedPreloadMakesOneRoundTripFromItsSecondRun() {
    cache.set("title", "Dune");
    cache.set("reviews", "5 stars");
    Runnable page = () -> {
      try (Preload scope = cache.learnedPreload("GET /books/{id}")) {
        cache.get("title", String.class);
        cache.get("reviews", String.class);
        cache.get("missing", String.class);
        cache.getMany(List.of("title", "extra"), String.class);
      }
    };
    page.run();
    CacheStats before = cache.stats();
    page.run();
    CacheStats second = cache.stats().minus(before);
    assertThat(second.roundTrips()).as("the whole second run").isEqualTo(1);
    assertThat(second.preloadHits()).isEqualTo(5);
    assertThat(second.hits()).isEqualTo(3);

    // another server of the app: it reads the list and the data in two trips, then one
    Cache otherServer = newCache(Larder.builder().prefix(prefix));
    Runnable otherPage = () -> {
      try (Preload scope = otherServer.learnedPreload("GET /books/{id}")) {
        assertThat(otherServer.get("title", String.class)).isEqualTo("Dune");
        otherServer.get("reviews", String.class);
        otherServer.get("missing", String.class);
        otherServer.getMany(List.of("title", "extra"), String.class);
      }
    };
    CacheStats cold = otherServer.stats();
    otherPage.run();
    assertThat(otherServer.stats().minus(cold).roundTrips()).isEqualTo(2);
    CacheStats warm = otherServer.stats();
    otherPage.run();
    assertThat(otherServer.stats().minus(warm).roundTrips()).isEqualTo(1);
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** A task run on a numbered thread. */
  @FunctionalInterface
  protected interface Task<T> {
    /**
     * Runs the task.
     *
     * @param thread the thread's number, from 0
     * @return a result
     * @throws Exception anything; it fails the test
     */
    T run(int thread) throws Exception;
  }

  /**
   * Runs a task on {@code threads} threads started together and returns their results.
   *
   * @param threads how many threads
   * @param task the task
   * @param <T> the result type
   * @return each thread's result, in thread order
   * @throws Exception what a task threw
   */
  protected static <T> List<T> runConcurrently(int threads, Task<T> task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<T>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        int n = i;
        Callable<T> c = () -> {
          start.await();
          return task.run(n);
        };
        futures.add(pool.submit(c));
      }
      start.countDown();
      List<T> results = new ArrayList<>();
      for (Future<T> f : futures) {
        try {
          results.add(f.get(5, TimeUnit.MINUTES));
        } catch (java.util.concurrent.ExecutionException e) {
          if (e.getCause() instanceof Exception ex) {
            throw ex;
          }
          throw e;
        }
      }
      return Collections.unmodifiableList(results);
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- value sizes (issue 14) --------------------------------------------------------------

  /**
   * Larder never stores a value it could not read back: up to its 64 MiB cap a compressible
   * value round-trips; past the cap, or past the store's own limit, {@code set} refuses it.
   */
  @Nested
  class ValueSizes {
    private Cache failOpen() {
      Larder.Builder builder = Larder.builder().prefix(prefix).compressAbove(256);
      if (usesInjectedClock()) {
        builder.clock(clock);
      }
      Cache c = builder.store(store).failOpen(true).build();
      opened.add(c);
      return c;
    }

    @Test
    void aFortyMebibyteCompressibleValueRoundTrips() {
      ValueSizeChecks.fortyMebibytesRoundTrip(
          newCache(Larder.builder().prefix(prefix).compressAbove(256)));
    }

    @Test
    void aValueOverTheCapIsRefusedAtSet() {
      ValueSizeChecks.refusedAtSet(newCache(Larder.builder().prefix(prefix).compressAbove(256)),
          failOpen(), ValueSizeChecks.CAP + 1, true);
    }

    @Test
    void aValueOverTheStoresLimitIsRefusedAtSet() {
      long limit = store.traits().maxValueBytes();
      Assumptions.assumeTrue(limit < ValueSizeChecks.CAP, "the store holds any value Larder does");
      ValueSizeChecks.refusedAtSet(newCache(Larder.builder().prefix(prefix).compressAbove(256)),
          failOpen(), (int) limit + 1, false);
    }
  }
}

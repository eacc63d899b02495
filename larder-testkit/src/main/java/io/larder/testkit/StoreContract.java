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
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;
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
 *
 * <p>Checks that only exercise the facade (preload scopes' bookkeeping, memoize keys, tags'
 * logic, single flight within one JVM, argument checks) live in larder-core's own tests on
 * the memory store; this suite keeps what depends on a store. A store with a server supplies
 * {@link #serverRequests()} so that "one round trip" is checked at the server too.
 */
public abstract class StoreContract {
  private static final int THREADS = 16;

  /** What {@link Waits} tests share and {@link CountsAtServer} tests hold alone. */
  private static final String SERVER_COUNTS = "io.larder.testkit.StoreContract.serverCounts";

  /**
   * Marks a test that mostly waits for TTLs to pass (on a server's clock, whole seconds): such
   * tests run at the same time as each other and as the unmarked tests, so that a contract's
   * waits overlap rather than add up. Each works in a namespace of its own; only the tests that
   * read the server's global request counters ({@link CountsAtServer}) must not overlap them.
   * Takes effect where JUnit's parallel execution is enabled: the build enables it in the
   * modules that set {@code larder.overlapWaits} (memcached, Kyoto Tycoon), whose stores expire
   * by the server's clock; elsewhere the tests run one after another.
   */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.METHOD)
  @Execution(ExecutionMode.CONCURRENT)
  @ResourceLock(value = SERVER_COUNTS, mode = ResourceAccessMode.READ)
  private @interface Waits {}

  /**
   * Marks a test that compares the server's request counters before and after a call: it runs
   * while no {@link Waits} test is sending requests.
   */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.METHOD)
  @ResourceLock(value = SERVER_COUNTS, mode = ResourceAccessMode.READ_WRITE)
  private @interface CountsAtServer {}

  /** The clock given to {@link #createStore}; advanced by {@link #elapse}. */
  protected ManualClock clock;
  /** The store under test, fresh for each test. */
  protected Store store;
  /** A fail-closed cache over {@link #store} in a random namespace of its own. */
  protected Cache cache;
  /** The random namespace {@link #cache} works in. */
  protected String prefix;
  private ServerRequests server;
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
   * Returns what counts requests at the store's server, so that each "one round trip" of the
   * contract is also checked where it counts: a 100-key {@code getMany} must reach Redis as one
   * {@code MGET} (per slot group) and no {@code GET}, memcached as one batch per server.
   * Called once per test, after {@link #createStore}.
   *
   * @return the server's counters, or {@code null} (the default) for stores without a server
   *     or whose server counts nothing; then only the facade's count is checked
   */
  protected ServerRequests serverRequests() {
    return null;
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
    server = serverRequests();
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

  /**
   * Runs {@code r} and asserts that it cost one round trip, by the facade's count and, when the
   * store's test supplies {@link #serverRequests()}, by the server's: one bulk {@code op} over
   * {@code keys} distinct keys.
   */
  private void assertOneBulk(ServerRequests.Bulk op, int keys, Runnable r) {
    RequestCounts before = server == null ? null : server.read();
    assertThat(roundTrips(r)).as("round trips counted by the facade").isEqualTo(1);
    if (server != null) {
      server.checkBulk(op, keys, server.read().minus(before));
    }
  }

  /** Runs {@code r} and asserts that it reached the store not at all, there and at the server. */
  private void assertNoRequest(Runnable r) {
    RequestCounts before = server == null ? null : server.read();
    assertThat(roundTrips(r)).as("round trips counted by the facade").isZero();
    if (server != null) {
      server.checkNone(server.read().minus(before));
    }
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
      assertThat(cache.getMany(List.of("b"), byte[].class).get("b")).containsExactly(1, 2, 3);
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

  /**
   * A store that merges concurrent reads of one key (Kyoto Tycoon's merger) must still give
   * each caller an array of its own: each thread marks every array it reads and checks that none
   * arrives marked, or loses its mark, through another thread's change. A store that never
   * merges passes without trying; {@code KtStoreTest} holds a batch open to prove the case.
   */
  @Test
  void threadsReadingOneKeyAtOnceEachGetAByteArrayOfTheirOwn() throws Exception {
    cache.set("shared", new byte[32]);
    List<String> seen = runConcurrently(THREADS, i -> {
      byte mark = (byte) (i + 1);
      for (int read = 0; read < 100; read++) {
        byte[] got = cache.get("shared", byte[].class);
        for (byte b : got) {
          if (b != 0) {
            return "thread " + i + " read another thread's mark " + b;
          }
        }
        Arrays.fill(got, mark);
        Thread.yield();
        for (byte b : got) {
          if (b != mark) {
            return "thread " + i + " saw its array changed to " + b;
          }
        }
      }
      return null;
    });
    assertThat(seen).containsOnlyNulls();
    assertThat(cache.get("shared", byte[].class)).containsOnly(0);
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
  @CountsAtServer
  void getManyReadsEverythingInOneRoundTripAndOmitsMisses() {
    cache.set("a", "1");
    cache.set("c", "3");
    Map<String, String>[] got = new Map[1];
    assertOneBulk(ServerRequests.Bulk.READ, 3,
        () -> got[0] = cache.getMany(List.of("c", "a", "b", "a"), String.class));
    assertThat(got[0]).containsExactly(Map.entry("c", "3"), Map.entry("a", "1"));
  }

  @Test
  void aKeyRepeatedInOneStoreGetManyIsAnsweredOnceWithItsValue() {
    // Store.getMany allows duplicates, and a sharded store passes them on to its servers
    String twice = prefix + ":twice";
    byte[] value = "t".getBytes(StandardCharsets.UTF_8);
    store.set(twice, value, Store.NO_EXPIRY);

    Map<String, byte[]> got = store.getMany(List.of(twice, prefix + ":missing", twice));

    assertThat(got).containsOnlyKeys(twice);
    assertThat(got.get(twice)).containsExactly(value);
  }

  /**
   * {@link Store#getMany}'s map is the caller's to change (a preload scope marks keys in it):
   * what a caller puts in or takes out of it reaches no later bulk read.
   */
  @Test
  void aGetManyMapIsTheCallersToChange() {
    String a = prefix + ":a";
    String b = prefix + ":b";
    String missing = prefix + ":missing";
    store.set(a, new byte[] {1}, Store.NO_EXPIRY);
    store.set(b, new byte[] {2}, Store.NO_EXPIRY);
    List<String> keys = List.of(a, b, missing);

    Map<String, byte[]> first = store.getMany(keys);
    assertThat(first).containsOnlyKeys(a, b);
    first.put(a, new byte[0]);
    first.remove(b);
    first.put(missing, new byte[0]);

    Map<String, byte[]> second = store.getMany(keys);
    assertThat(second).isNotSameAs(first).containsOnlyKeys(a, b);
    assertThat(second.get(a)).containsExactly(1);
    assertThat(second.get(b)).containsExactly(2);
  }

  @Test
  @CountsAtServer
  void setManyWritesEverythingInOneRoundTrip() {
    Map<String, Object> entries = new LinkedHashMap<>();
    for (int i = 0; i < 100; i++) {
      entries.put("k" + i, "v" + i);
    }
    assertOneBulk(ServerRequests.Bulk.WRITE, 100, () -> cache.setMany(entries));
    Map<String, String> got = new LinkedHashMap<>();
    assertOneBulk(ServerRequests.Bulk.READ, 100,
        () -> got.putAll(cache.getMany(entries.keySet(), String.class)));
    assertThat(got).hasSize(100).containsEntry("k0", "v0").containsEntry("k99", "v99");
  }

  @Test
  @CountsAtServer
  void deleteManyRemovesInOneRoundTripAndCounts() {
    cache.setMany(Map.of("a", "1", "b", "2", "c", "3"));
    int[] removed = new int[1];
    assertOneBulk(ServerRequests.Bulk.DELETE, 3,
        () -> removed[0] = cache.deleteMany(List.of("a", "b", "zz")));
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
  @Waits
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
  @Waits
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
  @Waits
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
  @Waits
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
  @Waits
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
  @Waits
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
  @Waits
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
  @Waits
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
  @Waits
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

  // ---- preload scopes ----------------------------------------------------------------------

  @Test
  @CountsAtServer
  void aScopeLoadsInOneRoundTripAndAnswersHitsAndMissesWithoutAnother() {
    cache.set("a", "1");
    cache.set("b", "2");
    CacheStats before = cache.stats();
    Preload[] opened = new Preload[1];
    assertOneBulk(ServerRequests.Bulk.READ, 3, () -> opened[0] = cache.preload("a", "b", "missing"));
    try (Preload scope = opened[0]) {
      assertThat(scope.keys()).containsExactly("a", "b", "missing");
      assertNoRequest(() -> {
        assertThat(cache.get("a", String.class)).isEqualTo("1");
        assertThat(cache.get("b", String.class)).isEqualTo("2");
        assertThat(cache.get("missing", String.class)).isNull();
        assertThat(cache.exists("missing")).isFalse();
        assertThat(cache.getMany(List.of("a", "missing"), String.class)).containsOnlyKeys("a");
      });
    }
    CacheStats used = cache.stats().minus(before);
    assertThat(used.roundTrips()).isEqualTo(1);
    assertThat(used.preloadHits()).isEqualTo(6);
    assertThat(used.hits()).isEqualTo(3);
    assertThat(used.misses()).isEqualTo(2);
  }

  @Test
  @CountsAtServer
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

      assertNoRequest(() -> {
        assertThat(cache.get("s", String.class)).isEqualTo("new value");
        assertThat(cache.get("d", String.class)).isNull();
        assertThat(cache.get("n", Long.class)).isEqualTo(11L);
        assertThat(cache.get("v", String.class)).isEqualTo("v2");
        assertThat(cache.get("new", String.class)).isEqualTo("created");
        assertThat(cache.get("added", String.class)).isEqualTo("yes");
      });
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

  /** How often {@link Tripwire}'s static initializer or {@code readObject} ran: never, if the allow-list holds. */
  private static final java.util.concurrent.atomic.AtomicInteger TRIPWIRE_RUNS =
      new java.util.concurrent.atomic.AtomicInteger();

  /** A class nobody allow-lists whose loading or reading would record that code ran. */
  private static final class Tripwire implements Serializable {
    private static final long serialVersionUID = 1L;

    static {
      TRIPWIRE_RUNS.incrementAndGet();
    }

    private final String payload;

    private Tripwire(String payload) {
      this.payload = payload;
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.IOException,
        ClassNotFoundException {
      TRIPWIRE_RUNS.incrementAndGet();
      in.defaultReadObject();
    }
  }

  /** {@link Tripwire}'s twin, written in its place so that the test never touches Tripwire. */
  private static final class Harmless implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String payload;

    private Harmless(String payload) {
      this.payload = payload;
    }
  }

  /**
   * A record that carries any serializable thing.
   *
   * @param name a name
   * @param item what it carries
   */
  public record Shelf(String name, Serializable item) implements Serializable {}

  /** Java-serializes {@code value}, with Harmless's class name turned into Tripwire's. */
  private static byte[] serializedWithTripwire(Object value) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream o = new java.io.ObjectOutputStream(out)) {
      o.writeObject(value);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    byte[] bytes = out.toByteArray();
    byte[] from = Harmless.class.getName().getBytes(StandardCharsets.UTF_8);
    byte[] to = Tripwire.class.getName().getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i + from.length <= bytes.length; i++) {
      if (java.util.Arrays.equals(bytes, i, i + from.length, from, 0, from.length)) {
        System.arraycopy(to, 0, bytes, i, to.length); // same length: the stream stays valid
      }
    }
    return bytes;
  }

  /** Writes raw bytes under a root key (stored as is), reads them as {@code type}, cleans up. */
  private <T> T readRaw(Cache root, byte[] bytes, Class<T> type) {
    String k = unique("raw");
    store.set(k, bytes, Store.NO_EXPIRY);
    try {
      return root.get(k, type);
    } finally {
      store.delete(k);
    }
  }

  @Test
  void anUnlistedClassIsNeverLoadedNorReadEvenWhenItsBytesAreStored() {
    Cache root = newCache(Larder.builder().allowSerialized(Book.class, Shelf.class));
    assertThat(readRaw(root, serializedWithTripwire(new Harmless("x")), Book.class)).isNull();
    assertThat(root.stats().decodeErrors()).isEqualTo(1);
    assertThat(root.stats().misses()).isEqualTo(1);
    assertThat(TRIPWIRE_RUNS).as("Tripwire's static initializer or readObject ran").hasValue(0);
  }

  @Test
  void anUnlistedClassNestedInAnAllowedOneIsRejected() {
    Cache root = newCache(Larder.builder().allowSerialized(Shelf.class, ArrayList.class, Book.class));
    Shelf trap = new Shelf("top", new Harmless("x"));
    assertThat(readRaw(root, serializedWithTripwire(trap), Shelf.class)).isNull();
    ArrayList<Serializable> list = new ArrayList<>(List.of(new Book("Larder", 312), new Unlisted("s")));
    assertThat(readRaw(root, serializedWithTripwire(list), ArrayList.class)).isNull();
    assertThat(root.stats().decodeErrors()).isEqualTo(2);
    assertThat(root.stats().misses()).isEqualTo(2);
    assertThat(TRIPWIRE_RUNS).as("Tripwire's static initializer or readObject ran").hasValue(0);
    // the same shapes with listed classes only are read
    Shelf fine = new Shelf("top", new Book("Larder", 312));
    assertThat(readRaw(root, serializedWithTripwire(fine), Shelf.class)).isEqualTo(fine);
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

  // ---- keys --------------------------------------------------------------------------------

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
  @Waits
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
  @CountsAtServer
  void aTaggedReadGetsItsGenerationsInTheSameRoundTrip() {
    Cache note = cache.tagged("note:1", "note:2", "user:9");
    note.set("k", "v");
    assertOneBulk(ServerRequests.Bulk.READ, 4,
        () -> assertThat(note.get("k", String.class)).isEqualTo("v"));
    assertThat(roundTrips(() -> cache.invalidateTag("note:2"))).isEqualTo(1);
    assertThat(roundTrips(() -> assertThat(note.get("k", String.class)).isNull())).isEqualTo(1);
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

  // ---- asynchronous operations (issue 18) --------------------------------------------------

  /** The contract's operations through {@link io.larder.AsyncCache}, on the same store. */
  @Nested
  class Async extends AsyncContract {
    @Override
    protected Cache cache() {
      return cache;
    }

    @Override
    protected Cache newCache(Larder.Builder builder) {
      return StoreContract.this.newCache(builder);
    }

    @Override
    protected String prefix() {
      return prefix;
    }
  }
}

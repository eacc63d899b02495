package io.larder.memcached;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Cache;
import io.larder.CacheCodecException;
import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.Larder;
import io.larder.spi.AsyncBulkStore;
import io.larder.spi.Store;
import io.larder.spi.StoreSize;
import io.larder.testkit.AsyncLoad;
import io.larder.testkit.ConcurrentCalls;
import io.larder.testkit.MemcachedServer;
import io.larder.testkit.MemcachedTap;
import io.larder.testkit.RequestCounts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the memcached store does beyond the store contract, against a real memcached started
 * with a 2 MiB item size limit: the limit read at connect, TTLs past 30 days, signed counters
 * on unsigned {@code ma}, namespace generations, binary keys, the recache flags, reconnection.
 */
class MemcachedStoreIT {
  private static final long DAY = 86_400;
  private static MemcachedServer server;
  private final List<AutoCloseable> opened = new ArrayList<>();
  private MemcachedStore store;
  private String ns;

  @BeforeAll
  static void startServer() {
    server = MemcachedServer.builder().args("-I", "2m").start();
  }

  @AfterAll
  static void stopServer() {
    server.stop();
  }

  @BeforeEach
  void open() {
    store = open(builder(server));
    ns = "~t" + UUID.randomUUID().toString().replace("-", "") + ":";
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : opened) {
      c.close();
    }
  }

  /** A builder with a timeout that rides out a loaded test machine. */
  private static MemcachedStores.Builder builder(MemcachedServer s) {
    return MemcachedStores.builder(s.host(), s.port()).timeout(Duration.ofSeconds(5));
  }

  private MemcachedStore open(MemcachedStores.Builder builder) {
    MemcachedStore s = builder.build();
    opened.add(s);
    return s;
  }

  private Cache cache(Store s) {
    Cache c = Larder.builder().store(s).failOpen(false).build();
    opened.add(c);
    return c;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private static String text(byte[] b) {
    return b == null ? null : new String(b, UTF_8);
  }

  private static void eventually(String what, BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  // ---- item size limit ---------------------------------------------------------------------

  @Test
  void thousandsOfConcurrentAsyncCallsEachGetTheirOwnAnswer() {
    // keys in a namespace: the calls read its generation asynchronously first
    assertThat(AsyncLoad.mixedCalls(store, ns + ":", 4, 125)).isGreaterThan(4 * 125 * 10);
  }

  @Test
  void concurrentCallsMergedOnOneConnectionEachGetTheirOwnAnswer() throws Exception {
    assertThat(ConcurrentCalls.check(store, "merged:", 16, 400)).isGreaterThan(3_000);
  }

  @Test
  void gatheredWritesWithFourTtlsAreOneBatch() throws Exception {
    long[] ttls = {Store.NO_EXPIRY, 60_000, 120_000, 40L * DAY * 1000};
    Map<String, byte[]> entries = new LinkedHashMap<>();
    for (int i = 0; i < ttls.length; i++) {
      entries.put("each" + i, bytes("v" + i));
    }
    RequestCounts seen = countedAtTheServer(
        s -> s.setEach(entries, key -> ttls[key.charAt(4) - '0']));
    assertThat(seen.get("ms")).as("server saw %s", seen).isEqualTo(4);
    assertThat(seen.get("quiet")).as("server saw %s", seen).isEqualTo(4);
    assertThat(seen.get("mn")).as("one batch; server saw %s", seen).isEqualTo(1);
    assertThat(RawMeta.ttlSeconds(server, "each0")).isEqualTo(-1);
    assertThat(RawMeta.ttlSeconds(server, "each1")).isBetween(30L, 60L);
    assertThat(RawMeta.ttlSeconds(server, "each2")).isBetween(90L, 120L);
    assertThat(RawMeta.ttlSeconds(server, "each3")).as("over 30 days: sent as a Unix time")
        .isBetween(40 * DAY - 30, 40 * DAY + 1);
    for (int i = 0; i < ttls.length; i++) {
      assertThat(text(store.get("each" + i))).isEqualTo("v" + i);
    }
  }

  @Test
  void theItemSizeLimitIsReadFromTheServer() {
    byte[] big = new byte[(3 << 20) / 2]; // 1.5 MiB: over memcached's default 1 MiB, under -I 2m
    String key = ns + ":big";
    store.set(key, big, 0);
    assertThat(store.get(key)).hasSize(big.length);
  }

  @Test
  void aValueOverTheLimitFailsClearlyAndLeavesNoStaleValue() {
    String key = ns + ":k";
    store.set(key, bytes("old"), 0);
    assertThatThrownBy(() -> store.set(key, new byte[(5 << 20) / 2], 0))
        .isInstanceOf(CacheException.class)
        .hasMessageContaining("2621440 bytes").hasMessageContaining("2097152")
        .hasMessageContaining("old value");
    assertThat(store.get(key)).as("the old value must not outlive the failed write").isNull();

    Cache cache = cache(store);
    cache.set("facade", "old");
    // the facade refuses it before it reaches the server: a fail-closed caller is told, and
    // the old value stays (fail-open deletes it: see StoreContract's ValueSizes)
    assertThatThrownBy(() -> cache.set("facade", "x".repeat(3 << 20)))
        .isInstanceOf(CacheCodecException.class).hasMessageContaining("over the store's limit")
        .hasMessageContaining("2097152");
    assertThat(cache.get("facade", String.class)).isEqualTo("old");
  }

  @Test
  void setManyStoresWhatFitsAndDeletesTheOldValueOfWhatDoesNot() {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put(ns + ":a", bytes("a"));
    entries.put(ns + ":huge", new byte[3 << 20]);
    entries.put(ns + ":b", bytes("b"));
    store.set(ns + ":huge", bytes("old"), 0);
    assertThatThrownBy(() -> store.setMany(entries, 0)).isInstanceOf(CacheException.class)
        .hasMessageContaining(ns + ":huge");
    assertThat(store.getMany(entries.keySet())).containsOnlyKeys(ns + ":a", ns + ":b");
  }

  @Test
  void anOversizedAddLeavesTheExistingValueAlone() {
    String key = ns + ":k";
    store.set(key, bytes("kept"), 0);
    assertThatThrownBy(() -> store.add(key, new byte[3 << 20], 0))
        .isInstanceOf(CacheException.class);
    assertThat(text(store.get(key))).isEqualTo("kept");
  }

  // ---- TTLs --------------------------------------------------------------------------------

  /** Seconds the server says a key has left. */
  private long ttlOf(String key) {
    return store.readForRecache(key, 0, 0).ttlSeconds();
  }

  @Test
  void aTtlOverThirtyDaysIsSentAsADateOnTheServersClock() {
    String key = ns + ":k";
    // the date is computed from this machine's clock and the server's offset, while memcached's
    // own clock ticks once a second and may lag up to a second behind: one second more is right
    store.set(key, bytes("v"), Duration.ofDays(45).toMillis());
    assertThat(ttlOf(key)).isBetween(45 * DAY - 5, 45 * DAY + 1);
    store.touch(key, Duration.ofDays(31).toMillis());
    assertThat(ttlOf(key)).isBetween(31 * DAY - 5, 31 * DAY + 1);
    store.incr(ns + ":counter", 1, Duration.ofDays(40).toMillis());
    assertThat(ttlOf(ns + ":counter")).isBetween(40 * DAY - 5, 40 * DAY + 1);
    store.setMany(Map.of(ns + ":m", bytes("v")), Duration.ofDays(60).toMillis());
    assertThat(ttlOf(ns + ":m")).isBetween(60 * DAY - 5, 60 * DAY + 1);
  }

  @Test
  void aTtlPast2038IsCappedAtTheLastDateMemcachedHolds() {
    String key = ns + ":k";
    store.set(key, bytes("v"), Duration.ofDays(365L * 40).toMillis());
    long untilCap = Integer.MAX_VALUE - System.currentTimeMillis() / 1000;
    assertThat(ttlOf(key)).isBetween(untilCap - 5, untilCap + 5);
    assertThat(text(store.get(key))).isEqualTo("v");
  }

  @Test
  void noExpiryMeansNoExpiry() {
    store.set(ns + ":k", bytes("v"), Store.NO_EXPIRY);
    assertThat(ttlOf(ns + ":k")).isEqualTo(-1);
  }

  // ---- signed counters ---------------------------------------------------------------------

  @Test
  void aCounterGoesBelowZeroAndIsStoredAsSignedText() {
    String key = ns + ":c";
    assertThat(store.incr(key, -5, 0)).isEqualTo(-5);
    assertThat(text(store.get(key))).isEqualTo("-5");
    assertThat(store.incr(key, 3, 0)).isEqualTo(-2);
    assertThat(text(store.get(key))).isEqualTo("-2");
    assertThat(store.incr(key, 10, 0)).isEqualTo(8);
    assertThat(text(store.get(key)).trim()).isEqualTo("8");
    assertThat(store.incr(key, -8, 0)).isEqualTo(0);
    assertThat(store.incr(key, -1, 0)).isEqualTo(-1);
    assertThat(text(store.get(key))).isEqualTo("-1");
  }

  @Test
  void aCounterOverflowsNeitherWayAndKeepsItsValue() {
    String key = ns + ":c";
    store.set(key, bytes(Long.toString(Long.MAX_VALUE)), 0);
    assertThatThrownBy(() -> store.incr(key, 1, 0)).isInstanceOf(CacheCodecException.class)
        .hasMessageContaining("overflows");
    assertThat(text(store.get(key))).isEqualTo(Long.toString(Long.MAX_VALUE));
    assertThat(store.incr(key, -1, 0)).isEqualTo(Long.MAX_VALUE - 1);

    store.set(key, bytes(Long.toString(Long.MIN_VALUE)), 0);
    assertThatThrownBy(() -> store.incr(key, -1, 0)).isInstanceOf(CacheCodecException.class);
    assertThat(text(store.get(key))).isEqualTo(Long.toString(Long.MIN_VALUE));
    assertThat(store.incr(key, Long.MAX_VALUE, 0)).isEqualTo(-1);

    store.set(key, bytes("0"), 0);
    assertThat(store.incr(key, Long.MIN_VALUE, 0)).isEqualTo(Long.MIN_VALUE);
    assertThat(text(store.get(key))).isEqualTo(Long.toString(Long.MIN_VALUE));

    store.set(key, bytes("5"), 0);
    assertThatThrownBy(() -> store.incr(key, Long.MAX_VALUE, 0))
        .isInstanceOf(CacheCodecException.class);
    assertThat(text(store.get(key)).trim()).isEqualTo("5");
  }

  @Test
  void aCounterKeepsItsTtlWhenItCrossesZero() {
    String key = ns + ":c";
    store.incr(key, 1, 100_000);
    assertThat(store.incr(key, -5, 999_000)).isEqualTo(-4);
    assertThat(store.incr(key, 1, 999_000)).isEqualTo(-3);
    assertThat(ttlOf(key)).isBetween(95L, 100L);
  }

  @Test
  void aCounterThatMemcachedPaddedWithSpacesStillCounts() {
    String key = ns + ":c";
    store.set(key, bytes("10"), 0);
    assertThat(store.incr(key, -1, 0)).isEqualTo(9); // ma shrinks "10" to "9 " in place
    assertThat(text(store.get(key))).isEqualTo("9 ");
    assertThat(store.incr(key, -10, 0)).isEqualTo(-1);
    assertThat(store.incr(key, 11, 0)).isEqualTo(10);
  }

  @Test
  void threadsIncrementingAndDecrementingAroundZeroLoseNothing() throws Exception {
    String key = ns + ":c";
    int threads = 8;
    int pairs = 150;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          for (int i = 0; i < pairs; i++) {
            store.incr(key, 3, 0);
            store.incr(key, -4, 0);
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(text(store.get(key))).isEqualTo(Long.toString(-(long) threads * pairs));
  }

  // ---- namespaces --------------------------------------------------------------------------

  @Test
  void clearingANamespaceIsOneIncrementAndSparesEverythingElse() {
    Cache root = cache(store);
    Cache shop = root.namespace(ns.substring(1, ns.length() - 1));
    Cache notes = shop.namespace("notes");
    Cache sibling = root.namespace(ns.substring(1, ns.length() - 1) + "x");
    shop.set("k", "shop");
    notes.set("k", "notes");
    sibling.set("k", "sibling");
    root.set("k", "root");
    shop.clear();
    assertThat(shop.get("k", String.class)).isNull();
    assertThat(notes.get("k", String.class)).isNull();
    assertThat(sibling.get("k", String.class)).isEqualTo("sibling");
    assertThat(root.get("k", String.class)).isEqualTo("root");
    shop.set("k", "again");
    assertThat(shop.get("k", String.class)).isEqualTo("again");
    notes.clear();
    assertThat(shop.get("k", String.class)).isEqualTo("again");
  }

  @Test
  void aClearByAnotherClientIsSeenWithinTheGenerationCacheTime() throws Exception {
    MemcachedStore other = open(builder(server)
        .namespaceCacheTime(Duration.ofMillis(300)));
    MemcachedStore strict = open(builder(server)
        .namespaceCacheTime(Duration.ZERO));
    String key = ns + ":k";
    store.set(key, bytes("v"), 0);
    assertThat(text(other.get(key))).isEqualTo("v");
    assertThat(text(strict.get(key))).isEqualTo("v");

    store.clear(ns);
    assertThat(store.get(key)).as("this client sees its own clear at once").isNull();
    assertThat(strict.get(key)).as("a client that caches no generation too").isNull();
    eventually("the other client seeing the clear", () -> other.get(key) == null);
  }

  @Test
  void aLostGenerationNeverBringsOldValuesBack() {
    MemcachedStore strict = open(builder(server)
        .namespaceCacheTime(Duration.ZERO));
    String key = ns + ":k";
    strict.set(key, bytes("v"), 0);
    // as if memcached had evicted the generation: the next one is random, not 0
    assertThat(strict.delete("~@" + ns)).isTrue();
    assertThat(strict.get(key)).isNull();
    strict.set(key, bytes("w"), 0);
    assertThat(text(strict.get(key))).isEqualTo("w");
  }

  @Test
  void clearingEverythingFlushesTheServer() {
    store.set("plain-" + ns, bytes("v"), 0);
    store.set(ns + ":k", bytes("v"), 0);
    store.clear("");
    assertThat(store.get("plain-" + ns)).isNull();
    assertThat(store.get(ns + ":k")).isNull();
    store.set(ns + ":k", bytes("w"), 0);
    assertThat(text(store.get(ns + ":k"))).isEqualTo("w");
  }

  @Test
  void onlyNamespacePrefixesCanBeCleared() {
    assertThatThrownBy(() -> store.clear("plain:")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("plain:");
  }

  @Test
  void deepNamespacesWhoseFoldedKeysAreTooLongStillWork() {
    Cache c = cache(store).namespace(ns.substring(1, ns.length() - 1));
    for (int i = 0; i < 4; i++) {
      c = c.namespace("segment-" + i + "-" + "s".repeat(30));
    }
    Cache deep = c;
    deep.set("k", "v");
    assertThat(deep.get("k", String.class)).isEqualTo("v");
    assertThat(deep.incr("n", -2)).isEqualTo(-2);
    assertThat(deep.getMany(List.of("k", "n", "absent"), String.class)).containsOnlyKeys("k", "n");
    deep.clear();
    assertThat(deep.get("k", String.class)).isNull();
  }

  // ---- keys --------------------------------------------------------------------------------

  @Test
  void keysWithSpacesOrUnicodeGoInBase64WhenTheStoreIsUsedDirectly() {
    String spaced = "a key with spaces " + ns;
    String unicode = "ключ " + ns;
    store.setMany(Map.of(spaced, bytes("1"), unicode, bytes("2")), 0);
    assertThat(store.getMany(List.of(spaced, unicode, "absent " + ns)))
        .containsOnlyKeys(spaced, unicode);
    assertThat(store.incr(spaced + "#n", 2, 0)).isEqualTo(2);
    assertThat(store.deleteMany(List.of(spaced, unicode, "absent " + ns))).isEqualTo(2);
    assertThatThrownBy(() -> store.get("x".repeat(251))).isInstanceOf(
        IllegalArgumentException.class);
  }

  // ---- getMany: classic get ---------------------------------------------------------------

  @Test
  void getManyReadsAnEmptyValueAsEmptyAndThePlaceholderAsAMiss() throws Exception {
    String value = ns + ":value";
    String empty = ns + ":empty";
    String placeholder = ns + ":placeholder";
    String binary = "a key with spaces " + ns;
    store.set(value, bytes("v"), 60_000);
    store.set(empty, new byte[0], 60_000);
    store.set(binary, bytes("b"), 60_000);
    assertThat(store.readForRecache(placeholder, 30_000, 0).won()).isTrue();
    List<String> keys = List.of(value, empty, placeholder, binary, ns + ":absent");

    for (Map<String, byte[]> found : List.of(store.getMany(keys),
        store.getManyAsync(keys).get(30, TimeUnit.SECONDS),
        ((AsyncBulkStore) store).startGetMany(keys).await())) {
      assertThat(found).containsOnlyKeys(value, empty, binary);
      assertThat(text(found.get(value))).isEqualTo("v");
      assertThat(found.get(empty)).isEmpty();
      assertThat(text(found.get(binary))).isEqualTo("b");
    }
  }

  @Test
  void getManySendsTextKeysInClassicGetLinesOfAtMost2048BytesAndBase64KeysAsMg()
      throws Exception {
    Map<String, byte[]> entries = fortyLongKeys("");
    entries.put("ключ " + ns, bytes("unicode"));
    store.setMany(entries, 60_000);
    List<String> keys = new ArrayList<>(entries.keySet());
    keys.add(ns + ":absent");
    List<Map<String, byte[]>> answers = new ArrayList<>();

    RequestCounts seen = countedAtTheServer(s -> answers.add(s.getMany(keys)));

    assertSameEntries(answers.get(0), entries);
    assertThat(seen.get("getKeys")).as("server saw %s", seen).isEqualTo(41);
    assertThat(seen.get("get")).as("lines of 8 keys; server saw %s", seen).isEqualTo(6);
    assertThat(seen.get("mg")).as("the base64 key; server saw %s", seen).isEqualTo(1);
    assertThat(seen.get("mn")).as("one batch; server saw %s", seen).isEqualTo(1);
  }

  @Test
  void aGetManyOfTextKeysOnlyEndsAtItsLastGetLinesEndWithNoMn() throws Exception {
    Map<String, byte[]> entries = fortyLongKeys("t");
    store.setMany(entries, 60_000);
    List<String> keys = new ArrayList<>(entries.keySet());
    keys.add(ns + ":absent");
    List<Map<String, byte[]>> answers = new ArrayList<>();

    RequestCounts seen = countedAtTheServer(s -> {
      // blocking (the direct connection), then async (pipelined), then blocking again: each
      // call must end at its own last END, or the next would take what is left of its answer
      answers.add(s.getMany(keys));
      answers.add(s.getManyAsync(keys).get(30, TimeUnit.SECONDS));
      answers.add(s.getMany(keys));
      answers.add(Map.of(keys.get(0), s.get(keys.get(0))));
    });

    for (Map<String, byte[]> found : answers.subList(0, 3)) {
      assertSameEntries(found, entries);
    }
    assertThat(answers.get(3).get(keys.get(0))).isEqualTo(entries.get(keys.get(0)));
    // 40 keys of 250 bytes, 8 to a line, and the absent key on a sixth
    assertThat(seen.get("get")).as("3 × 6 lines; server saw %s", seen).isEqualTo(18);
    assertThat(seen.get("mn")).as("no mn; server saw %s", seen).isZero();
  }

  private static void assertSameEntries(Map<String, byte[]> found, Map<String, byte[]> entries) {
    assertThat(found).hasSize(entries.size());
    entries.forEach((k, v) -> assertThat(found.get(k)).as(k).isEqualTo(v));
  }

  /** 40 text keys of 250 bytes named after {@code tag} (8 fill a 2048-byte get line), valued. */
  private Map<String, byte[]> fortyLongKeys(String tag) {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    for (int i = 0; i < 40; i++) {
      entries.put((ns + tag + i + ":").repeat(10).substring(0, 250), bytes("value " + i));
    }
    return entries;
  }

  /** Calls on a store that reaches the server through a {@link MemcachedTap}. */
  private interface TappedCalls {
    void run(MemcachedStore s) throws Exception;
  }

  /**
   * Runs {@code calls} on a store of its own behind a fresh {@link MemcachedTap}, after the
   * connection's handshake, and returns the commands the tap counted meanwhile.
   */
  private RequestCounts countedAtTheServer(TappedCalls calls) throws Exception {
    try (MemcachedTap tap = MemcachedTap.start(server);
        MemcachedStore s = MemcachedStores.builder(tap.host(), tap.port())
            .timeout(Duration.ofSeconds(5)).build()) {
      s.get("warm-up"); // the connection's handshake, before counting
      RequestCounts before = tap.counts();
      calls.run(s);
      return tap.counts().minus(before);
    }
  }

  // ---- recache flags (experimental) --------------------------------------------------------

  @Test
  void aMissWithVivificationHasOneWinnerAndPlainReadsSeeNothing() {
    String key = ns + ":k";
    RecacheRead first = store.readForRecache(key, 30_000, 0);
    assertThat(first.won()).isTrue();
    assertThat(first.found()).isFalse();
    RecacheRead second = store.readForRecache(key, 30_000, 0);
    assertThat(second.won()).isFalse();
    assertThat(second.winnerExists()).isTrue();
    assertThat(store.get(key)).as("the placeholder is a miss").isNull();
    assertThat(store.exists(key)).isFalse();
    assertThat(store.getMany(List.of(key))).isEmpty();
    assertThat(store.getVersioned(key)).isNull();

    store.set(key, bytes("computed"), 60_000);
    RecacheRead after = store.readForRecache(key, 30_000, 0);
    assertThat(text(after.value())).isEqualTo("computed");
    assertThat(after.won() || after.winnerExists() || after.stale()).isFalse();
  }

  @Test
  void aStaleValueIsServedWithOneWinner() {
    String key = ns + ":k";
    assertThat(store.markStale(key, 0)).isFalse();
    store.set(key, bytes("old"), 60_000);
    assertThat(store.markStale(key, 30_000)).isTrue();
    RecacheRead first = store.readForRecache(key, 0, 0);
    assertThat(text(first.value())).isEqualTo("old");
    assertThat(first.stale()).isTrue();
    assertThat(first.won()).isTrue();
    assertThat(first.ttlSeconds()).isBetween(25L, 30L);
    RecacheRead second = store.readForRecache(key, 0, 0);
    assertThat(second.stale()).isTrue();
    assertThat(second.won()).isFalse();
    assertThat(second.winnerExists()).isTrue();
  }

  @Test
  void aGetManyServesAStaleValueAndLeavesItsWinForTheNextSingleRead() {
    String key = ns + ":k";
    store.set(key, bytes("old"), 60_000);
    assertThat(store.markStale(key, 30_000)).isTrue();
    assertThat(text(store.getMany(List.of(key)).get(key))).isEqualTo("old");
    RecacheRead next = store.readForRecache(key, 0, 0);
    assertThat(next.stale()).isTrue();
    assertThat(next.won()).as("a classic get hands out no win token").isTrue();
  }

  @Test
  void aValueCloseToExpiryHandsOutOneEarlyRefresh() {
    String key = ns + ":k";
    store.set(key, bytes("v"), 100_000);
    assertThat(store.readForRecache(key, 0, 50_000).won()).isFalse();
    assertThat(store.readForRecache(key, 0, 200_000).won()).isTrue();
    assertThat(store.readForRecache(key, 0, 200_000).winnerExists()).isTrue();
  }

  // ---- connection --------------------------------------------------------------------------

  @Test
  void theStoreReconnectsAfterTheServerRestarts() throws Exception {
    try (MemcachedServer own = MemcachedServer.start()) {
      MemcachedStore s = open(builder(own));
      s.set(ns + ":k", bytes("v"), 0);
      own.kill();
      assertThatThrownBy(() -> s.get(ns + ":k")).isInstanceOf(CacheConnectionException.class);
      own.restart();
      eventually("the store answering again", () -> {
        try {
          s.set(ns + ":k", bytes("w"), 0);
          return true;
        } catch (CacheConnectionException e) {
          return false;
        }
      });
      assertThat(text(s.get(ns + ":k"))).isEqualTo("w");
    }
  }

  @Test
  void closingIsIdempotentAndFailsLaterCalls() {
    MemcachedStore s = MemcachedStores.open(server.host(), server.port());
    s.close();
    s.close();
    assertThatThrownBy(() -> s.get("k")).isInstanceOf(CacheConnectionException.class)
        .hasMessageContaining("closed");
    assertThat(s.toString()).contains(server.host() + ":" + server.port());
  }

  @Test
  void aDirectReadOfTheGenerationKeyShowsADecimal() {
    store.set(ns + ":k", bytes("v"), 0);
    assertThat(new String(store.get("~@" + ns), US_ASCII)).matches("[0-9]+");
  }

  @Test
  void sizeIsTheServersOwnCountOfItemsAndBytes() {
    StoreSize before = store.size(ns);
    assertThat(before.wholeStore()).as("memcached cannot count a prefix").isTrue();
    for (int i = 0; i < 3; i++) {
      store.set(ns + "size" + i, new byte[1000], Store.NO_EXPIRY);
    }
    StoreSize after = store.size(ns);
    assertThat(after.entries()).isEqualTo(before.entries() + 3);
    assertThat(after.bytes()).isGreaterThanOrEqualTo(before.bytes() + 3 * 1000);
  }
}

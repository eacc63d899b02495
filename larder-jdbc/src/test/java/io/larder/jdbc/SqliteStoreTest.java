package io.larder.jdbc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.CacheCodecException;
import io.larder.CacheConnectionException;
import io.larder.CacheTimeoutException;
import io.larder.testkit.ManualClock;
import io.larder.spi.Store;
import io.larder.spi.StoreSize;
import io.larder.spi.StoredValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest {
  private static final long START = 1_700_000_000_000L;

  @TempDir Path dir;
  private Path file;
  private ManualClock clock;
  private SqliteCacheStore store;

  @BeforeEach
  void open() {
    file = dir.resolve("cache.db");
    clock = new ManualClock(Instant.ofEpochMilli(START));
    store = SqliteStores.builder(file).clock(clock).purgeInterval(Duration.ZERO).build();
  }

  @AfterEach
  void close() throws SQLException {
    store.close();
    assertThat(rowCountByMeta()).as("row count kept by triggers").isEqualTo(rowCount());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private static String text(byte[] b) {
    return b == null ? null : new String(b, UTF_8);
  }

  // ---- size

  @Test
  void sizeCountsTheLiveRowsUnderAPrefixAndTheirKeyAndValueBytes() {
    store.set("~a:1", bytes("12345"), Store.NO_EXPIRY);
    store.set("~a:2", bytes("12"), 1_000);
    store.set("~ab:3", bytes("xyz"), Store.NO_EXPIRY);
    store.set("~b:4", bytes("1234567890"), Store.NO_EXPIRY);
    assertThat(store.size("~a:")).isEqualTo(StoreSize.ofPrefix(2, 4 + 5 + 4 + 2));
    assertThat(store.size("")).isEqualTo(StoreSize.ofPrefix(4, 4 + 4 + 5 + 4 + 5 + 2 + 3 + 10));
    clock.advance(Duration.ofSeconds(2)); // ~a:2 expires, though its row is still there
    assertThat(store.size("~a:")).isEqualTo(StoreSize.ofPrefix(1, 4 + 5));
    assertThat(store.size("~c:")).isEqualTo(StoreSize.ofPrefix(0, 0));
  }

  // ---- get / set

  @Test
  void setThenGetReturnsTheBytes() {
    assertThat(store.get("k")).isNull();
    store.set("k", bytes("v1"), Store.NO_EXPIRY);
    assertThat(text(store.get("k"))).isEqualTo("v1");
    store.set("k", bytes("v2"), Store.NO_EXPIRY);
    assertThat(text(store.get("k"))).isEqualTo("v2");
  }

  @Test
  void emptyAndBinaryValuesRoundTrip() {
    byte[] binary = {0, -1, 127, -128, 10};
    store.set("empty", new byte[0], Store.NO_EXPIRY);
    store.set("binary", binary, Store.NO_EXPIRY);
    assertThat(store.get("empty")).isEmpty();
    assertThat(store.get("binary")).containsExactly(binary);
  }

  @Test
  void keysAreStoredExactlyAsGiven() {
    List<String> keys = List.of("", " ", "a b", "\u00e9t\u00e9", "\u65e5\u672c", "nul\u0000x",
        "quote\"back\\slash", "tab\tnewline\n", "\uD83D\uDE00", "123", "1.0", "A", "a");
    for (String key : keys) {
      store.set(key, bytes("value of " + key), Store.NO_EXPIRY);
    }
    for (String key : keys) {
      assertThat(text(store.get(key))).isEqualTo("value of " + key);
    }
    assertThat(store.getMany(keys)).hasSize(keys.size());
    assertThat(store.getMany(keys).keySet()).containsExactlyInAnyOrderElementsOf(keys);
  }

  @Test
  void keysWithUnpairedSurrogatesAreRefusedRatherThanCollide() {
    // the driver would store "a\uD800" as "a?"
    assertThatThrownBy(() -> store.set("a\uD800", bytes("x"), Store.NO_EXPIRY))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.getMany(List.of("ok", "\uDC00")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(store.get("a?")).isNull();
  }

  @Test
  void nullArgumentsAreRefused() {
    assertThatThrownBy(() -> store.get(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("key");
    assertThatThrownBy(() -> store.set("k", null, 0)).isInstanceOf(NullPointerException.class)
        .hasMessage("value");
    Map<String, byte[]> withNull = new LinkedHashMap<>();
    withNull.put("k", null);
    assertThatThrownBy(() -> store.setMany(withNull, 0))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("'k'");
    assertThatThrownBy(() -> store.clear(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("prefix");
  }

  @Test
  void negativeTtlIsRefused() {
    assertThatThrownBy(() -> store.set("k", bytes("v"), -5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-5");
  }

  // ---- TTL

  @Test
  void entryExpiresWhenItsTtlHasPassed() {
    store.set("k", bytes("v"), 1_000);
    clock.advance(Duration.ofMillis(999));
    assertThat(store.get("k")).isNotNull();
    clock.advance(Duration.ofMillis(1));
    assertThat(store.get("k")).isNull();
  }

  @Test
  void noExpiryMeansNever() {
    store.set("k", bytes("v"), Store.NO_EXPIRY);
    clock.advance(Duration.ofDays(3650));
    assertThat(store.get("k")).isNotNull();
  }

  @Test
  void hugeTtlDoesNotOverflowIntoThePast() {
    store.set("k", bytes("v"), Long.MAX_VALUE);
    clock.advance(Duration.ofDays(3650));
    assertThat(store.get("k")).isNotNull();
  }

  @Test
  void expiredEntriesAreInvisibleToEveryRead() {
    store.set("k", bytes("v"), 10);
    store.set("live", bytes("l"), Store.NO_EXPIRY);
    clock.advance(Duration.ofMillis(10));
    assertThat(store.get("k")).isNull();
    assertThat(store.getMany(List.of("k", "live"))).containsOnlyKeys("live");
    assertThat(store.exists("k")).isFalse();
    assertThat(store.getVersioned("k")).isNull();
    assertThat(store.touch("k", 1_000)).isFalse();
    assertThat(store.get("k")).as("touch must not revive").isNull();
    assertThat(store.delete("k")).as("delete reports only live values").isFalse();
  }

  @Test
  void setManyAppliesOneTtlToAll() {
    store.setMany(Map.of("a", bytes("1"), "b", bytes("2")), 100);
    assertThat(store.getMany(List.of("a", "b"))).hasSize(2);
    clock.advance(Duration.ofMillis(100));
    assertThat(store.getMany(List.of("a", "b"))).isEmpty();
  }

  // ---- bulk

  @Test
  void getManyReturnsOnlyFoundKeysAndToleratesDuplicates() {
    store.set("a", bytes("1"), 0);
    store.set("b", bytes("2"), 0);
    Map<String, byte[]> found = store.getMany(List.of("a", "missing", "b", "a"));
    assertThat(found).containsOnlyKeys("a", "b");
    assertThat(text(found.get("b"))).isEqualTo("2");
    assertThat(store.getMany(List.of())).isEmpty();
  }

  @Test
  void getManyOfTwoThousandKeys() {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    for (int i = 0; i < 2_000; i++) {
      entries.put("key:" + i, bytes("value " + i));
    }
    store.setMany(entries, Store.NO_EXPIRY);
    List<String> keys = new ArrayList<>(entries.keySet());
    for (int i = 0; i < 100; i++) {
      keys.add("absent:" + i);
    }
    Map<String, byte[]> found = store.getMany(keys);
    assertThat(found).hasSize(2_000);
    assertThat(text(found.get("key:1999"))).isEqualTo("value 1999");
  }

  @Test
  void deleteManyCountsLiveValuesRemoved() {
    store.set("a", bytes("1"), 0);
    store.set("b", bytes("2"), 0);
    store.set("c", bytes("3"), 5);
    store.set("keep", bytes("4"), 0);
    clock.advance(Duration.ofMillis(5));
    assertThat(store.deleteMany(List.of("a", "b", "c", "missing", "a"))).isEqualTo(2);
    assertThat(store.getMany(List.of("a", "b", "c", "keep"))).containsOnlyKeys("keep");
    assertThat(store.deleteMany(List.of())).isZero();
  }

  // ---- add, delete, exists, touch

  @Test
  void addStoresOnlyWhenAbsentOrExpired() {
    assertThat(store.add("k", bytes("first"), 10)).isTrue();
    assertThat(store.add("k", bytes("second"), 10)).isFalse();
    assertThat(text(store.get("k"))).isEqualTo("first");
    clock.advance(Duration.ofMillis(10));
    assertThat(store.add("k", bytes("third"), Store.NO_EXPIRY)).isTrue();
    assertThat(text(store.get("k"))).isEqualTo("third");
    clock.advance(Duration.ofMillis(1_000_000));
    assertThat(text(store.get("k"))).as("add's own TTL applies").isEqualTo("third");
  }

  @Test
  void deleteReportsWhetherALiveValueWasRemoved() {
    store.set("k", bytes("v"), 0);
    assertThat(store.delete("k")).isTrue();
    assertThat(store.get("k")).isNull();
    assertThat(store.delete("k")).isFalse();
  }

  @Test
  void existsSeesOnlyLiveKeys() {
    assertThat(store.exists("k")).isFalse();
    store.set("k", bytes("v"), 10);
    assertThat(store.exists("k")).isTrue();
    clock.advance(Duration.ofMillis(10));
    assertThat(store.exists("k")).isFalse();
  }

  @Test
  void touchGivesALiveEntryANewTtl() {
    store.set("k", bytes("v"), 100);
    clock.advance(Duration.ofMillis(50));
    assertThat(store.touch("k", 100)).isTrue();
    clock.advance(Duration.ofMillis(99));
    assertThat(text(store.get("k"))).isEqualTo("v");
    clock.advance(Duration.ofMillis(1));
    assertThat(store.get("k")).isNull();
    assertThat(store.touch("missing", 100)).isFalse();
  }

  @Test
  void touchWithNoExpiryMakesAnEntryPermanent() {
    store.set("k", bytes("v"), 100);
    assertThat(store.touch("k", Store.NO_EXPIRY)).isTrue();
    clock.advance(Duration.ofMillis(1_000_000));
    assertThat(store.get("k")).isNotNull();
  }

  // ---- incr

  @Test
  void incrCreatesAMissingCounterWithDeltaAndTtl() {
    assertThat(store.incr("c", 5, 100)).isEqualTo(5);
    assertThat(text(store.get("c"))).isEqualTo("5");
    clock.advance(Duration.ofMillis(100));
    assertThat(store.get("c")).isNull();
  }

  @Test
  void incrKeepsTheExpiryOfAnExistingCounter() {
    store.incr("c", 1, 100);
    clock.advance(Duration.ofMillis(60));
    assertThat(store.incr("c", 1, 10_000)).isEqualTo(2);
    clock.advance(Duration.ofMillis(40));
    assertThat(store.get("c")).as("expired at the first TTL").isNull();
  }

  @Test
  void incrRestartsAnExpiredCounter() {
    store.incr("c", 7, 10);
    clock.advance(Duration.ofMillis(10));
    assertThat(store.incr("c", 3, 100)).isEqualTo(3);
    clock.advance(Duration.ofMillis(99));
    assertThat(text(store.get("c"))).isEqualTo("3");
  }

  @Test
  void incrAddsNegativeDeltasAndStoresDecimalAscii() {
    store.set("c", bytes("10"), 0);
    assertThat(store.incr("c", -22, 0)).isEqualTo(-12);
    assertThat(text(store.get("c"))).isEqualTo("-12");
    assertThat(store.incr("c", 0, 0)).isEqualTo(-12);
  }

  @Test
  void incrOfSomethingOtherThanADecimalFails() {
    for (String bad : List.of("abc", "", "-", "+1", "1.5", "1 2", " ", "0x10",
        "\u0661\u0662", "99999999999999999999")) {
      store.set("c", bytes(bad), 0);
      assertThatThrownBy(() -> store.incr("c", 1, 0))
          .as("'%s'", bad)
          .isInstanceOf(CacheCodecException.class)
          .hasMessageContaining("'c'");
      assertThat(text(store.get("c"))).as("left unchanged").isEqualTo(bad);
    }
  }

  @Test
  void incrAcceptsTheSpacePaddingMemcachedLeavesAfterADecrement() {
    store.set("c", bytes("9 "), 0);
    assertThat(store.incr("c", 1, 0)).isEqualTo(10);
    assertThat(text(store.get("c"))).isEqualTo("10");
  }

  @Test
  void incrOverflowFailsAndLeavesTheCounter() {
    store.set("c", bytes(Long.toString(Long.MAX_VALUE)), 0);
    assertThatThrownBy(() -> store.incr("c", 1, 0))
        .isInstanceOf(CacheCodecException.class).hasMessageContaining("overflows");
    assertThat(text(store.get("c"))).isEqualTo(Long.toString(Long.MAX_VALUE));
    store.set("d", bytes(Long.toString(Long.MIN_VALUE)), 0);
    assertThatThrownBy(() -> store.incr("d", -1, 0)).isInstanceOf(CacheCodecException.class);
    assertThat(store.incr("d", 1, 0)).isEqualTo(Long.MIN_VALUE + 1);
  }

  // ---- versions and compare-and-set

  @Test
  void everyWriteChangesTheVersion() {
    store.set("k", bytes("a"), 0);
    long v1 = store.getVersioned("k").version();
    store.set("k", bytes("a"), 0);
    long v2 = store.getVersioned("k").version();
    store.touch("k", 0);
    long v3 = store.getVersioned("k").version();
    store.set("k", bytes("5"), 0);
    store.incr("k", 1, 0);
    long v4 = store.getVersioned("k").version();
    assertThat(List.of(v1, v2, v3, v4)).doesNotHaveDuplicates();
    assertThat(text(store.getVersioned("k").bytes())).isEqualTo("6");
  }

  @Test
  void compareAndSetWritesOnlyOverTheExpectedVersion() {
    store.set("k", bytes("a"), 0);
    StoredValue read = store.getVersioned("k");
    assertThat(store.compareAndSet("k", read, bytes("b"), 0)).isTrue();
    assertThat(store.compareAndSet("k", read, bytes("c"), 0)).as("stale").isFalse();
    assertThat(text(store.get("k"))).isEqualTo("b");
  }

  @Test
  void compareAndSetAppliesItsTtl() {
    store.set("k", bytes("a"), 0);
    assertThat(store.compareAndSet("k", store.getVersioned("k"), bytes("b"), 10)).isTrue();
    clock.advance(Duration.ofMillis(10));
    assertThat(store.get("k")).isNull();
  }

  @Test
  void compareAndSetWithNullExpectedWritesOnlyIfAbsentOrExpired() {
    assertThat(store.compareAndSet("k", null, bytes("a"), 10)).isTrue();
    assertThat(store.compareAndSet("k", null, bytes("b"), 10)).isFalse();
    assertThat(text(store.get("k"))).isEqualTo("a");
    clock.advance(Duration.ofMillis(10));
    assertThat(store.compareAndSet("k", null, bytes("c"), 0)).isTrue();
    assertThat(text(store.get("k"))).isEqualTo("c");
  }

  @Test
  void compareAndSetFailsOnAnExpiredEntryEvenWithItsVersion() {
    store.set("k", bytes("a"), 10);
    StoredValue read = store.getVersioned("k");
    clock.advance(Duration.ofMillis(10));
    assertThat(store.compareAndSet("k", read, bytes("b"), 0)).isFalse();
    assertThat(store.get("k")).isNull();
  }

  @Test
  void compareAndSetFailsAfterDeleteAndRewriteOfTheSameBytes() {
    store.set("k", bytes("a"), 0);
    StoredValue read = store.getVersioned("k");
    store.delete("k");
    store.set("k", bytes("a"), 0);
    assertThat(store.compareAndSet("k", read, bytes("b"), 0)).isFalse();
  }

  @Test
  void versionsAreNeverReusedAfterOverwritesAndADelete() {
    store.set("k", bytes("a"), 0);
    store.set("k", bytes("b"), 0);
    store.set("k", bytes("c"), 0);
    StoredValue read = store.getVersioned("k");
    store.delete("k");
    store.set("k", bytes("c"), 0);
    assertThat(store.getVersioned("k").version()).isNotEqualTo(read.version());
    assertThat(store.compareAndSet("k", read, bytes("d"), 0)).isFalse();
  }

  @Test
  void versionsAreNeverReusedAfterAClear() {
    store.set("k", bytes("a"), 0);
    StoredValue read = store.getVersioned("k");
    store.clear("");
    store.set("k", bytes("a"), 0);
    assertThat(store.getVersioned("k").version()).isNotEqualTo(read.version());
    assertThat(store.compareAndSet("k", read, bytes("b"), 0)).isFalse();
  }

  // ---- clear

  @Test
  void clearWithAnEmptyPrefixRemovesEverything() {
    store.setMany(Map.of("a:1", bytes("1"), "b:1", bytes("2"), "", bytes("3")), 0);
    store.clear("");
    assertThat(store.getMany(List.of("a:1", "b:1", ""))).isEmpty();
  }

  @Test
  void clearRemovesOnlyKeysStartingWithThePrefix() {
    String max = new String(Character.toChars(Character.MAX_CODE_POINT));
    String emoji = "\uD83D\uDE00";
    List<String> prefixes = List.of("notes:", "50%:", "a_b:", "*:", "[x]:", "\\:", "'\";:",
        "\u00fcber:", "\u65e5\u672c:", emoji + ":", "z" + max, "a\uD7FF");
    for (String prefix : prefixes) {
      store.clear("");
      List<String> inside = List.of(prefix, prefix + "1", prefix + "\u0000", prefix + max,
          prefix + emoji);
      // neighbours that LIKE or GLOB with unescaped wildcards, or a wrong upper bound, would
      // remove: same characters with the wildcard matching something else, the successor of
      // the last character, and the prefix's own proper prefix
      String stem = prefix.substring(0, prefix.offsetByCodePoints(prefix.length(), -1));
      List<String> outside = new ArrayList<>(List.of(
          stem, stem + "!", stem + SqlKeys.successor(prefix.substring(stem.length())).orElse("")
              + "1", "x" + prefix, "50x:", "a_c:", "axb:", "notes;", "note:", "\u00fcbe:",
          "\u65e5\u672d:", "a\uE000", "z"));
      outside.removeIf(key -> key.startsWith(prefix));
      outside = new ArrayList<>(new LinkedHashSet<>(outside));
      for (String key : inside) {
        store.set(key, bytes("in"), 0);
      }
      for (String key : outside) {
        store.set(key, bytes("out"), 0);
      }
      store.clear(prefix);
      assertThat(store.getMany(inside)).as("inside %s", prefix).isEmpty();
      assertThat(store.getMany(outside).keySet()).as("outside %s", prefix)
          .containsExactlyInAnyOrderElementsOf(outside);
    }
  }

  // ---- purge and the entry limit

  @Test
  void purgeExpiredDeletesOnlyExpiredRows() throws SQLException {
    store.set("short", bytes("1"), 10);
    store.set("long", bytes("2"), 1_000);
    store.set("forever", bytes("3"), 0);
    clock.advance(Duration.ofMillis(10));
    assertThat(rowCount()).isEqualTo(3);
    assertThat(store.purgeExpired()).isEqualTo(1);
    assertThat(rowCount()).isEqualTo(2);
    assertThat(store.getMany(List.of("short", "long", "forever"))).containsOnlyKeys("long",
        "forever");
    assertThat(store.purgeExpired()).isZero();
  }

  @Test
  void purgeExpiredWorksInBatches() throws SQLException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    for (int i = 0; i < 2_500; i++) {
      entries.put("k" + i, bytes("v"));
    }
    store.setMany(entries, 10);
    store.set("keep", bytes("v"), 0);
    clock.advance(Duration.ofMillis(10));
    assertThat(store.purgeExpired()).isEqualTo(2_500);
    assertThat(rowCount()).isEqualTo(1);
  }

  @Test
  void scheduledPurgeRemovesExpiredRows() throws Exception {
    try (SqliteCacheStore scheduled = SqliteStores.builder(dir.resolve("scheduled.db"))
        .clock(clock).purgeInterval(Duration.ofMillis(20)).build()) {
      scheduled.set("short", bytes("1"), 10);
      scheduled.set("forever", bytes("2"), 0);
      clock.advance(Duration.ofMillis(10));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (rowCount(dir.resolve("scheduled.db")) > 1 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(rowCount(dir.resolve("scheduled.db"))).isEqualTo(1);
    }
  }

  @Test
  void entryLimitCullsExpiredRowsFirst() {
    try (SqliteCacheStore limited = limitedStore(10)) {
      for (int i = 0; i < 7; i++) {
        limited.set("permanent" + i, bytes("p"), 0);
        clock.advance(Duration.ofMillis(1));
      }
      // the most recently written, so LRU alone would keep them
      for (int i = 0; i < 3; i++) {
        limited.set("expiring" + i, bytes("e"), 5);
        clock.advance(Duration.ofMillis(1));
      }
      clock.advance(Duration.ofMillis(10));
      limited.set("new", bytes("n"), 0);
      List<String> permanent = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        permanent.add("permanent" + i);
      }
      assertThat(limited.getMany(permanent)).hasSize(7);
      assertThat(limited.get("new")).isNotNull();
    }
  }

  @Test
  void entryLimitEvictsTheLeastRecentlyUsedNotTheSmallestKeys() throws SQLException {
    try (SqliteCacheStore limited = limitedStore(10)) {
      // written j, i, ..., a: by recency j is oldest; by key order a is first
      for (char c = 'j'; c >= 'a'; c--) {
        limited.set(String.valueOf(c), bytes("v"), 0);
        clock.advance(Duration.ofMillis(1));
      }
      clock.advance(Duration.ofMillis(10));
      assertThat(limited.get("j")).isNotNull();
      assertThat(limited.getMany(List.of("i"))).hasSize(1);
      clock.advance(Duration.ofMillis(1));
      limited.set("k", bytes("v"), 0);
      // over the limit of 10: culled to 9, removing the two least recently used
      assertThat(rowCount()).isEqualTo(9);
      assertThat(limited.get("h")).isNull();
      assertThat(limited.get("g")).isNull();
      for (String kept : List.of("j", "i", "f", "b", "a", "k")) {
        assertThat(limited.get(kept)).as(kept).isNotNull();
      }
    }
  }

  @Test
  void entryLimitCullsToNinetyPercent() throws SQLException {
    try (SqliteCacheStore limited = limitedStore(100)) {
      for (int i = 0; i < 100; i++) {
        limited.set("k" + i, bytes("v"), 0);
        clock.advance(Duration.ofMillis(1));
      }
      assertThat(rowCount()).isEqualTo(100);
      limited.set("one more", bytes("v"), 0);
      assertThat(rowCount()).isEqualTo(90);
      assertThat(limited.get("one more")).isNotNull();
      assertThat(limited.get("k10")).isNull();
      assertThat(limited.get("k11")).isNotNull();
    }
  }

  @Test
  void entryLimitHoldsForBulkWritesAddAndIncr() throws SQLException {
    try (SqliteCacheStore limited = limitedStore(20)) {
      Map<String, byte[]> entries = new LinkedHashMap<>();
      for (int i = 0; i < 50; i++) {
        entries.put("bulk" + i, bytes("v"));
      }
      limited.setMany(entries, 0);
      assertThat(rowCount()).isLessThanOrEqualTo(20);
      for (int i = 0; i < 30; i++) {
        clock.advance(Duration.ofMillis(1));
        limited.add("add" + i, bytes("v"), 0);
        limited.incr("counter" + i, 1, 0);
        limited.compareAndSet("cas" + i, null, bytes("v"), 0);
        assertThat(rowCount()).isLessThanOrEqualTo(20);
      }
    }
  }

  private SqliteCacheStore limitedStore(long maxEntries) {
    store.close();
    return SqliteStores.builder(file).clock(clock).purgeInterval(Duration.ZERO)
        .maxEntries(maxEntries).build();
  }

  // ---- concurrency

  @Test
  void concurrentIncrementsAreExact() throws Exception {
    int threads = 16;
    int perThread = 2_000;
    runConcurrently(threads, () -> {
      for (int i = 0; i < perThread; i++) {
        store.incr("hits", 1, 0);
      }
      return null;
    });
    assertThat(text(store.get("hits"))).isEqualTo(Long.toString((long) threads * perThread));
  }

  @Test
  void concurrentCompareAndSetLoopsLoseNoUpdate() throws Exception {
    int threads = 16;
    int perThread = 100;
    store.set("n", bytes("0"), 0);
    runConcurrently(threads, () -> {
      for (int done = 0; done < perThread; ) {
        StoredValue read = store.getVersioned("n");
        long next = Long.parseLong(text(read.bytes())) + 1;
        if (store.compareAndSet("n", read, bytes(Long.toString(next)), 0)) {
          done++;
        }
      }
      return null;
    });
    assertThat(text(store.get("n"))).isEqualTo(Integer.toString(threads * perThread));
  }

  @Test
  void concurrentAddLetsExactlyOneWin() throws Exception {
    List<Boolean> wins = Collections.synchronizedList(new ArrayList<>());
    runConcurrently(16, () -> {
      wins.add(store.add("lease", bytes(Thread.currentThread().getName()), 0));
      return null;
    });
    assertThat(wins).containsOnlyOnce(true);
  }

  @Test
  void storesOnTheSameFileShareEntries() {
    try (SqliteCacheStore other = SqliteStores.builder(file).clock(clock).build()) {
      store.set("k", bytes("from one"), 0);
      assertThat(text(other.get("k"))).isEqualTo("from one");
      other.incr("c", 2, 0);
      assertThat(store.incr("c", 3, 0)).isEqualTo(5);
    }
  }

  @Test
  void manyStoresCanCreateTheSameFileAtOnce() throws Exception {
    Path fresh = dir.resolve("fresh/nested/cache.db");
    List<SqliteCacheStore> opened = Collections.synchronizedList(new ArrayList<>());
    try {
      runConcurrently(8, () -> {
        SqliteCacheStore s = SqliteStores.builder(fresh).clock(clock).build();
        opened.add(s);
        s.incr("opened", 1, 0);
        return null;
      });
      assertThat(text(opened.get(0).get("opened"))).isEqualTo("8");
    } finally {
      opened.forEach(SqliteCacheStore::close);
    }
  }

  private static void runConcurrently(int threads, Callable<Void> task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Void>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(pool.submit(() -> {
          start.await();
          return task.call();
        }));
      }
      start.countDown();
      for (Future<Void> future : futures) {
        future.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- failures and lifecycle

  @Test
  void aWriterLockedOutBeyondTheBusyTimeoutTimesOut() throws SQLException {
    try (SqliteCacheStore impatient = SqliteStores.builder(file).clock(clock)
            .busyTimeout(Duration.ofMillis(50)).build();
        Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement lock = other.createStatement()) {
      impatient.set("k", bytes("before"), 0);
      lock.execute("BEGIN IMMEDIATE");
      try {
        assertThatThrownBy(() -> impatient.set("k", bytes("v"), 0))
            .isInstanceOf(CacheTimeoutException.class)
            .hasMessageContaining(file.toString())
            .hasMessageContaining("set");
        assertThat(text(impatient.get("k"))).as("WAL readers are not blocked")
            .isEqualTo("before");
      } finally {
        lock.execute("ROLLBACK");
      }
      impatient.set("k", bytes("after"), 0);
      assertThat(text(impatient.get("k"))).isEqualTo("after");
    }
  }

  @Test
  void aFileThatIsNotADatabaseFailsToOpen() throws Exception {
    Path junk = dir.resolve("junk.db");
    Files.writeString(junk, "this is not an SQLite database, ".repeat(10));
    assertThatThrownBy(() -> SqliteStores.builder(junk).build())
        .isInstanceOf(CacheConnectionException.class)
        .hasMessageContaining(junk.toString());
  }

  @Test
  void aFileFromANewerSchemaIsRefused() throws Exception {
    Path newer = dir.resolve("newer.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + newer);
        Statement s = c.createStatement()) {
      s.execute("PRAGMA user_version = 99");
    }
    assertThatThrownBy(() -> SqliteStores.builder(newer).build())
        .isInstanceOf(CacheConnectionException.class)
        .hasMessageContaining("schema version 99");
  }

  @Test
  void aPathUnderAFileCannotBeOpened() throws Exception {
    Path plainFile = Files.writeString(dir.resolve("plain"), "x");
    assertThatThrownBy(() -> SqliteStores.builder(plainFile.resolve("cache.db")).build())
        .isInstanceOf(CacheConnectionException.class)
        .hasMessageContaining(plainFile.toString());
  }

  @Test
  void closeIsIdempotentAndLaterCallsFail() {
    store.set("k", bytes("v"), 0);
    store.close();
    store.close();
    assertThatThrownBy(() -> store.get("k")).isInstanceOf(CacheConnectionException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> store.set("k", bytes("v"), 0))
        .isInstanceOf(CacheConnectionException.class);
  }

  @Test
  void theFileKeepsEntriesAcrossReopening() {
    store.set("k", bytes("v"), 0);
    store.close();
    try (SqliteCacheStore reopened = SqliteStores.builder(file).build()) {
      assertThat(text(reopened.get("k"))).isEqualTo("v");
    }
  }

  // ---- raw access to the file

  private long rowCount() throws SQLException {
    return rowCount(file);
  }

  private static long rowCount(Path file) throws SQLException {
    return queryLong(file, "SELECT count(*) FROM larder_entries");
  }

  private long rowCountByMeta() throws SQLException {
    return queryLong(file, "SELECT entries FROM larder_meta");
  }

  private static long queryLong(Path file, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }
}

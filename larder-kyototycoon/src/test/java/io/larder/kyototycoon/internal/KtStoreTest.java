package io.larder.kyototycoon.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.kyototycoon.KyotoTycoonStores;
import io.larder.kyototycoon.KyotoTycoonTestServer;
import io.larder.spi.Store;
import io.larder.spi.StoredValue;
import io.larder.testkit.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What only the in-process fake can show on cue: which protocol each operation uses (it counts
 * requests by kind), binary data under every reply encoding (it answers in B, U or Q as told;
 * the real server picks its own) and expiry by an injected clock. Everything else the store
 * does is checked against the real server in {@code KtStoreIT}.
 */
class KtStoreTest {
  static final byte[] BINARY = {0, '\t', '\n', '\r', (byte) 0xFF, '=', '%', '+', ' '};
  private static final Instant START = Instant.parse("2030-01-01T00:00:00.250Z");
  private static final long START_S = START.getEpochSecond();

  private static KyotoTycoonTestServer server;
  private ManualClock clock;
  private Store store;

  @BeforeAll
  static void startServer() {
    server = KyotoTycoonTestServer.start(2);
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @BeforeEach
  void open() {
    clock = new ManualClock(START);
    server.clock(clock);
    server.encoding(KyotoTycoonTestServer.Encoding.AUTO);
    store = open(builder().db(1));
  }

  @AfterEach
  void close() {
    store.clear("");
    store.close();
  }

  private static KyotoTycoonStores.Builder builder() {
    return KyotoTycoonStores.builder("127.0.0.1", server.port());
  }

  private static Store open(KyotoTycoonStores.Builder builder) {
    return builder.build();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Runs an action and returns how many requests of each kind the server got meanwhile. */
  private static Map<String, Long> callsDuring(Runnable action) {
    Map<String, Long> before = server.calls();
    action.run();
    Map<String, Long> after = new LinkedHashMap<>(server.calls());
    after.replaceAll((k, v) -> v - before.getOrDefault(k, 0L));
    after.values().removeIf(v -> v == 0);
    return after;
  }

  @Test
  void readsWritesAndDeletesGoBinaryOneRequestEach() {
    assertThat(callsDuring(() -> store.set("a", utf8("1"), Store.NO_EXPIRY)))
        .containsExactly(Map.entry("bin:set_bulk", 1L));
    assertThat(callsDuring(() -> store.setMany(Map.of("b", utf8("2"), "c", utf8("3")), 60_000)))
        .containsExactly(Map.entry("bin:set_bulk", 1L));
    assertThat(callsDuring(() -> assertThat(store.get("a")).containsExactly('1')))
        .containsExactly(Map.entry("bin:get_bulk", 1L));
    assertThat(callsDuring(() -> assertThat(store.getMany(List.of("a", "b", "zz", "a")))
        .containsOnlyKeys("a", "b"))).containsExactly(Map.entry("bin:get_bulk", 1L));
    assertThat(callsDuring(() -> assertThat(store.delete("a")).isTrue()))
        .containsExactly(Map.entry("bin:remove_bulk", 1L));
    assertThat(callsDuring(() -> assertThat(store.deleteMany(List.of("a", "b", "c"))).isEqualTo(2)))
        .containsExactly(Map.entry("bin:remove_bulk", 1L));
  }

  @Test
  void atomicOperationsAndClearGoThroughHttpRpc() {
    assertThat(callsDuring(() -> assertThat(store.add("k", utf8("v"), 60_000)).isTrue()))
        .containsExactly(Map.entry("rpc:add", 1L));
    assertThat(callsDuring(() -> assertThat(store.exists("k")).isTrue()))
        .containsExactly(Map.entry("rpc:check", 1L));
    assertThat(callsDuring(() -> assertThat(store.compareAndSet("k", null, utf8("w"), 60_000))
        .isFalse())).containsExactly(Map.entry("rpc:add", 1L));
    assertThat(callsDuring(() -> store.clear("~ns:")))
        .containsExactly(Map.entry("rpc:match_prefix", 1L));
    store.set("~ns::1", utf8("x"), Store.NO_EXPIRY);
    assertThat(callsDuring(() -> store.clear("~ns:")))
        .containsOnly(Map.entry("rpc:match_prefix", 1L), Map.entry("bin:remove_bulk", 1L));
    assertThat(callsDuring(() -> store.clear(""))).containsExactly(Map.entry("rpc:clear", 1L));
    assertThat(store.exists("k")).isFalse();
  }

  @ParameterizedTest
  @EnumSource(KyotoTycoonTestServer.Encoding.class)
  void binaryKeysAndValuesSurviveEveryPathWhateverEncodingTheServerAnswersIn(
      KyotoTycoonTestServer.Encoding encoding) {
    server.encoding(encoding);
    binaryKeysAndValuesSurviveEveryPath(store, "~ns:");
  }

  /**
   * Sends binary keys and values through every operation in namespace {@code ns} (ending in
   * {@code :}) and clears it, checking a neighbour's key survives; shared with {@code KtStoreIT}.
   */
  static void binaryKeysAndValuesSurviveEveryPath(Store store, String ns) {
    String key = ns + ":k\u0000\t\n☕";
    store.set(key, BINARY, Store.NO_EXPIRY);
    assertThat(store.get(key)).containsExactly(BINARY);
    assertThat(store.add(key + "2", BINARY, 60_000)).isTrue();
    assertThat(store.getMany(List.of(key, key + "2"))).hasSize(2)
        .allSatisfy((k, v) -> assertThat(v).containsExactly(BINARY));
    StoredValue read = store.getVersioned(key);
    assertThat(read.bytes()).containsExactly(BINARY);
    assertThat(store.compareAndSet(key, read, new byte[] {'\n'}, Store.NO_EXPIRY)).isTrue();
    assertThat(store.get(key)).containsExactly('\n');
    assertThat(store.touch(key, 60_000)).isTrue();
    String neighbour = ns.substring(0, ns.length() - 1) + "-other::k\t";
    store.set(ns + ":untouched", utf8("x"), Store.NO_EXPIRY);
    store.set(neighbour, utf8("kept"), Store.NO_EXPIRY);
    store.clear(ns);
    assertThat(store.getMany(List.of(key, key + "2", ns + ":untouched"))).isEmpty();
    assertThat(store.get(neighbour)).containsExactly(utf8("kept"));
    store.delete(neighbour);
  }

  @Test
  void expiryIsSentInWholeSecondsAndNeverAsZero() {
    store.set("short", utf8("v"), 1);
    assertThat(server.rawExpiry(1, "short")).as("1 ms lives 1 to 2 s").isEqualTo(START_S + 1);
    assertThat(store.get("short")).isNotNull();
    store.setMany(Map.of("s", utf8("v")), 2_999);
    assertThat(server.rawExpiry(1, "s")).as("rounded up").isEqualTo(START_S + 3);
    store.set("never", utf8("v"), Store.NO_EXPIRY);
    assertThat(server.rawExpiry(1, "never")).isEqualTo(Expiry.XT_MAX);
    store.add("added", utf8("v"), 45L * 86_400_000);
    assertThat(server.rawExpiry(1, "added")).as("45 days is relative, not a date")
        .isEqualTo(START_S + 45L * 86_400);
    assertThat(store.touch("never", 5_000)).isTrue();
    assertThat(server.rawExpiry(1, "never")).isEqualTo(START_S + 5);
    clock.advance(Duration.ofMillis(5_750)); // 00:00:06.000, past second 5
    assertThat(store.get("never")).isNull();
    assertThat(store.exists("never")).isFalse();
    assertThat(store.touch("never", 5_000)).isFalse();
    assertThat(store.get("added")).isNotNull();
  }

  @Test
  void beforeAnHttpCallOneEmptyGetBulkWaitsForTheNoReplyWritesOnlyIfNeeded() {
    try (Store quiet = open(builder().db(1).noReplyWrites(true))) {
      Map<String, Long> calls = callsDuring(() -> {
        quiet.set("x", utf8("1"), Store.NO_EXPIRY);
        quiet.set("y", utf8("2"), Store.NO_EXPIRY);
        assertThat(quiet.exists("y")).isTrue();
        assertThat(quiet.exists("x")).isTrue();
      });
      assertThat(calls).as("one wait before the first HTTP call, none before the second")
          .containsOnly(Map.entry("bin:set_bulk", 2L), Map.entry("bin:get_bulk", 1L),
              Map.entry("rpc:check", 2L));
    }
  }

  @Test
  void callersOfOneKeyInOneMergedBatchEachGetAnArrayOfTheirOwn() throws Exception {
    KtStore s = (KtStore) store;
    store.set("plain", utf8("one"), Store.NO_EXPIRY);
    store.set("stamped", utf8("two"), Store.NO_EXPIRY);
    assertThat(store.getVersioned("stamped")).as("stamps a version into the stored value")
        .isNotNull();
    assertThat(Versions.isStamped(server.rawValue(1, "stamped"))).isTrue();
    long batchesBefore = server.calls("bin:get_bulk");
    long mergedBefore = s.mergedCalls();
    ExecutorService threads = Executors.newFixedThreadPool(4);
    List<Future<byte[]>> blocking = new ArrayList<>();
    List<CompletableFuture<byte[]>> async = new ArrayList<>();
    List<CompletableFuture<byte[]>> changed = new ArrayList<>();
    CompletableFuture<byte[]> inFlight;
    server.paused(true);
    try {
      // held unanswered, so every call below queues behind it and goes out in one get_bulk
      inFlight = s.getAsync("other");
      for (String key : List.of("plain", "stamped")) {
        // the first caller of the key changes its array the moment it is answered, on the
        // event loop, before the merger has answered the others
        changed.add(s.getAsync(key).thenApply(v -> {
          Arrays.fill(v, (byte) '!');
          return v;
        }));
        for (int i = 0; i < 2; i++) {
          blocking.add(threads.submit(() -> store.get(key)));
          async.add(s.getAsync(key));
        }
      }
      awaitQueued(s, 10);
    } finally {
      server.paused(false);
    }
    assertThat(inFlight.get(10, TimeUnit.SECONDS)).isNull();
    List<byte[]> plain = new ArrayList<>();
    List<byte[]> stamped = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      (i < 2 ? plain : stamped).add(blocking.get(i).get(10, TimeUnit.SECONDS));
      (i < 2 ? plain : stamped).add(async.get(i).get(10, TimeUnit.SECONDS));
    }
    threads.shutdown();
    assertThat(server.calls("bin:get_bulk") - batchesBefore)
        .as("the held call, then one batch of all the others").isEqualTo(2);
    assertThat(s.mergedCalls() - mergedBefore).isEqualTo(10);
    assertThat(plain).allSatisfy(v -> assertThat(v).containsExactly(utf8("one")));
    assertThat(stamped).allSatisfy(v -> assertThat(v).containsExactly(utf8("two")));
    List<byte[]> all = new ArrayList<>(plain);
    all.addAll(stamped);
    for (CompletableFuture<byte[]> c : changed) {
      all.add(c.get(10, TimeUnit.SECONDS));
    }
    for (int i = 0; i < all.size(); i++) {
      for (int j = i + 1; j < all.size(); j++) {
        assertThat(all.get(i)).as("caller %d's array is also caller %d's", i, j)
            .isNotSameAs(all.get(j));
      }
    }
  }

  /** Waits until {@code calls} calls wait in the store's merger, or fails after 10 s. */
  private static void awaitQueued(KtStore s, int calls) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (s.queuedCalls() < calls) {
      assertThat(System.nanoTime()).as("%d calls queued in time", calls).isLessThan(deadline);
      Thread.sleep(1);
    }
  }
}

package io.larder.kyototycoon.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.CacheCodecException;
import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.CacheTimeoutException;
import io.larder.kyototycoon.KyotoTycoonStores;
import io.larder.kyototycoon.KyotoTycoonTestServer;
import io.larder.spi.Store;
import io.larder.spi.StoredValue;
import io.larder.testkit.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the contract cannot see: which protocol each operation uses, what lands on the
 * server (plain values, decimal counters, expiration times), binary data under every reply
 * encoding, the database check, no-reply writes, and a server that stalls or goes away.
 */
class KtStoreTest {
  private static final byte[] BINARY = {0, '\t', '\n', '\r', (byte) 0xFF, '=', '%', '+', ' '};
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
    String key = "~ns::k\u0000\t\n☕";
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
    store.set("~ns::untouched", utf8("x"), Store.NO_EXPIRY);
    store.set("~other::k\t", utf8("kept"), Store.NO_EXPIRY);
    store.clear("~ns:");
    assertThat(store.getMany(List.of(key, key + "2", "~ns::untouched"))).isEmpty();
    assertThat(store.get("~other::k\t")).containsExactly(utf8("kept"));
  }

  @Test
  void countersAreDecimalTextOnTheServerAndKeepTheirExpiry() {
    assertThat(store.incr("c", 5, 10_000)).isEqualTo(5);
    assertThat(server.rawValue(1, "c")).containsExactly(utf8("5"));
    assertThat(server.rawExpiry(1, "c")).isEqualTo(START_S + 10);
    clock.advance(Duration.ofSeconds(3));
    assertThat(store.incr("c", -7, 999_000)).isEqualTo(-2);
    assertThat(server.rawValue(1, "c")).containsExactly(utf8("-2"));
    assertThat(server.rawExpiry(1, "c")).as("the first TTL stays").isEqualTo(START_S + 10);
    assertThat(store.incr("forever", 1, Store.NO_EXPIRY)).isEqualTo(1);
    assertThat(server.rawExpiry(1, "forever")).isEqualTo(Expiry.XT_MAX);
  }

  @Test
  void aCounterKyotoTycoonIncrementedItselfIsBinarySoIncrRefusesItAndLeavesIt() {
    // /rpc/increment keeps an 8-byte big-endian number: not the decimal text Larder keeps
    try (RpcClient rpc = new RpcClient(new KtConfig("127.0.0.1", server.port(), 1,
        Duration.ofSeconds(2), false))) {
      RpcClient.Response r = rpc.call("increment", List.of(new byte[][] {utf8("DB"), utf8("1")},
          new byte[][] {utf8("key"), utf8("native")}, new byte[][] {utf8("num"), utf8("5")}));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.text("num")).isEqualTo("5");
    }
    assertThat(server.rawValue(1, "native")).containsExactly(0, 0, 0, 0, 0, 0, 0, 5);
    assertThatThrownBy(() -> store.incr("native", 1, 60_000))
        .isInstanceOf(CacheCodecException.class);
    assertThat(store.get("native")).containsExactly(0, 0, 0, 0, 0, 0, 0, 5);
  }

  @Test
  void getVersionedStampsTheValueAndAnyLaterWriteOfTheSameBytesBreaksTheStamp() {
    store.set("k", utf8("same"), Store.NO_EXPIRY);
    assertThat(server.rawValue(1, "k")).as("stored plain").containsExactly(utf8("same"));
    StoredValue read = store.getVersioned("k");
    assertThat(Versions.isStamped(server.rawValue(1, "k"))).isTrue();
    assertThat(store.get("k")).as("reads strip the stamp").containsExactly(utf8("same"));
    assertThat(store.getVersioned("k").version()).as("a second read sees the same stamp")
        .isEqualTo(read.version());
    assertThat(store.touch("k", 60_000)).isTrue();
    assertThat(store.getVersioned("k").version()).as("touch keeps the version")
        .isEqualTo(read.version());
    store.set("k", utf8("same"), Store.NO_EXPIRY);
    assertThat(server.rawValue(1, "k")).containsExactly(utf8("same"));
    assertThat(store.compareAndSet("k", read, utf8("mine"), Store.NO_EXPIRY)).isFalse();
    StoredValue again = store.getVersioned("k");
    assertThat(store.compareAndSet("k", again, utf8("mine"), Store.NO_EXPIRY)).isTrue();
    assertThat(server.rawValue(1, "k")).as("written plain").containsExactly(utf8("mine"));
  }

  @Test
  void aValueThatLooksLikeAStampReadsBackUnchanged() {
    byte[] lookalike = {(byte) 0xFE, 'K', 'T', 'v', 0, 0, 0, 0, 0, 0, 0, 1, 'x'};
    store.set("k", lookalike, Store.NO_EXPIRY);
    assertThat(store.get("k")).containsExactly(lookalike);
    assertThat(store.add("k2", lookalike, 60_000)).isTrue();
    assertThat(store.getVersioned("k2").bytes()).containsExactly(lookalike);
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
  void theDatabaseIsCheckedAtOpenAndWritesLandInIt() {
    assertThatThrownBy(() -> open(builder().db(2))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'db' is 2").hasMessageContaining("db=0 to 1");
    store.set("where", utf8("1"), Store.NO_EXPIRY);
    assertThat(server.rawValue(1, "where")).isNotNull();
    assertThat(server.rawValue(0, "where")).isNull();
    try (Store zero = open(builder())) {
      assertThat(zero.get("where")).isNull();
    }
  }

  @Test
  void noReplyWritesAreSeenByTheCallsThatFollow() {
    try (Store quiet = open(builder().db(1).noReplyWrites(true))) {
      for (int i = 0; i < 50; i++) {
        quiet.set("q" + i, utf8("v" + i), Store.NO_EXPIRY);
        assertThat(quiet.exists("q" + i)).as("HTTP after a no-reply write, round %d", i).isTrue();
        assertThat(quiet.add("q" + i, utf8("other"), 60_000)).isFalse();
        quiet.setMany(Map.of("m" + i, utf8("w")), 60_000);
        assertThat(quiet.get("m" + i)).containsExactly('w');
      }
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
  void aStalledServerTimesOutAndIsUsableAgainOnceItAnswers() {
    try (Store impatient = open(builder().db(1).timeout(Duration.ofMillis(200)))) {
      impatient.set("k", utf8("v"), Store.NO_EXPIRY);
      server.paused(true);
      try {
        assertThatThrownBy(() -> impatient.get("k")).isInstanceOf(CacheTimeoutException.class)
            .hasMessageContaining("get_bulk");
        assertThatThrownBy(() -> impatient.exists("k")).isInstanceOf(CacheTimeoutException.class)
            .hasMessageContaining("/rpc/check");
      } finally {
        server.paused(false);
      }
      assertThat(eventually(() -> impatient.get("k"))).containsExactly('v');
      assertThat(eventually(() -> impatient.exists("k"))).isTrue();
    }
  }

  @Test
  void aServerThatGoesAwayFailsCallsAndIsReconnectedToWhenBack() {
    store.set("k", utf8("v"), Store.NO_EXPIRY);
    assertThat(store.exists("k")).isTrue(); // leaves an idle HTTP connection in the pool
    server.stop();
    try {
      assertThatThrownBy(() -> store.get("k")).isInstanceOf(CacheConnectionException.class);
      assertThatThrownBy(() -> store.set("k", utf8("w"), Store.NO_EXPIRY))
          .isInstanceOf(CacheConnectionException.class);
    } finally {
      server.restart();
    }
    assertThat(eventually(() -> store.get("k"))).containsExactly('v');
    assertThat(store.exists("k")).as("a pooled connection the server closed is replaced")
        .isTrue();
  }

  @Test
  void openingFailsWhenNothingListens() {
    try (KyotoTycoonTestServer gone = KyotoTycoonTestServer.start()) {
      gone.stop();
      assertThatThrownBy(() -> KyotoTycoonStores.builder("127.0.0.1", gone.port()).build())
          .isInstanceOf(CacheConnectionException.class)
          .hasMessageContaining("127.0.0.1:" + gone.port());
    }
  }

  @Test
  void closeIsIdempotentAndLaterCallsFail() {
    Store s = open(builder().db(1));
    s.close();
    s.close();
    assertThatThrownBy(() -> s.get("k")).isInstanceOf(CacheConnectionException.class)
        .hasMessageContaining("closed");
    assertThat(s.toString()).isEqualTo("KyotoTycoonStore[127.0.0.1:" + server.port() + ", db=1]");
  }

  /** Retries while the store still reports the outage, for up to 10 s. */
  private static <T> T eventually(Supplier<T> call) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      try {
        return call.get();
      } catch (CacheException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }
}

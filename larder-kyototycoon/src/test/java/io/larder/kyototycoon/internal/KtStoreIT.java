package io.larder.kyototycoon.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.CacheCodecException;
import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.CacheTimeoutException;
import io.larder.kyototycoon.KyotoTycoonStores;
import io.larder.kyototycoon.SharedKyotoTycoon;
import io.larder.spi.AsyncStore;
import io.larder.spi.Store;
import io.larder.spi.StoredValue;
import io.larder.testkit.Answered;
import io.larder.testkit.AsyncLoad;
import io.larder.testkit.ConcurrentCalls;
import io.larder.testkit.KyotoTycoonServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the contract cannot see, against the real server: what lands on it (plain values,
 * decimal counters, expiration times), binary data in whatever encoding it answers, counters
 * Kyoto Tycoon made itself, the database check, no-reply writes, and a server that stalls
 * (SIGSTOP), is killed and comes back. What only the in-process fake can do on cue (count
 * requests by protocol, answer in a chosen encoding, an injected clock) is in
 * {@code KtStoreTest}.
 */
@ExtendWith(SharedKyotoTycoon.class)
class KtStoreIT {
  private static final byte[] BINARY = KtStoreTest.BINARY;
  private static final int DB = 1;

  private static KyotoTycoonServer server;
  private Store store;
  private RpcClient raw;
  private String ns;

  @BeforeAll
  static void server(KyotoTycoonServer shared) {
    server = shared;
  }

  @BeforeEach
  void open() {
    store = builder(server).db(DB).build();
    raw = new RpcClient(new KtConfig(server.host(), server.port(), DB, Duration.ofSeconds(5),
        false));
    ns = "~" + UUID.randomUUID() + ":";
  }

  @AfterEach
  void close() {
    try {
      store.clear(ns);
      store.close();
    } finally {
      raw.close();
    }
  }

  @Test
  void thousandsOfConcurrentMixedCallsAreMergedAndEachGetsItsOwnAnswer() throws Exception {
    try (Store merging = builder(server).db(DB).timeout(Duration.ofSeconds(5)).build()) {
      assertThat(ConcurrentCalls.check(merging, ns + ":merged:", 16, 400)).isGreaterThan(3_000);
      assertThat(((KtStore) merging).mergedCalls()).as("calls sent in a batch with others")
          .isPositive();
    }
    try (Store plain = builder(server).db(DB).timeout(Duration.ofSeconds(5)).merge(false)
        .build()) {
      assertThat(ConcurrentCalls.check(plain, ns + ":plain:", 16, 100)).isGreaterThan(700);
      assertThat(((KtStore) plain).mergedCalls()).isZero();
    }
  }

  private static KyotoTycoonStores.Builder builder(KyotoTycoonServer kt) {
    return KyotoTycoonStores.builder(kt.host(), kt.port());
  }

  private static byte[] utf8(String s) {
    return s.getBytes(UTF_8);
  }

  /** The bytes the server holds, as other programs read them ({@code /rpc/get}). */
  private byte[] rawValue(int db, String key) {
    RpcClient.Response r = raw.call("get", List.of(new byte[][] {utf8("DB"), utf8("" + db)},
        new byte[][] {utf8("key"), utf8(key)}));
    return r.status() == 200 ? r.value("value") : null;
  }

  /** The record's absolute expiration time, or {@link Expiry#XT_MAX} for never. */
  private long rawExpiry(String key) {
    RpcClient.Response r = raw.call("check", List.of(new byte[][] {utf8("DB"), utf8("" + DB)},
        new byte[][] {utf8("key"), utf8(key)}));
    assertThat(r.status()).as("record %s exists", key).isEqualTo(200);
    String xt = r.text("xt");
    return xt == null ? Expiry.XT_MAX : Long.parseLong(xt);
  }

  /** The host's current second; the server's {@code time()} may be one behind for a few ms. */
  private static long nowSeconds() {
    return Math.floorDiv(System.currentTimeMillis(), 1000);
  }

  @Test
  void binaryKeysAndValuesSurviveEveryPathInTheEncodingsTheServerPicks() {
    KtStoreTest.binaryKeysAndValuesSurviveEveryPath(store, ns);
    String key = ns + "k\u0000\t\n☕";
    store.set(key, BINARY, Store.NO_EXPIRY);
    assertThat(rawValue(DB, key)).as("the HTTP reply (URL-encoded) decodes").containsExactly(BINARY);
    byte[] big = new byte[100_000];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) i;
    }
    store.set(ns + "big", big, 60_000);
    assertThat(store.add(ns + "big", BINARY, 60_000)).isFalse();
    StoredValue bigRead = store.getVersioned(ns + "big");
    assertThat(bigRead.bytes()).containsExactly(big);
    assertThat(store.compareAndSet(ns + "big", bigRead, big, 60_000)).isTrue();
    assertThat(store.get(ns + "big")).containsExactly(big);
  }

  @Test
  void asynchronousWritesSendTheirTtlAsTheBlockingOnesDo() throws Exception {
    AsyncStore async = (AsyncStore) store;
    long before = nowSeconds();
    async.setAsync(ns + "one", BINARY, 600_000).get(10, TimeUnit.SECONDS);
    async.setManyAsync(Map.of(ns + "many", BINARY), 600_000).get(10, TimeUnit.SECONDS);
    async.setEachAsync(Map.of(ns + "each", BINARY), key -> 600_000).get(10, TimeUnit.SECONDS);
    store.setMany(Map.of(ns + "blocking", BINARY), 600_000);
    long after = nowSeconds();
    for (String key : List.of("one", "many", "each", "blocking")) {
      assertThat(rawExpiry(ns + key)).as(key).isBetween(before - 1 + 600, after + 600);
    }
  }

  @Test
  void countersAreDecimalTextOnTheServerAndKeepTheirExpiry() {
    String c = ns + "c";
    long before = nowSeconds();
    assertThat(store.incr(c, 5, 10_000)).isEqualTo(5);
    long after = nowSeconds();
    assertThat(rawValue(DB, c)).containsExactly(utf8("5"));
    long xt = rawExpiry(c);
    assertThat(xt).isBetween(before - 1 + 10, after + 10);
    assertThat(store.incr(c, -7, 999_000)).isEqualTo(-2);
    assertThat(rawValue(DB, c)).containsExactly(utf8("-2"));
    assertThat(rawExpiry(c)).as("the first TTL stays").isEqualTo(xt);
    assertThat(store.incr(ns + "forever", 1, Store.NO_EXPIRY)).isEqualTo(1);
    assertThat(rawExpiry(ns + "forever")).isEqualTo(Expiry.XT_MAX);
  }

  @Test
  void aCounterKyotoTycoonIncrementedItselfIsBinarySoIncrRefusesItAndLeavesIt() {
    // /rpc/increment keeps an 8-byte big-endian number, not the decimal text Larder keeps
    String key = ns + "native";
    RpcClient.Response r = raw.call("increment", List.of(new byte[][] {utf8("DB"), utf8("1")},
        new byte[][] {utf8("key"), utf8(key)}, new byte[][] {utf8("num"), utf8("5")}));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.text("num")).isEqualTo("5");
    assertThat(rawValue(DB, key)).containsExactly(0, 0, 0, 0, 0, 0, 0, 5);
    assertThatThrownBy(() -> store.incr(key, 1, 60_000))
        .isInstanceOf(CacheCodecException.class);
    assertThat(store.get(key)).containsExactly(0, 0, 0, 0, 0, 0, 0, 5);
  }

  @Test
  void kyotoTycoonsIncrementOnALarderCounterFails() {
    // the other way round: a decimal counter written by Larder is not 8 bytes
    String key = ns + "mine";
    store.incr(key, 41, Store.NO_EXPIRY);
    RpcClient.Response r = raw.call("increment", List.of(new byte[][] {utf8("DB"), utf8("1")},
        new byte[][] {utf8("key"), utf8(key)}, new byte[][] {utf8("num"), utf8("1")}));
    assertThat(r.status()).isEqualTo(450);
    assertThat(store.incr(key, 1, Store.NO_EXPIRY)).isEqualTo(42);
  }

  @Test
  void getVersionedStampsTheValueAndAnyLaterWriteOfTheSameBytesBreaksTheStamp() {
    String k = ns + "k";
    store.set(k, utf8("same"), 60_000);
    assertThat(rawValue(DB, k)).as("stored plain").containsExactly(utf8("same"));
    long xt = rawExpiry(k);
    StoredValue read = store.getVersioned(k);
    assertThat(Versions.isStamped(rawValue(DB, k))).isTrue();
    assertThat(rawExpiry(k)).as("stamping keeps the expiry").isEqualTo(xt);
    assertThat(store.get(k)).as("reads strip the stamp").containsExactly(utf8("same"));
    assertThat(store.getVersioned(k).version()).as("a second read sees the same stamp")
        .isEqualTo(read.version());
    assertThat(store.touch(k, 60_000)).isTrue();
    assertThat(store.getVersioned(k).version()).as("touch keeps the version")
        .isEqualTo(read.version());
    store.set(k, utf8("same"), Store.NO_EXPIRY);
    assertThat(rawValue(DB, k)).containsExactly(utf8("same"));
    assertThat(store.compareAndSet(k, read, utf8("mine"), Store.NO_EXPIRY)).isFalse();
    StoredValue again = store.getVersioned(k);
    assertThat(store.compareAndSet(k, again, utf8("mine"), Store.NO_EXPIRY)).isTrue();
    assertThat(rawValue(DB, k)).as("written plain").containsExactly(utf8("mine"));
  }

  @Test
  void aValueThatLooksLikeAStampReadsBackUnchanged() {
    byte[] lookalike = {(byte) 0xFE, 'K', 'T', 'v', 0, 0, 0, 0, 0, 0, 0, 1, 'x'};
    store.set(ns + "k", lookalike, Store.NO_EXPIRY);
    assertThat(store.get(ns + "k")).containsExactly(lookalike);
    assertThat(store.add(ns + "k2", lookalike, 60_000)).isTrue();
    assertThat(store.getVersioned(ns + "k2").bytes()).containsExactly(lookalike);
  }

  @Test
  void expiryIsSentInWholeSecondsOfTheServersClock() {
    long before = nowSeconds();
    store.set(ns + "short", utf8("v"), 1);
    store.setMany(Map.of(ns + "s", utf8("v")), 2_999);
    store.set(ns + "never", utf8("v"), Store.NO_EXPIRY);
    store.add(ns + "added", utf8("v"), 45L * 86_400_000);
    long after = nowSeconds();
    assertThat(rawExpiry(ns + "short")).as("1 ms is sent as 1 s")
        .isBetween(before - 1 + 1, after + 1);
    assertThat(rawExpiry(ns + "s")).as("2,999 ms rounded up to 3 s, as docs/ttl.md says")
        .isBetween(before - 1 + 3, after + 3);
    assertThat(rawExpiry(ns + "never")).isEqualTo(Expiry.XT_MAX);
    assertThat(rawExpiry(ns + "added")).as("45 days is relative, not a date")
        .isBetween(before - 1 + 45L * 86_400, after + 45L * 86_400);
    long touched = nowSeconds();
    assertThat(store.touch(ns + "never", 5_000)).isTrue();
    assertThat(rawExpiry(ns + "never")).isBetween(touched - 1 + 5, nowSeconds() + 5);
  }

  @Test
  void theDatabaseIsCheckedAtOpenAndWritesLandInIt() {
    assertThatThrownBy(() -> builder(server).db(2).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'db' is 2").hasMessageContaining("db=0 to 1");
    store.set(ns + "where", utf8("1"), Store.NO_EXPIRY);
    assertThat(rawValue(1, ns + "where")).isNotNull();
    assertThat(rawValue(0, ns + "where")).isNull();
    try (Store zero = builder(server).build()) {
      assertThat(zero.get(ns + "where")).isNull();
    }
  }

  @Test
  void noReplyWritesAreSeenByTheCallsThatFollow() {
    try (Store quiet = builder(server).db(DB).noReplyWrites(true).build()) {
      for (int i = 0; i < 50; i++) {
        quiet.set(ns + "q" + i, utf8("v" + i), Store.NO_EXPIRY);
        assertThat(quiet.exists(ns + "q" + i)).as("HTTP after a no-reply write, round %d", i)
            .isTrue();
        assertThat(quiet.add(ns + "q" + i, utf8("other"), 60_000)).isFalse();
        quiet.setMany(Map.of(ns + "m" + i, utf8("w")), 60_000);
        assertThat(quiet.get(ns + "m" + i)).containsExactly('w');
        AsyncStore async = (AsyncStore) quiet;
        async.setAsync(ns + "a" + i, utf8("x" + i), Store.NO_EXPIRY).join();
        assertThat(async.existsAsync(ns + "a" + i).join()).as("async, round %d", i).isTrue();
        async.setManyAsync(Map.of(ns + "b" + i, utf8("y")), 60_000).join();
        assertThat(async.getAsync(ns + "b" + i).join()).containsExactly('y');
      }
    }
  }

  @Test
  void binaryProtocolAsyncCallsRunOnNoThreadOfTheirOwn() {
    binaryCallsWithoutTheExecutor((KtStore) store);
    try (Store plain = builder(server).db(DB).merge(false).build()) {
      binaryCallsWithoutTheExecutor((KtStore) plain);
    }
  }

  private void binaryCallsWithoutTheExecutor(KtStore s) {
    s.setAsync(ns + "a", utf8("1"), Store.NO_EXPIRY).join();
    s.setManyAsync(Map.of(ns + "b", utf8("2"), ns + "c", utf8("3")), 60_000).join();
    s.setEachAsync(Map.of(ns + "d", utf8("4")), key -> Store.NO_EXPIRY).join();
    assertThat(s.getAsync(ns + "a").join()).containsExactly('1');
    assertThat(s.getManyAsync(List.of(ns + "b", ns + "d", ns + "x")).join())
        .containsOnlyKeys(ns + "b", ns + "d");
    assertThat(s.deleteAsync(ns + "a").join()).isTrue();
    assertThat(s.deleteManyAsync(List.of(ns + "b", ns + "c", ns + "x")).join()).isEqualTo(2);
    assertThat(s.getAsync(ns + "a").join()).isNull();
    assertThat(s.blockingAsyncCalls()).as("calls run on the executor").isZero();
    assertThat(s.existsAsync(ns + "d").join()).isTrue(); // HTTP RPC: on the executor
    assertThat(s.blockingAsyncCalls()).isEqualTo(1);
  }

  @Test
  void thousandsOfConcurrentAsyncCallsEachGetTheirOwnAnswer() {
    // thousands of HTTP calls wait at once for the store's 4 threads, each timed from its call:
    // on a loaded machine the default 2 s runs out in line; this test is about the answers
    try (Store patient = builder(server).db(DB).timeout(Duration.ofSeconds(30)).build()) {
      assertThat(AsyncLoad.mixedCalls((AsyncStore) patient, ns, 4, 125))
          .isGreaterThan(4 * 125 * 10);
    }
  }

  @Test
  void aStalledServerTimesOutAndIsUsableAgainOnceItAnswers() {
    try (KyotoTycoonServer own = KyotoTycoonServer.startOrSkip();
        Store impatient = builder(own).db(DB).timeout(Duration.ofMillis(300)).build()) {
      Answered.run(() -> impatient.set("k", utf8("v"), Store.NO_EXPIRY));
      // an idle HTTP connection in the pool
      assertThat(Answered.call(() -> impatient.exists("k"))).isTrue();
      own.pause();
      try {
        assertThatThrownBy(() -> impatient.get("k")).isInstanceOf(CacheTimeoutException.class)
            .hasMessageContaining("get_bulk");
        assertThatThrownBy(() -> impatient.exists("k")).isInstanceOf(CacheTimeoutException.class)
            .hasMessageContaining("/rpc/check");
        assertThatThrownBy(() -> impatient.set("k", utf8("w"), Store.NO_EXPIRY))
            .isInstanceOf(CacheException.class);
        // each call in flight fails once, with a timeout counted from the call
        AsyncLoad.timeouts((AsyncStore) impatient, "paused:", 40);
        // more HTTP calls than the store's threads: those waiting for one time out as well
        List<CompletableFuture<Boolean>> checks = new ArrayList<>();
        for (int i = 0; i < 3 * AsyncCalls.RPC_THREADS; i++) {
          checks.add(((AsyncStore) impatient).existsAsync("k"));
        }
        checks.forEach(c -> assertThat(failure(c)).isInstanceOf(CacheTimeoutException.class));
      } finally {
        own.resume();
      }
      assertThat(eventually(() -> impatient.exists("k"))).isTrue();
      Answered.run(() -> impatient.set("k", utf8("x"), Store.NO_EXPIRY));
      assertThat(eventually(() -> impatient.get("k"))).containsExactly('x');
      // the late replies are skipped: an asynchronous call gets its own answer again
      Answered.run(
          () -> ((AsyncStore) impatient).setAsync("k", utf8("y"), Store.NO_EXPIRY).join());
      assertThat(Answered.call(() -> ((AsyncStore) impatient).getAsync("k").join()))
          .containsExactly('y');
    }
  }

  @Test
  void aLoneBlockingGetAndGetManyGoOverTheDirectConnection() {
    KtStore s = (KtStore) store;
    s.set(ns + "a", utf8("1"), Store.NO_EXPIRY);
    s.set(ns + "b", utf8("2"), Store.NO_EXPIRY);
    long before = s.directCalls();
    assertThat(s.get(ns + "a")).containsExactly('1');
    assertThat(s.get(ns + "missing")).isNull();
    Map<String, byte[]> many = s.getMany(List.of(ns + "a", ns + "missing", ns + "b"));
    assertThat(many).containsOnlyKeys(ns + "a", ns + "b");
    assertThat(many.get(ns + "b")).containsExactly('2');
    assertThat(s.delete(ns + "a")).isTrue();
    assertThat(s.directCalls() - before).as("requests on the direct connection").isEqualTo(4);
    try (KtStore shared = (KtStore) builder(server).db(DB).direct(false).build()) {
      assertThat(shared.get(ns + "b")).containsExactly('2');
      assertThat(shared.getMany(List.of(ns + "b"))).containsOnlyKeys(ns + "b");
      assertThat(shared.directCalls()).isZero();
    }
  }

  @Test
  void concurrentCallersEachGetTheirOwnAnswerWhileTheDirectConnectionIsInUse() throws Exception {
    try (KtStore s = (KtStore) builder(server).db(DB).timeout(Duration.ofSeconds(5)).build()) {
      assertThat(ConcurrentCalls.check(s, ns + ":direct:", 8, 150)).isGreaterThan(1_000);
      assertThat(s.directCalls() + s.mergedCalls()).isPositive();
    }
  }

  @Test
  void aBlockingGetAfterAnAsyncSetStillInFlightSeesTheSet() {
    try (KtStore s = (KtStore) builder(server).db(DB).timeout(Duration.ofSeconds(30)).build()) {
      String key = ns + "after-async";
      s.set(key, utf8("old"), Store.NO_EXPIRY);
      CompletableFuture<Void> set;
      server.pause(); // the set stays in flight on the shared connection
      try {
        set = s.setAsync(key, utf8("new"), Store.NO_EXPIRY);
        assertThat(s.sharedConnectionIdle()).as("idle with a set in flight").isFalse();
      } finally {
        server.resume();
      }
      assertThat(s.get(key)).containsExactly(utf8("new"));
      set.join();
      assertThat(s.sharedConnectionIdle()).isTrue();
    }
  }

  @Test
  void aPausedServerFailsADirectCallWithATimeoutAndTheNextCallAfterItSucceeds() {
    try (KtStore s = (KtStore) builder(server).db(DB).timeout(Duration.ofMillis(300)).build()) {
      String key = ns + "paused";
      Answered.run(() -> s.set(key, utf8("v"), Store.NO_EXPIRY));
      long before = s.directCalls();
      server.pause();
      try {
        assertThatThrownBy(() -> s.get(key)).isInstanceOf(CacheTimeoutException.class)
            .hasMessageContaining("get_bulk");
        assertThatThrownBy(() -> s.getMany(List.of(key, ns + "other")))
            .isInstanceOf(CacheTimeoutException.class).hasMessageContaining("get_bulk of 2");
      } finally {
        server.resume();
      }
      assertThat(s.directCalls() - before).as("the timed-out calls went direct").isEqualTo(2);
      AtomicInteger attempts = new AtomicInteger();
      assertThat(Answered.call(() -> s.get(key), attempts)).containsExactly('v');
      assertThat(s.directCalls() - before).as("reopened for the next call")
          .isEqualTo(2 + attempts.get());
    }
  }

  @Test
  void oneCallersCallsOnAKeyReachTheServerInTheOrderMadeWhileABatchIsInFlight() {
    try (KtStore s = (KtStore) builder(server).db(DB).timeout(Duration.ofSeconds(30)).build()) {
      String key = ns + "order";
      s.set(key, utf8("old"), Store.NO_EXPIRY);
      CompletableFuture<byte[]> inFlight;
      CompletableFuture<byte[]> before;
      CompletableFuture<Void> set;
      CompletableFuture<byte[]> after;
      CompletableFuture<Boolean> delete;
      CompletableFuture<Boolean> again;
      CompletableFuture<byte[]> gone;
      server.pause(); // the first call stays in flight, so every later one queues behind it
      try {
        inFlight = s.getAsync(ns + "other");
        before = s.getAsync(key);
        set = s.setAsync(key, utf8("new"), Store.NO_EXPIRY);
        after = s.getAsync(key);
        delete = s.deleteAsync(key);
        again = s.deleteAsync(key);
        gone = s.getAsync(key);
      } finally {
        server.resume();
      }
      assertThat(inFlight.join()).isNull();
      assertThat(before.join()).as("a get made before the set").containsExactly(utf8("old"));
      set.join();
      assertThat(after.join()).as("a get made after the set").containsExactly(utf8("new"));
      assertThat(delete.join()).as("the delete made after the set found its value").isTrue();
      assertThat(again.join()).as("the second delete, its own answer").isFalse();
      assertThat(gone.join()).as("a get made after the delete").isNull();
      assertThat(s.get(key)).as("the set did not land after the delete").isNull();
    }
  }

  @Test
  void aRequestThatCannotStartFailsAloneAndNotTheWriteSentBeforeItInItsBatch() {
    try (KtStore s = (KtStore) builder(server).db(DB).timeout(Duration.ofSeconds(30)).build()) {
      String key = ns + "sent";
      CompletableFuture<byte[]> inFlight;
      CompletableFuture<Void> set;
      CompletableFuture<Object> broken;
      server.pause(); // the first call stays in flight; the next batch is the set, then broken
      try {
        inFlight = s.getAsync(ns + "other");
        set = s.setAsync(key, utf8("v"), Store.NO_EXPIRY);
        broken = s.<Object>inOrder(() -> {
          throw new IllegalStateException("cannot start");
        });
      } finally {
        server.resume();
      }
      assertThat(inFlight.join()).isNull();
      set.join();
      assertThat(failure(broken)).isInstanceOf(CacheConnectionException.class)
          .hasMessageContaining("cannot start");
      assertThat(s.get(key)).containsExactly(utf8("v"));
    }
  }

  @Test
  void oneCallersAsyncCallsOnAKeyKeepTheirOrderWhileTheConnectionIsDown() {
    try (KtStore merged = (KtStore) builder(server).db(DB).timeout(Duration.ofSeconds(30))
        .build();
        KtStore unmerged = (KtStore) builder(server).db(DB).merge(false)
            .timeout(Duration.ofSeconds(30)).build()) {
      keepOrderWhileDown(merged, ns + "down");
      keepOrderWhileDown(unmerged, ns + "down-unmerged");
    }
  }

  /** A set made while the connection is down, then a delete once another call reconnected. */
  private void keepOrderWhileDown(KtStore s, String key) {
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Void> set;
    CompletableFuture<Boolean> delete;
    try {
      holdEveryThread(s, release); // nothing can connect for the async calls yet
      s.disconnect();
      set = s.setAsync(key, utf8("v"), Store.NO_EXPIRY);
      assertThat(s.get(ns + "other")).isNull(); // a blocking call reconnects meanwhile
      delete = s.deleteAsync(key); // the connection is open again for this one
    } finally {
      release.countDown();
    }
    set.join();
    delete.join();
    assertThat(s.get(key)).as("the set made before the delete did not land after it")
        .isNull();
  }

  @Test
  void anAsyncWriteThatTimedOutWhileTheConnectionWasDownIsNeverSent() {
    try (KtStore impatient = (KtStore) builder(server).db(DB).timeout(Duration.ofMillis(300))
        .build()) {
      String key = ns + "late";
      CountDownLatch release = new CountDownLatch(1);
      try {
        holdEveryThread(impatient, release); // nothing can connect for it before its timeout
        impatient.disconnect();
        CompletableFuture<Void> set = impatient.setAsync(key, utf8("v"), Store.NO_EXPIRY);
        assertThat(failure(set)).isInstanceOf(CacheTimeoutException.class);
      } finally {
        release.countDown();
      }
      // this call reconnects and sends whatever is still queued ahead of it
      assertThat(Answered.call(() -> impatient.get(key)))
          .as("the write its caller saw time out").isNull();
    }
  }

  @Test
  void anAsyncCallWaitingForTheStoresThreadsTimesOutCountedFromTheCall() {
    try (KtStore impatient = (KtStore) builder(server).db(DB).timeout(Duration.ofMillis(300))
        .build()) {
      CountDownLatch release = new CountDownLatch(1);
      try {
        holdEveryThread(impatient, release);
        CompletableFuture<Boolean> queued = impatient.existsAsync(ns + "q");
        assertThat(failure(queued)).as("a call that never got a thread")
            .isInstanceOf(CacheTimeoutException.class).hasMessageContaining("exists of key");
      } finally {
        release.countDown();
      }
      assertThat(Answered.call(() -> impatient.existsAsync(ns + "q").join())).isFalse();
    }
  }

  @Test
  void aFullQueueOfAsyncCallsRefusesTheNextOneAtOnce() {
    try (KtStore patient = (KtStore) builder(server).db(DB).timeout(Duration.ofSeconds(30))
        .build()) {
      CountDownLatch release = new CountDownLatch(1);
      List<CompletableFuture<Integer>> waiting = new ArrayList<>();
      try {
        holdEveryThread(patient, release);
        for (int i = 0; i < AsyncCalls.QUEUE_LIMIT; i++) {
          waiting.add(patient.asyncCalls().blocking("a queued call", () -> 1));
        }
        CompletableFuture<Boolean> refused = patient.existsAsync(ns + "r");
        assertThat(refused).as("refused without waiting").isCompletedExceptionally();
        assertThat(failure(refused)).isExactlyInstanceOf(CacheException.class)
            .hasMessageContaining("overloaded");
      } finally {
        release.countDown();
      }
      assertThat(waiting.stream().mapToInt(CompletableFuture::join).sum())
          .isEqualTo(AsyncCalls.QUEUE_LIMIT);
      assertThat(patient.existsAsync(ns + "r").join()).isFalse();
    }
  }

  @Test
  void aCancelledCallWaitingForTheStoresThreadsLeavesTheQueueAtOnce() {
    try (KtStore patient = (KtStore) builder(server).db(DB).timeout(Duration.ofSeconds(30))
        .build()) {
      CountDownLatch release = new CountDownLatch(1);
      try {
        holdEveryThread(patient, release);
        CompletableFuture<Boolean> queued = patient.existsAsync(ns + "c");
        assertThat(patient.asyncCalls().waiting()).isEqualTo(1);
        queued.cancel(false);
        assertThat(patient.asyncCalls().waiting()).as("its slot, freed").isZero();
      } finally {
        release.countDown();
      }
    }
  }

  @Test
  void anErrorInABlockingCallFailsItsFutureWithThatErrorAndNotATimeout() {
    // a long timeout: the deadline counts the wait for a pool thread, which a loaded machine
    // can hold past a short one; an error turned into a timeout still fails the test
    try (KtStore patient = (KtStore) builder(server).db(DB).timeout(Duration.ofSeconds(30))
        .build()) {
      CompletableFuture<Object> call = patient.asyncCalls().blocking("a failing call", () -> {
        throw new AssertionError("boom");
      });
      assertThat(failure(call)).isInstanceOf(AssertionError.class).hasMessage("boom");
    }
  }

  @Test
  void getManyAsyncAnswersForTheKeysAskedEvenIfTheCallersListChangesMeanwhile() {
    String key = ns + "asked";
    store.set(key, utf8("v"), Store.NO_EXPIRY);
    List<String> keys = new ArrayList<>(List.of(key));
    CompletableFuture<Map<String, byte[]>> found;
    server.pause(); // the reply comes after the caller reused its list
    try {
      found = ((AsyncStore) store).getManyAsync(keys);
      keys.set(0, ns + "reused");
    } finally {
      server.resume();
    }
    assertThat(found.join()).containsOnlyKeys(key);
  }

  @Test
  void onlySingleKeyCallsSentTogetherCountAsMerged() {
    try (KtStore s = (KtStore) builder(server).db(DB).timeout(Duration.ofSeconds(30)).build()) {
      CompletableFuture<byte[]> inFlight;
      CompletableFuture<byte[]> get;
      CompletableFuture<Boolean> delete;
      server.pause(); // the first call stays in flight; the next batch is one get and a delete
      try {
        inFlight = s.getAsync(ns + "a");
        get = s.getAsync(ns + "b");
        delete = s.deleteAsync(ns + "c");
      } finally {
        server.resume();
      }
      CompletableFuture.allOf(inFlight, get, delete).join();
      assertThat(s.mergedCalls()).as("a get sent beside a remove_bulk is not merged").isZero();
    }
  }

  /** Occupies each of the store's blocking threads until {@code release} opens. */
  private static void holdEveryThread(KtStore s, CountDownLatch release) {
    for (int i = 0; i < AsyncCalls.RPC_THREADS; i++) {
      s.asyncCalls().blocking("a held call", () -> {
        try {
          return release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      });
    }
  }

  /** The failure of a call that must fail within a minute. */
  private static Throwable failure(CompletableFuture<?> call) {
    try {
      call.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (TimeoutException e) {
      throw new AssertionError("the call neither failed nor succeeded within a minute");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    throw new AssertionError("the call succeeded");
  }

  @Test
  void aServerThatIsKilledFailsCallsAndIsReconnectedToWhenBack() {
    try (KyotoTycoonServer own = KyotoTycoonServer.startOrSkip();
        Store s = builder(own).db(DB).build()) {
      s.set("k", utf8("v"), Store.NO_EXPIRY);
      assertThat(s.exists("k")).isTrue(); // leaves an idle HTTP connection in the pool
      own.kill();
      assertThatThrownBy(() -> s.get("k")).isInstanceOf(CacheConnectionException.class);
      assertThatThrownBy(() -> s.set("k", utf8("w"), Store.NO_EXPIRY))
          .isInstanceOf(CacheConnectionException.class);
      assertThatThrownBy(() -> s.exists("k")).isInstanceOf(CacheConnectionException.class);
      own.restart();
      assertThat(eventually(() -> s.get("k"))).as("the restarted server is empty").isNull();
      s.set("k", utf8("again"), Store.NO_EXPIRY);
      assertThat(s.get("k")).containsExactly(utf8("again"));
      assertThat(s.exists("k")).as("a pooled connection the server closed is replaced")
          .isTrue();
      assertThat(s.incr("n", 2, Store.NO_EXPIRY)).isEqualTo(2);
    }
  }

  @Test
  void openingFailsWhenNothingListens() {
    KyotoTycoonServer gone = KyotoTycoonServer.startOrSkip();
    gone.stop();
    assertThatThrownBy(() -> builder(gone).build())
        .isInstanceOf(CacheConnectionException.class)
        .hasMessageContaining("127.0.0.1:" + gone.port());
  }

  @Test
  void closeIsIdempotentAndLaterCallsFail() {
    Store s = builder(server).db(DB).build();
    s.close();
    s.close();
    assertThatThrownBy(() -> s.get("k")).isInstanceOf(CacheConnectionException.class)
        .hasMessageContaining("closed");
    assertThat(s.toString()).isEqualTo("KyotoTycoonStore[127.0.0.1:" + server.port() + ", db=1]");
  }

  /** Retries while the store still reports the outage, for up to 30 s (a loaded machine). */
  private static <T> T eventually(Supplier<T> call) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
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

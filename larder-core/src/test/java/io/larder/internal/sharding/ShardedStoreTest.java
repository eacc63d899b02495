package io.larder.internal.sharding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.CacheCodecException;
import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.CacheTimeoutException;
import io.larder.Hashing;
import io.larder.Stores;
import io.larder.spi.AsyncBulkStore;
import io.larder.spi.ForwardingStore;
import io.larder.spi.KeyRules;
import io.larder.spi.Store;
import io.larder.spi.StoredValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Routing, fan-out, failover and lifecycle of the sharded store over in-memory servers. */
class ShardedStoreTest {
  private static final Duration NEVER = Duration.ofHours(1); // no background probe in a test
  private static final byte[] V = "v".getBytes(StandardCharsets.UTF_8);

  private final Map<String, Server> servers = new LinkedHashMap<>();
  private ShardedStore store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  private ShardedStore open(int failureThreshold, Duration retry, String... names) {
    List<ShardedStore.Server> list = new ArrayList<>();
    for (String name : names) {
      Server s = new Server(name);
      servers.put(name, s);
      list.add(new ShardedStore.Server(name, 1, s));
    }
    store = new ShardedStore(Hashing.KETAMA_WEIGHTED, list, failureThreshold, retry);
    return store;
  }

  private ShardedStore openThree() {
    return open(3, NEVER, "a:11211", "b:11211", "c:11211");
  }

  /** Returns {@code n} keys that the store currently places on {@code server}. */
  private List<String> keysOn(String server, int n) {
    List<String> keys = new ArrayList<>();
    for (int i = 0; keys.size() < n; i++) {
      if (server.equals(store.serverFor("key:" + i))) {
        keys.add("key:" + i);
      }
    }
    return keys;
  }

  // ---- routing and fan-out ------------------------------------------------------------------

  @Test
  void eachKeyLivesOnlyOnTheServerTheRingNames() {
    openThree();
    KetamaRing ring = KetamaRing.of(Hashing.KETAMA_WEIGHTED, List.of(
        new KetamaRing.Node("a:11211", 1), new KetamaRing.Node("b:11211", 1),
        new KetamaRing.Node("c:11211", 1)));
    List<String> names = List.copyOf(servers.keySet());
    for (int i = 0; i < 300; i++) {
      store.set("key:" + i, V, Store.NO_EXPIRY);
    }
    for (int i = 0; i < 300; i++) {
      String key = "key:" + i;
      String owner = store.serverFor(key);
      assertThat(owner).isEqualTo(names.get(ring.serverFor(key)));
      servers.forEach((name, s) -> assertThat(s.delegate().exists(key))
          .as("%s on %s", key, name).isEqualTo(name.equals(owner)));
    }
    assertThat(servers.values()).allSatisfy(s -> assertThat(s.calls("set")).isPositive());
  }

  @Test
  void getManyMakesExactlyOneCallPerInvolvedServerAndNoSingleGets() {
    openThree();
    List<String> keys = new ArrayList<>();
    keys.addAll(keysOn("a:11211", 5));
    keys.addAll(keysOn("b:11211", 5));
    keys.addAll(keysOn("c:11211", 5));
    Map<String, byte[]> entries = new LinkedHashMap<>();
    keys.forEach(k -> entries.put(k, k.getBytes(StandardCharsets.UTF_8)));
    store.setMany(entries, Store.NO_EXPIRY);
    servers.values().forEach(Server::resetCalls);

    Map<String, byte[]> got = store.getMany(keys);

    assertThat(got).containsOnlyKeys(keys);
    got.forEach((k, v) -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo(k));
    for (Server s : servers.values()) {
      assertThat(s.calls("getMany")).as("getMany calls on %s", s.name).isEqualTo(1);
      assertThat(s.calls("get")).isZero();
    }
  }

  @Test
  void aRepeatedKeyInAGetManyIsAnsweredOnceWithItsServersValue() {
    openThree();
    List<String> keys = new ArrayList<>();
    keys.addAll(keysOn("a:11211", 3));
    keys.addAll(keysOn("c:11211", 3));
    Map<String, byte[]> entries = new LinkedHashMap<>();
    keys.forEach(k -> entries.put(k, k.getBytes(StandardCharsets.UTF_8)));
    store.setMany(entries, Store.NO_EXPIRY);
    List<String> asked = new ArrayList<>(keys);
    asked.addAll(keys);
    asked.add(keys.get(0));

    Map<String, byte[]> got = store.getMany(asked);

    assertThat(got).containsOnlyKeys(keys);
    got.forEach((k, v) -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo(k));
    assertThat(servers.get("b:11211").calls("getMany")).isZero();
  }

  @Test
  void bulkCallsSkipServersWithoutKeys() {
    openThree();
    List<String> keys = new ArrayList<>(keysOn("a:11211", 3));
    keys.addAll(keysOn("c:11211", 3));
    Map<String, byte[]> entries = new LinkedHashMap<>();
    keys.forEach(k -> entries.put(k, V));

    store.setMany(entries, Store.NO_EXPIRY);
    store.getMany(keys);
    assertThat(store.deleteMany(keys)).isEqualTo(6);

    for (String op : List.of("setMany", "getMany", "deleteMany")) {
      assertThat(servers.get("a:11211").calls(op)).as(op).isEqualTo(1);
      assertThat(servers.get("b:11211").calls(op)).as(op).isZero();
      assertThat(servers.get("c:11211").calls(op)).as(op).isEqualTo(1);
    }
  }

  @Test
  void bulkWritesWhoseKeysAllLiveOnOneServerWork() {
    openThree();
    Map<String, byte[]> entries = new LinkedHashMap<>();
    keysOn("b:11211", 3).forEach(k -> entries.put(k, V));

    store.setMany(entries, Store.NO_EXPIRY); // threw NullPointerException: List.of(null)

    assertThat(store.getMany(entries.keySet())).containsOnlyKeys(entries.keySet());
    assertThat(servers.get("b:11211").calls("setMany")).isEqualTo(1);
    assertThat(store.deleteMany(entries.keySet())).isEqualTo(3);
  }

  @Test
  void bulkCallsReachTheServersInParallel() {
    openThree();
    CountDownLatch allInside = new CountDownLatch(3);
    servers.values().forEach(s -> s.beforeGetMany = () -> {
      allInside.countDown();
      try {
        // a sequential fan-out would leave the first server waiting here for the others
        return allInside.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    });
    List<String> keys = new ArrayList<>();
    servers.keySet().forEach(name -> keys.addAll(keysOn(name, 2)));

    store.getMany(keys);

    assertThat(servers.values()).allSatisfy(s -> assertThat(s.sawOthers).isTrue());
  }

  @Test
  void clearReachesEveryServer() {
    openThree();
    for (int i = 0; i < 60; i++) {
      store.set("ns:" + i, V, Store.NO_EXPIRY);
      store.set("other:" + i, V, Store.NO_EXPIRY);
    }
    store.clear("ns:");
    for (int i = 0; i < 60; i++) {
      assertThat(store.exists("ns:" + i)).isFalse();
      assertThat(store.exists("other:" + i)).isTrue();
    }
    assertThat(servers.values()).allSatisfy(s -> assertThat(s.calls("clear")).isEqualTo(1));
  }

  @Test
  void keyRulesAreTheStrictestOfTheServers() {
    List<ShardedStore.Server> list = List.of(
        new ShardedStore.Server("a", 1, Stores.memory()),
        new ShardedStore.Server("b", 1, new Rules(Stores.memory(), new KeyRules(250, true))),
        new ShardedStore.Server("c", 1, new Rules(Stores.memory(), new KeyRules(1000, false))));
    store = new ShardedStore(Hashing.KETAMA, list, 3, NEVER);
    assertThat(store.traits().keyRules()).isEqualTo(new KeyRules(250, true));
  }

  // ---- failover -----------------------------------------------------------------------------

  @Test
  void aServerFailingThreeTimesInARowIsEjectedAndItsKeysGoElsewhere() {
    openThree();
    List<String> onB = keysOn("b:11211", 4);
    List<String> onA = keysOn("a:11211", 2);
    List<String> onC = keysOn("c:11211", 2);
    onA.forEach(k -> store.set(k, V, Store.NO_EXPIRY));
    onC.forEach(k -> store.set(k, V, Store.NO_EXPIRY));
    servers.get("b:11211").down = true;

    for (int i = 0; i < 2; i++) {
      String key = onB.get(i);
      assertThatThrownBy(() -> store.get(key)).isInstanceOf(CacheConnectionException.class);
      assertThat(store.liveServers()).contains("b:11211");
    }
    assertThatThrownBy(() -> store.set(onB.get(2), V, Store.NO_EXPIRY))
        .isInstanceOf(CacheConnectionException.class);

    assertThat(store.liveServers()).containsExactly("a:11211", "c:11211");
    assertThat(store.toString()).contains("b:11211 (ejected)");
    for (String key : onB) {
      assertThat(store.serverFor(key)).isIn("a:11211", "c:11211");
      store.set(key, V, Store.NO_EXPIRY);
      assertThat(store.get(key)).isEqualTo(V);
    }
    // keys of live servers did not move
    onA.forEach(k -> assertThat(store.serverFor(k)).isEqualTo("a:11211"));
    onC.forEach(k -> assertThat(store.serverFor(k)).isEqualTo("c:11211"));

    List<String> all = new ArrayList<>(onA);
    all.addAll(onB);
    all.addAll(onC);
    assertThat(store.getMany(all)).containsOnlyKeys(all);
    assertThat(servers.get("b:11211").calls("getMany")).isZero();
  }

  @Test
  void aBulkCallFailsWhileAServerIsFailingThenAnswersFromTheLiveServersOnceItIsEjected() {
    openThree();
    List<String> onA = keysOn("a:11211", 3);
    List<String> onB = keysOn("b:11211", 3);
    onA.forEach(k -> store.set(k, V, Store.NO_EXPIRY));
    List<String> keys = new ArrayList<>(onA);
    keys.addAll(onB);
    servers.get("b:11211").down = true;

    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> store.getMany(keys)).isInstanceOf(CacheConnectionException.class)
          .hasMessageContaining("b:11211");
    }

    assertThat(store.getMany(keys)).containsOnlyKeys(onA);
  }

  @Test
  void aSuccessResetsTheCountOfConsecutiveFailures() {
    openThree();
    String onB = keysOn("b:11211", 1).get(0);
    Server b = servers.get("b:11211");
    for (int round = 0; round < 3; round++) {
      b.down = true;
      for (int i = 0; i < 2; i++) {
        assertThatThrownBy(() -> store.get(onB)).isInstanceOf(CacheConnectionException.class);
      }
      b.down = false;
      store.get(onB);
    }
    assertThat(store.liveServers()).contains("b:11211");
  }

  @Test
  void timeoutsCountAsFailures() {
    openThree();
    String onB = keysOn("b:11211", 1).get(0);
    servers.get("b:11211").fail = () -> new CacheTimeoutException("b timed out after 1s");
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> store.exists(onB)).isInstanceOf(CacheTimeoutException.class);
    }
    assertThat(store.liveServers()).doesNotContain("b:11211");
  }

  @Test
  void errorsAboutTheCallAreNotServerFailures() {
    openThree();
    String onB = keysOn("b:11211", 1).get(0);
    store.set(onB, "not a number".getBytes(StandardCharsets.UTF_8), Store.NO_EXPIRY);
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() -> store.incr(onB, 1, Store.NO_EXPIRY))
          .isInstanceOf(CacheCodecException.class);
    }
    assertThat(store.liveServers()).contains("b:11211");
  }

  @Test
  void anEjectedServerRejoinsWhenAProbeSucceedsAndGetsItsKeysBack() {
    openThree();
    Server b = servers.get("b:11211");
    List<String> onB = keysOn("b:11211", 3);
    b.down = true;
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> store.get(onB.get(0))).isInstanceOf(CacheConnectionException.class);
    }
    assertThat(store.liveServers()).doesNotContain("b:11211");

    assertThat(store.probeEjected()).as("still down: stays out").isEqualTo(1);
    assertThat(b.calls("exists")).isEqualTo(1);
    assertThat(store.liveServers()).doesNotContain("b:11211");

    b.down = false;
    assertThat(store.probeEjected()).isZero();

    assertThat(store.liveServers()).containsExactly("a:11211", "b:11211", "c:11211");
    for (String key : onB) {
      assertThat(store.serverFor(key)).isEqualTo("b:11211");
      store.set(key, V, Store.NO_EXPIRY);
      assertThat(b.delegate().get(key)).isEqualTo(V);
    }
    // rejoining reset its count: it takes three new failures to eject it again
    b.down = true;
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> store.get(onB.get(0))).isInstanceOf(CacheConnectionException.class);
    }
    assertThat(store.liveServers()).contains("b:11211");
  }

  @Test
  void aNamespaceClearedWhileAServerWasOutIsClearedOnItBeforeItRejoins() {
    openThree();
    Server b = servers.get("b:11211");
    List<String> onB = new ArrayList<>();
    for (int i = 0; onB.size() < 2; i++) {
      String key = "~ns:" + i + "::k";
      if ("b:11211".equals(store.serverFor(key))) {
        onB.add(key);
      }
    }
    String keptOnB = keysOn("b:11211", 1).get(0);
    onB.forEach(k -> store.set(k, V, Store.NO_EXPIRY));
    store.set(keptOnB, V, Store.NO_EXPIRY);
    b.down = true;
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> store.get(onB.get(0))).isInstanceOf(CacheConnectionException.class);
    }
    store.clear("~ns:");
    b.down = false;
    assertThat(store.probeEjected()).isZero();
    for (String k : onB) {
      assertThat(store.get(k)).as("cleared while b was out").isNull();
    }
    assertThat(store.get(keptOnB)).as("outside the namespace").isEqualTo(V);
  }

  @Test
  void theBackgroundProberBringsAServerBack() throws InterruptedException {
    open(1, Duration.ofMillis(20), "a:11211", "b:11211", "c:11211");
    Server b = servers.get("b:11211");
    String onB = keysOn("b:11211", 1).get(0);
    b.down = true;
    assertThatThrownBy(() -> store.get(onB)).isInstanceOf(CacheConnectionException.class);
    assertThat(store.liveServers()).doesNotContain("b:11211");

    b.down = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!store.liveServers().contains("b:11211") && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(store.liveServers()).contains("b:11211");
    assertThat(store.serverFor(onB)).isEqualTo("b:11211");
  }

  @Test
  void withEveryServerEjectedCallsFailWithAConnectionException() {
    open(1, NEVER, "a:11211", "b:11211");
    servers.values().forEach(s -> s.down = true);
    for (int i = 0; store.liveServers().size() > 0 && i < 1000; i++) {
      String key = "key:" + i;
      assertThatThrownBy(() -> store.get(key)).isInstanceOf(CacheConnectionException.class);
    }
    assertThat(store.liveServers()).isEmpty();
    assertThat(store.serverFor("k")).isNull();

    assertThatThrownBy(() -> store.get("k")).isInstanceOf(CacheConnectionException.class)
        .hasMessageContaining("every server");
    assertThatThrownBy(() -> store.getMany(List.of("k", "l")))
        .isInstanceOf(CacheConnectionException.class);
    assertThatThrownBy(() -> store.clear("")).isInstanceOf(CacheConnectionException.class);

    servers.get("a:11211").down = false;
    assertThat(store.probeEjected()).isEqualTo(1);
    store.set("k", V, Store.NO_EXPIRY);
    assertThat(servers.get("a:11211").delegate().get("k")).isEqualTo(V);
  }

  @Test
  void ejectionAndRejoinAreLogged() {
    Logger jul = Logger.getLogger(ShardedStore.class.getName());
    List<LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord r) {
        records.add(r);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    jul.addHandler(handler);
    try {
      open(1, NEVER, "a:11211", "b:11211");
      String onB = keysOn("b:11211", 1).get(0);
      servers.get("b:11211").down = true;
      assertThatThrownBy(() -> store.get(onB)).isInstanceOf(CacheConnectionException.class);
      servers.get("b:11211").down = false;
      store.probeEjected();
    } finally {
      jul.removeHandler(handler);
    }
    assertThat(records).anySatisfy(r -> {
      assertThat(r.getLevel()).isEqualTo(Level.WARNING);
      assertThat(r.getMessage()).contains("ejected server b:11211");
    });
    assertThat(records).anySatisfy(r -> {
      assertThat(r.getLevel()).isEqualTo(Level.INFO);
      assertThat(r.getMessage()).contains("b:11211").contains("rejoined");
    });
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  @Test
  void closeClosesEveryServersStoreOnceEvenIfOneFails() {
    openThree();
    servers.get("a:11211").closeFailure = new IllegalStateException("a would not close");
    assertThatThrownBy(store::close).hasMessage("a would not close");
    store.close();
    assertThat(servers.values()).allSatisfy(s -> assertThat(s.closes.get()).isEqualTo(1));
    assertThatThrownBy(() -> store.get("k")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    store = null;
  }

  @Test
  void constructorRejectsBadConfigurationNamingIt() {
    Store m1 = Stores.memory();
    Store m2 = Stores.memory();
    assertThatThrownBy(() -> new ShardedStore(Hashing.KETAMA, List.of(
        new ShardedStore.Server("h", 1, m1), new ShardedStore.Server("h:11211", 1, m2)), 3, NEVER))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("h:11211");
    assertThatThrownBy(() -> new ShardedStore(Hashing.KETAMA, List.of(
        new ShardedStore.Server("h", 1, m1), new ShardedStore.Server("i", 1, m1)), 3, NEVER))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("same store");
    assertThatThrownBy(() -> new ShardedStore(Hashing.KETAMA, List.of(), 3, NEVER))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ShardedStore(Hashing.KETAMA,
        List.of(new ShardedStore.Server("h", 1, m1)), 0, NEVER))
        .hasMessageContaining("failureThreshold");
    assertThatThrownBy(() -> new ShardedStore(Hashing.KETAMA,
        List.of(new ShardedStore.Server("h", 1, m1)), 1, Duration.ZERO))
        .hasMessageContaining("retryInterval");
    m1.close();
    m2.close();
  }

  // ---- asynchronous fan-out -----------------------------------------------------------------

  private ShardedStore openAsync(List<String> log, String... names) {
    List<ShardedStore.Server> list = new ArrayList<>();
    for (String name : names) {
      list.add(new ShardedStore.Server(name, 1, new AsyncServer(name, log)));
    }
    store = new ShardedStore(Hashing.KETAMA_WEIGHTED, list, 2, NEVER);
    return store;
  }

  /** {@code perServer} keys owned by each of the three async servers, server by server. */
  private List<String> keysOnEach(int perServer) {
    List<String> keys = new ArrayList<>();
    for (String server : List.of("a:11211", "b:11211", "c:11211")) {
      keys.addAll(keysOn(server, perServer));
    }
    return keys;
  }

  @Test
  void bulkCallsOnAsyncStoresStartEveryServerBeforeWaitingForAny() {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    openAsync(log, "a:11211", "b:11211", "c:11211");
    List<String> keys = keysOnEach(4);
    Map<String, byte[]> entries = new LinkedHashMap<>();
    keys.forEach(k -> entries.put(k, k.getBytes(StandardCharsets.UTF_8)));

    for (Runnable call : List.<Runnable>of(
        () -> store.setMany(entries, Store.NO_EXPIRY),
        () -> assertThat(store.getMany(keys)).containsOnlyKeys(keys),
        () -> assertThat(store.deleteMany(keys)).isEqualTo(keys.size()))) {
      log.clear();
      call.run();
      assertThat(log).hasSize(6);
      assertThat(log.subList(0, 3)).allMatch(e -> e.startsWith("start "));
      assertThat(log.subList(3, 6)).allMatch(e -> e.startsWith("await "));
    }
  }

  @Test
  void setEachStartsEveryServersPartsBeforeWaitingForAny() {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    openAsync(log, "a:11211", "b:11211", "c:11211");
    List<String> keys = keysOnEach(4);
    Map<String, byte[]> entries = new LinkedHashMap<>();
    keys.forEach(k -> entries.put(k, k.getBytes(StandardCharsets.UTF_8)));

    store.setEach(entries, k -> keys.indexOf(k) % 2 == 0 ? 60_000 : Store.NO_EXPIRY);
    // the default startSetEach: one startSetMany per TTL on each server, all started first
    assertThat(log).hasSize(12);
    assertThat(log.subList(0, 6)).allMatch(e -> e.startsWith("start setMany"));
    assertThat(log.subList(6, 12)).allMatch(e -> e.startsWith("await setMany"));
    assertThat(store.getMany(keys)).containsOnlyKeys(keys);
  }

  @Test
  void aFailedAsyncServerFailsTheCallOnceAllAnsweredAndCountsTowardEjection() {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    openAsync(log, "a:11211", "b:11211", "c:11211");
    List<String> keys = keysOnEach(2);
    AsyncServer.failing.add("b:11211");
    try {
      for (int i = 0; i < 2; i++) {
        log.clear();
        assertThatThrownBy(() -> store.getMany(keys))
            .isInstanceOf(CacheTimeoutException.class).hasMessageContaining("b:11211");
        assertThat(log).filteredOn(e -> e.startsWith("await ")).hasSize(3);
      }
      assertThat(store.liveServers()).containsExactly("a:11211", "c:11211");
    } finally {
      AsyncServer.failing.remove("b:11211");
    }
  }

  @Test
  void anInterruptedFanOutStillAwaitsEveryPartItStarted() {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    openAsync(log, "a:11211", "b:11211", "c:11211");
    List<String> keys = keysOnEach(2);
    AsyncServer.interrupting.add("a:11211");
    try {
      assertThatThrownBy(() -> store.getMany(keys)).isInstanceOf(CacheException.class)
          .hasMessageContaining("interrupted");
      assertThat(Thread.interrupted()).isTrue(); // the flag stays set; cleared here
      // a started part may hold a connection of its store until awaited
      assertThat(log).filteredOn(e -> e.startsWith("await ")).hasSize(3);
    } finally {
      AsyncServer.interrupting.remove("a:11211");
    }
  }

  @Test
  void anInterruptedPartDoesNotResetItsServersFailureCount() {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    openAsync(log, "a:11211", "b:11211", "c:11211"); // ejected after 2 failures in a row
    List<String> keys = keysOnEach(2);
    try {
      AsyncServer.failing.add("b:11211");
      assertThatThrownBy(() -> store.getMany(keys)).isInstanceOf(CacheTimeoutException.class);
      AsyncServer.failing.remove("b:11211");
      AsyncServer.interrupting.add("b:11211");
      assertThatThrownBy(() -> store.getMany(keys)).hasMessageContaining("interrupted");
      assertThat(Thread.interrupted()).isTrue();
      AsyncServer.interrupting.remove("b:11211");
      AsyncServer.failing.add("b:11211");
      assertThatThrownBy(() -> store.getMany(keys)).isInstanceOf(CacheTimeoutException.class);
      // the interrupted call between the two timeouts did not count as an answer
      assertThat(store.liveServers()).containsExactly("a:11211", "c:11211");
    } finally {
      AsyncServer.failing.remove("b:11211");
      AsyncServer.interrupting.remove("b:11211");
      Thread.interrupted();
    }
  }

  // ---- test servers -------------------------------------------------------------------------

  /**
   * A memory store whose bulk calls are started, logged, and answered only when awaited; a
   * server named in {@link #failing} times out in its await, one in {@link #interrupting} is
   * interrupted in it.
   */
  private static final class AsyncServer extends ForwardingStore implements AsyncBulkStore {
    static final Set<String> failing = ConcurrentHashMap.newKeySet();
    /** Servers whose await is interrupted: it sets the flag and throws, as a store does. */
    static final Set<String> interrupting = ConcurrentHashMap.newKeySet();
    final String name;
    final List<String> log;

    AsyncServer(String name, List<String> log) {
      super(Stores.memory());
      this.name = name;
      this.log = log;
    }

    private <T> Pending<T> start(String op, Supplier<T> call) {
      log.add("start " + op + " " + name);
      return () -> {
        log.add("await " + op + " " + name);
        if (failing.contains(name)) {
          throw new CacheTimeoutException(op + " on " + name + " timed out");
        }
        if (interrupting.contains(name)) {
          Thread.currentThread().interrupt();
          throw new CacheException(op + " on " + name + " interrupted");
        }
        return call.get();
      };
    }

    @Override
    public Pending<Map<String, byte[]>> startGetMany(Collection<String> keys) {
      return start("getMany", () -> getMany(keys));
    }

    @Override
    public Pending<Void> startSetMany(Map<String, byte[]> entries, long ttlMillis) {
      return start("setMany", () -> {
        setMany(entries, ttlMillis);
        return null;
      });
    }

    @Override
    public Pending<Integer> startDeleteMany(Collection<String> keys) {
      return start("deleteMany", () -> deleteMany(keys));
    }
  }

  /** A memory store that counts calls per operation and can be switched to fail. */
  private static final class Server extends ForwardingStore {
    final String name;
    final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    final AtomicInteger closes = new AtomicInteger();
    volatile boolean down;
    volatile Supplier<RuntimeException> fail;
    volatile Supplier<Boolean> beforeGetMany;
    volatile boolean sawOthers;
    volatile RuntimeException closeFailure;

    Server(String name) {
      super(Stores.memory());
      this.name = name;
    }

    @Override
    protected Store delegate() {
      return super.delegate();
    }

    int calls(String op) {
      AtomicInteger n = calls.get(op);
      return n == null ? 0 : n.get();
    }

    void resetCalls() {
      calls.clear();
    }

    private void enter(String op) {
      calls.computeIfAbsent(op, k -> new AtomicInteger()).incrementAndGet();
      if (down) {
        throw new CacheConnectionException("server " + name + " is down");
      }
      Supplier<RuntimeException> f = fail;
      if (f != null) {
        throw f.get();
      }
    }

    @Override
    public byte[] get(String key) {
      enter("get");
      return super.get(key);
    }

    @Override
    public Map<String, byte[]> getMany(Collection<String> keys) {
      enter("getMany");
      Supplier<Boolean> hook = beforeGetMany;
      if (hook != null) {
        sawOthers = hook.get();
      }
      return super.getMany(keys);
    }

    @Override
    public void set(String key, byte[] value, long ttlMillis) {
      enter("set");
      super.set(key, value, ttlMillis);
    }

    @Override
    public void setMany(Map<String, byte[]> entries, long ttlMillis) {
      enter("setMany");
      super.setMany(entries, ttlMillis);
    }

    @Override
    public boolean add(String key, byte[] value, long ttlMillis) {
      enter("add");
      return super.add(key, value, ttlMillis);
    }

    @Override
    public boolean delete(String key) {
      enter("delete");
      return super.delete(key);
    }

    @Override
    public int deleteMany(Collection<String> keys) {
      enter("deleteMany");
      return super.deleteMany(keys);
    }

    @Override
    public boolean exists(String key) {
      enter("exists");
      return super.exists(key);
    }

    @Override
    public boolean touch(String key, long ttlMillis) {
      enter("touch");
      return super.touch(key, ttlMillis);
    }

    @Override
    public long incr(String key, long delta, long ttlMillis) {
      enter("incr");
      return super.incr(key, delta, ttlMillis);
    }

    @Override
    public StoredValue getVersioned(String key) {
      enter("getVersioned");
      return super.getVersioned(key);
    }

    @Override
    public boolean compareAndSet(String key, StoredValue expected, byte[] value, long ttlMillis) {
      enter("compareAndSet");
      return super.compareAndSet(key, expected, value, ttlMillis);
    }

    @Override
    public void clear(String prefix) {
      enter("clear");
      super.clear(prefix);
    }

    @Override
    public void close() {
      closes.incrementAndGet();
      super.close();
      RuntimeException e = closeFailure;
      if (e != null) {
        throw e;
      }
    }
  }

  /** A store declaring other key rules. */
  private static final class Rules extends ForwardingStore {
    private final KeyRules rules;

    Rules(Store delegate, KeyRules rules) {
      super(delegate);
      this.rules = rules;
    }

    @Override
    public io.larder.spi.StoreTraits traits() {
      return io.larder.spi.StoreTraits.DEFAULT.withKeyRules(rules);
    }
  }
}

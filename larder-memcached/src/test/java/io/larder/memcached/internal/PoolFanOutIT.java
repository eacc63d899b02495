package io.larder.memcached.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.CacheConnectionException;
import io.larder.CacheTimeoutException;
import io.larder.internal.sharding.ShardedStore;
import io.larder.spi.Store;
import io.larder.Stores;
import io.larder.memcached.MemcachedStores;
import io.larder.spi.AsyncStore;
import io.larder.testkit.MemcachedServer;
import io.larder.testkit.ReplyRelay;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A bulk read over a pool of two real memcached servers and a scripted third one that stops in
 * the middle of the call: the call fails as a whole (as a bulk call with a failed server does),
 * but only once the real servers' parts were read, so their connections stay in step and the
 * next read of their keys is answered right. And a bulk read asks every server before it waits
 * for any answer: the parts overlap, they are not answered one after another.
 */
class PoolFanOutIT {
  private static final List<MemcachedServer> real = new ArrayList<>();
  private FakeMemcached fake;
  private ShardedStore pool;
  private final Map<String, List<String>> keysOn = new LinkedHashMap<>();
  /** The real servers' stores, in the pool. */
  private final List<DefaultMemcachedStore> stores = new ArrayList<>();

  @BeforeAll
  static void startServers() {
    MemcachedServer.Builder builder = MemcachedServer.builder();
    real.add(builder.start());
    real.add(builder.start());
  }

  @AfterAll
  static void stopServers() {
    real.forEach(MemcachedServer::stop);
    real.clear();
  }

  @BeforeEach
  void openPool() throws Exception {
    fake = new FakeMemcached();
    // the scripted server first: its part is awaited first, so the real servers' parts are
    // awaited after it failed
    Stores.ShardedBuilder sharded = Stores.sharded().failureThreshold(100);
    server(sharded, "127.0.0.1", fake.port());
    for (MemcachedServer s : real) {
      stores.add(server(sharded, s.host(), s.port()));
    }
    pool = (ShardedStore) sharded.build();
    for (DefaultMemcachedStore s : stores) {
      eventually("the direct connection to " + s.server() + " open", s.connection::directIsFree);
    }
    for (int i = 0; i < 90; i++) {
      String key = "fan:" + i;
      keysOn.computeIfAbsent(pool.serverFor(key), s -> new ArrayList<>()).add(key);
    }
    assertThat(keysOn).as("keys on each server").hasSize(3);
    Map<String, byte[]> values = new LinkedHashMap<>();
    realKeys().forEach(k -> values.put(k, k.getBytes(StandardCharsets.UTF_8)));
    pool.setMany(values, Store.NO_EXPIRY);
  }

  private static DefaultMemcachedStore server(Stores.ShardedBuilder sharded, String host,
      int port) {
    return server(sharded, host, port, Duration.ofSeconds(1));
  }

  private static DefaultMemcachedStore server(Stores.ShardedBuilder sharded, String host,
      int port, Duration timeout) {
    DefaultMemcachedStore store = (DefaultMemcachedStore) MemcachedStores.builder(host, port)
        .timeout(timeout).build();
    sharded.server(host + ":" + port, store);
    return store;
  }

  private static void eventually(String what, BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  /**
   * How many calls each real server's direct connection has started alone so far, once no
   * earlier call of the test is still counted on a pipelined connection (which would send the
   * next parts the pipelined way).
   */
  private List<Long> startedDirect() throws Exception {
    List<Long> started = new ArrayList<>();
    for (DefaultMemcachedStore s : stores) {
      eventually("nothing in flight on " + s.server(), s.connection::pipelinedIdle);
      started.add(s.connection.directStarted());
    }
    return started;
  }

  /**
   * Every part of the last call went over the real servers' direct connections (else their
   * being free would prove nothing) and was read: those connections are free again.
   */
  private void assertRealServersFree(List<Long> startedBefore) {
    for (int i = 0; i < stores.size(); i++) {
      DefaultMemcachedStore s = stores.get(i);
      assertThat(s.connection.directStarted()).as("parts started on %s's direct connection",
          s.server()).isEqualTo(startedBefore.get(i) + 1);
      assertThat(s.connection.directIsFree()).as("direct connection to %s free", s.server())
          .isTrue();
    }
  }

  @AfterEach
  void close() throws Exception {
    pool.close();
    fake.close();
  }

  private List<String> realKeys() {
    List<String> keys = new ArrayList<>();
    for (MemcachedServer s : real) {
      keys.addAll(keysOn.get(s.host() + ":" + s.port()));
    }
    return keys;
  }

  private List<String> allKeys() {
    List<String> keys = new ArrayList<>();
    keysOn.values().forEach(keys::addAll);
    return keys;
  }

  private void assertRealKeysReadRight() {
    Map<String, byte[]> got = pool.getMany(realKeys());
    assertThat(got).containsOnlyKeys(realKeys());
    got.forEach((k, v) -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo(k));
  }

  @Test
  void aServerThatHangsUpInTheMiddleOfABulkReadFailsItAfterTheOthersAnswered()
      throws Exception {
    CountDownLatch asked = new CountDownLatch(1);
    fake.answer = line -> {
      if (line.startsWith("get ")) {
        asked.countDown();
        try {
          fake.dropClients(); // received, never answered: a crash in the middle of the call
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        return null;
      }
      return "HD";
    };
    assertRealKeysReadRight(); // the real servers' connections are warm and free
    List<Long> started = startedDirect();

    assertThatThrownBy(() -> pool.getMany(allKeys()))
        .isInstanceOf(CacheConnectionException.class);

    assertThat(asked.getCount()).as("the fake received its part").isZero();
    assertRealServersFree(started);
    assertRealKeysReadRight();
  }

  @Test
  void aServerThatNeverAnswersABulkReadTimesItOutAndLeavesTheOthersInStep()
      throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    fake.answer = line -> {
      if (line.startsWith("get ")) {
        try {
          release.await(30, TimeUnit.SECONDS); // silent until the end
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return null;
      }
      return "HD";
    };
    try {
      List<Long> started = startedDirect();
      assertThatThrownBy(() -> pool.getMany(allKeys()))
          .isInstanceOf(CacheTimeoutException.class);

      assertRealServersFree(started);
      assertRealKeysReadRight();
    } finally {
      release.countDown();
    }
  }

  /**
   * Every server's reply is held (by a relay in front of it) until every server has received
   * its part: a fan-out that waited for one server's answer before asking the next would never
   * be answered, and would time out; one whose parts overlap gets every key. Three shards (two
   * of them relays in front of one memcached), so a fan-out that overlaps only two parts at a
   * time fails too. Both the blocking and the asynchronous bulk read.
   */
  @Test
  void aBulkReadAsksEveryServerBeforeItWaitsForAnyServersAnswer() throws Exception {
    List<ReplyRelay> relays = new ArrayList<>();
    Stores.ShardedBuilder sharded = Stores.sharded().failureThreshold(100);
    List<DefaultMemcachedStore> relayed = new ArrayList<>();
    try {
      // three shards, two of them relays in front of the same memcached (the ring names a
      // shard by host:port): a fan-out that overlaps only two parts at a time fails too; the
      // long timeout is for a loaded machine (a summing fan-out waits forever however long)
      for (MemcachedServer s : List.of(real.get(0), real.get(1), real.get(0))) {
        ReplyRelay relay = ReplyRelay.start(s, Duration.ZERO);
        relays.add(relay);
        relayed.add(server(sharded, relay.host(), relay.port(), Duration.ofSeconds(10)));
      }
      try (ShardedStore overlapping = (ShardedStore) sharded.build()) {
        for (DefaultMemcachedStore s : relayed) {
          eventually("the direct connection to " + s.server() + " open",
              s.connection::directIsFree);
        }
        Map<String, byte[]> values = new LinkedHashMap<>();
        Map<String, Integer> perServer = new LinkedHashMap<>();
        for (int i = 0; i < 90; i++) {
          String key = "overlap:" + i;
          values.put(key, key.getBytes(StandardCharsets.UTF_8));
          perServer.merge(overlapping.serverFor(key), 1, Integer::sum);
        }
        assertThat(perServer).as("keys on each server").hasSize(relays.size());
        overlapping.setMany(values, Store.NO_EXPIRY);
        List<String> keys = new ArrayList<>(values.keySet());

        for (boolean async : new boolean[] {false, true}) {
          CountDownLatch everyoneAsked = new CountDownLatch(relays.size());
          relays.forEach(r -> r.holdReplies(everyoneAsked));
          Map<String, byte[]> got = async
              ? ((AsyncStore) overlapping).getManyAsync(keys).get(30, TimeUnit.SECONDS)
              : overlapping.getMany(keys);
          relays.forEach(ReplyRelay::release);

          assertThat(everyoneAsked.getCount()).as("servers not asked").isZero();
          assertThat(got).as(async ? "async" : "blocking").containsOnlyKeys(keys);
          got.forEach((k, v) -> assertThat(v).isEqualTo(values.get(k)));
        }
      }
    } finally {
      relays.forEach(ReplyRelay::close);
    }
  }
}

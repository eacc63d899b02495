package io.larder.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.CacheException;
import io.larder.Versioned;
import io.larder.spi.Store;
import io.larder.spi.StoreSize;
import io.larder.testkit.AsyncLoad;
import io.larder.testkit.ManualClock;
import io.larder.testkit.RedisServer;
import io.larder.testkit.RequestCounts;
import io.larder.testkit.ServerRequests;
import io.larder.testkit.StoreContract;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The whole store contract against one real redis-server. */
class RedisStoreContractIT extends StoreContract {
  private static RedisServer redis;

  @BeforeAll
  static void startServer() {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopServer() {
    redis.stop();
  }

  @Override
  protected Store createStore(ManualClock clock) {
    // generous timeouts: the contract checks meaning, and a 256-thread burst on a loaded
    // 2-core machine can outlast the 250 ms default (RedisFailureIT covers timeouts)
    return RedisStores.open(redis.url() + "?timeout=5s&writeTimeout=5s");
  }

  @Test
  void thousandsOfConcurrentAsyncCallsEachGetTheirOwnAnswer() {
    try (RedisCacheStore store = RedisStores.open(redis.url() + "?timeout=10s&writeTimeout=10s")) {
      assertThat(AsyncLoad.mixedCalls(store, "async:", 4, 250)).isGreaterThan(4 * 250 * 10);
    }
  }

  @Test
  void compareAndSetFailsAfterAnotherProgramWroteTheSameBytes() {
    cache.set("k", "same");
    Versioned<String> read = cache.getVersioned("k", String.class);
    try (RedisClient client = RedisClient.create(redis.url());
        StatefulRedisConnection<String, String> raw = client.connect()) {
      raw.sync().set("~" + prefix + "::k", "same");
    }
    assertThat(cache.compareAndSet(read, "mine")).isFalse();
    assertThat(cache.get("k", String.class)).isEqualTo("same");
  }

  @Test
  void aCounterThatUpdateWroteStillIncrementsAndKeepsItsTtl() {
    cache.incr("n", 1, Duration.ofMinutes(5));
    assertThat(cache.update("n", io.larder.Codec.longs(), Duration.ofMinutes(5), v -> v + 10))
        .isEqualTo(11L);
    assertThat(cache.incr("n")).isEqualTo(12);
    try (RedisClient client = RedisClient.create(redis.url());
        StatefulRedisConnection<String, String> raw = client.connect()) {
      String key = "~" + prefix + "::n";
      assertThat(raw.sync().get(key)).as("plain decimal text again").isEqualTo("12");
      assertThat(raw.sync().pttl(key)).isPositive();
    }
  }

  @Test
  void anErrorReplyFailsItsCallAndTheNextCallsGetTheirOwnReplies() {
    try (RedisClient client = RedisClient.create(redis.url());
        StatefulRedisConnection<String, String> raw = client.connect()) {
      raw.sync().rpush("~" + prefix + "::list", "another program's list");
    }
    cache.set("k", "v");
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> cache.get("list", String.class))
          .isInstanceOf(CacheException.class).hasMessageContaining("WRONGTYPE");
      assertThat(cache.get("k", String.class)).isEqualTo("v");
      assertThat(cache.getMany(java.util.List.of("k", "list"), String.class))
          .as("MGET reads another type as nil").containsOnlyKeys("k");
    }
  }

  @Test
  void thousandsOfConcurrentMixedCallsEachGetTheirOwnAnswer() throws Exception {
    RequestCounts before = serverRequests().read();
    MixedCalls.run(cache, 16, 200);
    assertThat(serverRequests().read().minus(before).get("mget"))
        .as("concurrent reads merged into MGETs").isPositive();
  }

  @Test
  void gatheredWritesWithFourTtlsAreOneRoundTripOfPlainSets() throws Exception {
    long[] ttls = {Store.NO_EXPIRY, 60_000, 120_000, 600_000};
    Map<String, byte[]> entries = new LinkedHashMap<>();
    Map<String, Long> ttlOf = new HashMap<>();
    for (int i = 0; i < ttls.length; i++) {
      entries.put("each:" + i, ("v" + i).getBytes(StandardCharsets.UTF_8));
      ttlOf.put("each:" + i, ttls[i]);
    }
    try (Store store = createStore(null); ServerReads reads = new ServerReads(redis)) {
      ServerReads.Snapshot before = reads.snapshot();
      store.setEach(entries, ttlOf::get);
      ServerReads.Snapshot after = reads.snapshot();
      assertThat(after.sets() - before.sets()).as("SETs").isEqualTo(4);
      assertThat(after.reads() - before.reads()).as("reads: the batch's and this INFO's")
          .isEqualTo(2);
      try (RedisClient client = RedisClient.create(redis.url());
          StatefulRedisConnection<String, String> raw = client.connect()) {
        assertThat(raw.sync().pttl("each:0")).isEqualTo(-1);
        for (int i = 1; i < ttls.length; i++) {
          assertThat(raw.sync().pttl("each:" + i)).as("PTTL of each:%d", i)
              .isBetween(ttls[i] - 30_000, ttls[i]);
        }
      }
      for (int i = 0; i < ttls.length; i++) {
        assertThat(store.get("each:" + i)).isEqualTo(entries.get("each:" + i));
      }
    }
  }

  @Override
  protected ServerRequests serverRequests() {
    return ServerRequests.redis(redis);
  }

  @Override
  protected boolean usesInjectedClock() {
    return false;
  }

  @Override
  protected Duration ttlUnit() {
    return Duration.ofMillis(250);
  }

  @Test
  void sizeIsTheDatabasesKeysAndTheServersMemory() {
    try (Store store = createStore(null)) {
      StoreSize before = store.size("size:");
      assertThat(before.wholeStore()).as("a prefix would take a SCAN of every key").isTrue();
      for (int i = 0; i < 3; i++) {
        store.set("size:" + i, new byte[1000], Store.NO_EXPIRY);
      }
      StoreSize after = store.size("size:");
      assertThat(after.entries()).isEqualTo(before.entries() + 3);
      assertThat(after.bytes()).isGreaterThan(0);
      store.deleteMany(java.util.List.of("size:0", "size:1", "size:2"));
    }
  }
}

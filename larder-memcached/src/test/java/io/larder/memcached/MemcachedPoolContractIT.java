package io.larder.memcached;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.internal.sharding.ShardedStore;
import io.larder.spi.AsyncStore;
import io.larder.spi.Store;
import io.larder.testkit.AsyncLoad;
import io.larder.testkit.ConcurrentCalls;
import io.larder.testkit.ManualClock;
import io.larder.testkit.MemcachedServer;
import io.larder.testkit.MemcachedTap;
import io.larder.testkit.RequestCounts;
import io.larder.testkit.ServerRequests;
import io.larder.testkit.StoreContract;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole store contract against a ring of three real memcached servers, opened from a
 * {@code memcached://h1:p1,h2:p2,h3:p3} URL: {@code Stores.sharded()} over three
 * {@link MemcachedStore}s.
 */
class MemcachedPoolContractIT extends StoreContract {
  private static final List<MemcachedServer> servers = new ArrayList<>();
  private static final List<MemcachedTap> taps = new ArrayList<>();

  @BeforeAll
  static void startServers() {
    MemcachedServer.Builder builder = MemcachedServer.builder();
    for (int i = 0; i < 3; i++) {
      servers.add(builder.start());
      taps.add(MemcachedTap.start(servers.get(i)));
    }
  }

  @AfterAll
  static void stopServers() {
    taps.forEach(MemcachedTap::close);
    taps.clear();
    servers.forEach(MemcachedServer::stop);
    servers.clear();
  }

  @Test
  void concurrentCallsOverThePoolEachGetTheirOwnAnswer() throws Exception {
    try (Store pool = TestStores.open(TestStores.poolUrl(servers) + "?timeout=5s")) {
      assertThat(ConcurrentCalls.check(pool, "merged:", 16, 300)).isGreaterThan(2_000);
    }
  }

  @Test
  void aBulkReadOverThePoolTakesEveryKeysValueFromTheServerTheRingNames() throws Exception {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      keys.add("own:" + i);
    }
    List<String> asked = new ArrayList<>(keys);
    asked.addAll(keys.subList(0, 10)); // a repeated key is answered once
    try (Store pool = TestStores.open(TestStores.poolUrl(servers) + "?timeout=5s")) {
      // every server holds every key, with a value naming that server: a part answered by the
      // wrong server, or a reply matched to the wrong part, shows as a wrong name
      for (MemcachedServer server : servers) {
        try (Store one = TestStores.open(server.url())) {
          Map<String, byte[]> values = new LinkedHashMap<>();
          keys.forEach(k -> values.put(k, (server.port() + "/" + k).getBytes(StandardCharsets.UTF_8)));
          one.setMany(values, Store.NO_EXPIRY);
        }
      }
      ShardedStore sharded = (ShardedStore) pool;
      java.util.Set<String> serversRead = new java.util.HashSet<>();

      Map<String, byte[]> got = pool.getMany(asked);
      Map<String, byte[]> gotAsync = ((AsyncStore) pool).getManyAsync(asked)
          .get(30, java.util.concurrent.TimeUnit.SECONDS); // grouped by the same helper

      for (Map<String, byte[]> answer : List.of(got, gotAsync)) {
        assertThat(answer).containsOnlyKeys(keys);
        for (String k : keys) {
          String owner = sharded.serverFor(k);
          String port = owner.substring(owner.lastIndexOf(':') + 1);
          assertThat(new String(answer.get(k), StandardCharsets.UTF_8)).as(k)
              .isEqualTo(port + "/" + k);
          serversRead.add(owner);
        }
      }
      assertThat(serversRead).hasSize(3);
    }
  }

  @Test
  void gatheredWritesWithFourTtlsAreOneBatchPerServer() throws Exception {
    long[] ttls = {Store.NO_EXPIRY, 60_000, 120_000, 600_000};
    Map<String, byte[]> entries = new LinkedHashMap<>();
    for (int i = 0; i < 12; i++) {
      entries.put("each" + i, ("v" + i).getBytes(StandardCharsets.UTF_8));
    }
    ToLongFunction<String> ttlOf = key -> ttls[Integer.parseInt(key.substring(4)) % 4];
    try (Store pool = createStore(null)) {
      pool.getMany(List.of("warm-up")); // each server's handshake, before counting
      List<RequestCounts> before = new ArrayList<>();
      taps.forEach(t -> before.add(t.counts()));
      pool.setEach(entries, ttlOf);
      long sets = 0;
      int serversWritten = 0;
      for (int i = 0; i < taps.size(); i++) {
        RequestCounts seen = taps.get(i).counts().minus(before.get(i));
        sets += seen.get("ms");
        assertThat(seen.get("quiet")).as("server %d saw %s", i, seen).isEqualTo(seen.get("ms"));
        if (seen.get("ms") > 0) {
          serversWritten++;
          assertThat(seen.get("mn")).as("one batch; server %d saw %s", i, seen).isEqualTo(1);
        }
      }
      assertThat(sets).isEqualTo(12);
      assertThat(serversWritten).as("servers the 12 keys fell on").isGreaterThan(1);
      for (int i = 0; i < 12; i++) {
        Long ttl = null;
        for (MemcachedServer server : servers) {
          Long t = RawMeta.ttlSeconds(server, "each" + i);
          ttl = t != null ? t : ttl;
        }
        long expected = ttls[i % 4] == Store.NO_EXPIRY ? -1 : ttls[i % 4] / 1000;
        assertThat(ttl).as("TTL of each%d", i).isBetween(expected - 30, expected);
      }
      assertThat(pool.getMany(entries.keySet())).hasSize(12);
    }
  }

  @Test
  void thousandsOfConcurrentAsyncCallsOverThePoolEachGetTheirOwnAnswer() {
    try (Store pool = TestStores.open(TestStores.poolUrl(servers) + "?timeout=5s")) {
      assertThat(pool).isInstanceOf(AsyncStore.class);
      // bulk reads span the three servers; namespaced keys read generations on each
      assertThat(AsyncLoad.mixedCalls((AsyncStore) pool, "~pool" + System.nanoTime() + "::",
          4, 125)).isGreaterThan(4 * 125 * 10);
    }
  }

  @Override
  protected Store createStore(ManualClock clock) {
    return TestStores.open("memcached://" + taps.stream().map(t -> t.host() + ":" + t.port())
        .collect(java.util.stream.Collectors.joining(",")) + "?timeout=5s");
  }

  @Override
  protected ServerRequests serverRequests() {
    return ServerRequests.memcached(taps);
  }

  @Override
  protected boolean usesInjectedClock() {
    return false;
  }

  @Override
  protected Duration ttlUnit() {
    return Duration.ofSeconds(1);
  }
}

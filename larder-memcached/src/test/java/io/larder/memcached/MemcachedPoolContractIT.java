package io.larder.memcached;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.spi.AsyncStore;
import io.larder.spi.Store;
import io.larder.testkit.AsyncLoad;
import io.larder.testkit.ManualClock;
import io.larder.testkit.MemcachedServer;
import io.larder.testkit.MemcachedTap;
import io.larder.testkit.ServerRequests;
import io.larder.testkit.StoreContract;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
      assertThat(ConcurrentCalls.check(pool, 16, 300)).isGreaterThan(2_000);
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

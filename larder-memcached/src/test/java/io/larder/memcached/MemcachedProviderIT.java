package io.larder.memcached;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Cache;
import io.larder.CacheConnectionException;
import io.larder.Larder;
import io.larder.spi.Store;
import io.larder.testkit.MemcachedServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Opening {@code memcached://} URLs: one server, pools, options. */
class MemcachedProviderIT {
  private static MemcachedServer first;
  private static MemcachedServer second;

  @BeforeAll
  static void startServers() {
    first = MemcachedServer.start();
    second = MemcachedServer.start();
  }

  @AfterAll
  static void stopServers() {
    first.stop();
    second.stop();
  }

  private static int deadPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void oneServerOpensAMemcachedStoreWithTheCommonOptions() {
    try (Cache cache = Larder.open(TestStores.patient(first.url()
        + "?ttl=60s&prefix=app&namespaceCache=0"))) {
      cache.set("k", "v");
      assertThat(cache.get("k", String.class)).isEqualTo("v");
      assertThat(cache.defaultTtl()).isEqualTo(Duration.ofSeconds(60));
      assertThat(cache.toString()).contains(first.url());
    }
    try (Store store = TestStores.open(first.url())) {
      assertThat(store).isInstanceOf(MemcachedStore.class);
      assertThat(((MemcachedStore) store).server()).isEqualTo("127.0.0.1:" + first.port());
    }
  }

  @Test
  void severalServersOpenAShardedStoreOverThem() {
    String url = TestStores.poolUrl(List.of(first, second));
    try (Store store = TestStores.open(url + "?hashing=ketama&failureThreshold=2"
        + "&retryInterval=500ms&timeout=5s")) {
      assertThat(store).isNotInstanceOf(MemcachedStore.class);
      for (int i = 0; i < 50; i++) {
        store.set("pool:" + i, new byte[] {(byte) i}, 0);
      }
      try (MemcachedStore a = MemcachedStores.builder(first.host(), first.port())
               .timeout(Duration.ofSeconds(5)).build();
           MemcachedStore b = MemcachedStores.builder(second.host(), second.port())
               .timeout(Duration.ofSeconds(5)).build()) {
        List<String> keys = java.util.stream.IntStream.range(0, 50).mapToObj(i -> "pool:" + i)
            .toList();
        int onA = a.getMany(keys).size();
        int onB = b.getMany(keys).size();
        assertThat(onA + onB).isEqualTo(50);
        assertThat(onA).isPositive();
        assertThat(onB).isPositive();
      }
    }
    try (Store weighted = TestStores.open(url + "?weights=3,1&timeout=5s")) {
      weighted.set("w", new byte[] {1}, 0);
      assertThat(weighted.get("w")).containsExactly(1);
    }
  }

  @Test
  void aPoolOpensWithoutAServerThatIsDownButNotWithoutAll() throws Exception {
    int dead = deadPort();
    // patient: the live server must be reached on a loaded machine; the dead one refuses at once
    String url = TestStores.patient("memcached://127.0.0.1:" + first.port() + ",127.0.0.1:"
        + dead);
    try (Cache cache = Larder.open(url)) {
      for (int i = 0; i < 20; i++) {
        cache.set("k" + i, "v"); // fail-open: keys of the dead server are misses, not errors
      }
    }
    assertThatThrownBy(() -> Larder.open("memcached://127.0.0.1:" + dead + ",127.0.0.1:"
        + deadPort() + "?connectTimeout=1s"))
        .isInstanceOf(CacheConnectionException.class).hasMessageContaining("no server");
    assertThatThrownBy(() -> Larder.open("memcached://127.0.0.1:" + dead))
        .isInstanceOf(CacheConnectionException.class).hasMessageContaining(":" + dead);
  }

  @Test
  void badOptionsAreRefusedByName() {
    String pool = TestStores.poolUrl(List.of(first, second));
    assertThatThrownBy(() -> Larder.open(first.url() + "?timeout=soon"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
    assertThatThrownBy(() -> Larder.open(first.url() + "?tiemout=1s"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tiemout");
    assertThatThrownBy(() -> Larder.open(pool + "?hashing=modula"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hashing");
    assertThatThrownBy(() -> Larder.open(pool + "?weights=1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weights");
    assertThatThrownBy(() -> Larder.open(pool + "?failureThreshold=0"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("failureThreshold");
    assertThatThrownBy(() -> Larder.open("memcached://127.0.0.1:" + first.port() + "/0"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no path");
  }
}

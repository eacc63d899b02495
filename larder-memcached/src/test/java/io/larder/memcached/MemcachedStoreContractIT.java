package io.larder.memcached;

import io.larder.spi.Store;
import io.larder.testkit.ManualClock;
import io.larder.testkit.MemcachedServer;
import io.larder.testkit.MemcachedTap;
import io.larder.testkit.ServerRequests;
import java.util.List;
import io.larder.testkit.StoreContract;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The memcached store passes the whole store contract against one real memcached. */
class MemcachedStoreContractIT extends StoreContract {
  private static MemcachedServer server;
  private static MemcachedTap tap;

  @BeforeAll
  static void startServer() {
    server = MemcachedServer.start();
    tap = MemcachedTap.start(server);
  }

  @AfterAll
  static void stopServer() {
    tap.close();
    server.stop();
  }

  @Override
  protected Store createStore(ManualClock clock) {
    return MemcachedStores.builder(tap.host(), tap.port())
        .timeout(Duration.ofSeconds(5))
        .build();
  }

  @Override
  protected ServerRequests serverRequests() {
    return ServerRequests.memcached(List.of(tap));
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

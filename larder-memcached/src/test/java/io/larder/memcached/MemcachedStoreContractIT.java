package io.larder.memcached;

import io.larder.spi.Store;
import io.larder.testkit.ManualClock;
import io.larder.testkit.MemcachedServer;
import io.larder.testkit.StoreContract;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The memcached store passes the whole store contract against one real memcached. */
class MemcachedStoreContractIT extends StoreContract {
  private static MemcachedServer server;

  @BeforeAll
  static void startServer() {
    server = MemcachedServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.stop();
  }

  @Override
  protected Store createStore(ManualClock clock) {
    return MemcachedStores.builder(server.host(), server.port())
        .timeout(Duration.ofSeconds(5))
        .build();
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

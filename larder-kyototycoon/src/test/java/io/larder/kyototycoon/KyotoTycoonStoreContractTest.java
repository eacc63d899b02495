package io.larder.kyototycoon;

import io.larder.spi.Store;
import io.larder.testkit.ManualClock;
import io.larder.testkit.StoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The Kyoto Tycoon store passes the whole store contract against the in-process test server,
 * which expires records by the contract's injected clock (in whole seconds, as the real
 * server does), so the TTL tests need not sleep.
 */
class KyotoTycoonStoreContractTest extends StoreContract {
  private static KyotoTycoonTestServer server;

  @BeforeAll
  static void startServer() {
    server = KyotoTycoonTestServer.start(2);
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Override
  protected Store createStore(ManualClock clock) {
    server.clock(clock);
    return KyotoTycoonStores.builder("127.0.0.1", server.port()).db(1).build();
  }
}

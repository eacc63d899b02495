package io.larder.kyototycoon;

import io.larder.spi.Store;
import io.larder.testkit.KyotoTycoonServer;
import io.larder.testkit.ManualClock;
import io.larder.testkit.ServerRequests;
import io.larder.testkit.StoreContract;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole store contract against the real Kyoto Tycoon server, with the store's default
 * settings (the default timeout was chosen so that the 16-thread tests hold on a busy
 * 2-core machine, see docs/kyototycoon.md). Expiry runs on the server's clock in whole
 * seconds, so the TTL tests wait in real time.
 */
@ExtendWith(SharedKyotoTycoon.class)
class KyotoTycoonStoreContractIT extends StoreContract {
  private static KyotoTycoonServer server;

  @BeforeAll
  static void server(KyotoTycoonServer shared) {
    server = shared;
  }

  @Override
  protected Store createStore(ManualClock clock) {
    return KyotoTycoonStores.builder(server.host(), server.port()).db(1).build();
  }

  @Override
  protected ServerRequests serverRequests() {
    return ServerRequests.kyotoTycoon(server.host(), server.port());
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

package io.larder.jdbc;

import io.larder.spi.Store;
import io.larder.spi.StoreUrl;
import io.larder.testkit.ManualClock;
import io.larder.testkit.StoreContract;

/** The whole store contract against a real PostgreSQL, shared with the module's other ITs. */
class PostgresStoreContractIT extends StoreContract {

  @Override
  protected Store createStore(ManualClock clock) {
    // generous timeouts: the contract checks meaning, on a loaded machine
    return DatabaseStores.open(StoreUrl.parse(TestDatabases.postgres().url()
        + "?table=contract&poolSize=16&minIdle=1&timeout=10s"), clock);
  }
}

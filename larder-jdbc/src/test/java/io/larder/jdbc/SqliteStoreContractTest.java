package io.larder.jdbc;

import io.larder.spi.Store;
import io.larder.testkit.ManualClock;
import io.larder.testkit.StoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite store passes the whole store contract, on a fresh file per test. */
class SqliteStoreContractTest extends StoreContract {
  @TempDir
  Path dir;

  @Override
  protected Store createStore(ManualClock clock) {
    return SqliteStores.builder(dir.resolve("contract.db")).clock(clock).build();
  }
}

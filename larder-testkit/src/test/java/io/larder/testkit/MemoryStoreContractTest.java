package io.larder.testkit;

import io.larder.Stores;
import io.larder.spi.Store;

/** The memory store passes the whole store contract. */
class MemoryStoreContractTest extends StoreContract {
  @Override
  protected Store createStore(ManualClock clock) {
    return Stores.memoryBuilder().clock(clock).build();
  }
}

package io.larder.testkit;

import io.larder.Stores;
import io.larder.spi.Store;

/**
 * A sharded store over three memory stores passes the whole store contract: single-key calls
 * routed to one server, bulk calls fanned out and merged, {@code clear} on every server.
 */
class ShardedMemoryContractTest extends StoreContract {
  @Override
  protected Store createStore(ManualClock clock) {
    return Stores.sharded()
        .server("10.0.0.1:11211", Stores.memoryBuilder().clock(clock).build())
        .server("10.0.0.2:11211", Stores.memoryBuilder().clock(clock).build())
        .server("10.0.0.3:11211", Stores.memoryBuilder().clock(clock).build())
        .build();
  }
}

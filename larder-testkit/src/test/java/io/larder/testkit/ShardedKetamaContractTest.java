package io.larder.testkit;

import io.larder.Hashing;
import io.larder.Stores;
import io.larder.spi.ForwardingStore;
import io.larder.spi.KeyRules;
import io.larder.spi.Store;

/**
 * The whole store contract over a sharded store in {@link Hashing#KETAMA} mode whose servers
 * declare memcached's key rules (250 bytes, printable ASCII), with one server weighted: the
 * sharded store passes on the strictest rules, so the facade encodes the keys.
 */
class ShardedKetamaContractTest extends StoreContract {
  private static final KeyRules MEMCACHED = new KeyRules(250, true);

  @Override
  protected Store createStore(ManualClock clock) {
    Stores.ShardedBuilder b = Stores.sharded().hashing(Hashing.KETAMA);
    for (int i = 1; i <= 3; i++) {
      Store memory = Stores.memoryBuilder().clock(clock).build();
      b.server("cache" + i + ":" + (22120 + i), i, new ForwardingStore(memory) {
        @Override
        public io.larder.spi.StoreTraits traits() {
          return io.larder.spi.StoreTraits.DEFAULT.withKeyRules(MEMCACHED);
        }
      });
    }
    return b.build();
  }
}

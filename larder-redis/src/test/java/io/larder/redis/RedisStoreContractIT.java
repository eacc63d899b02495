package io.larder.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.spi.Store;
import io.larder.spi.StoreSize;
import io.larder.testkit.ManualClock;
import io.larder.testkit.RedisServer;
import io.larder.testkit.ServerRequests;
import io.larder.testkit.StoreContract;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The whole store contract against one real redis-server. */
class RedisStoreContractIT extends StoreContract {
  private static RedisServer redis;

  @BeforeAll
  static void startServer() {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopServer() {
    redis.stop();
  }

  @Override
  protected Store createStore(ManualClock clock) {
    // generous timeouts: the contract checks meaning, and a 256-thread burst on a loaded
    // 2-core machine can outlast the 250 ms default (RedisFailureIT covers timeouts)
    return RedisStores.open(redis.url() + "?timeout=5s&writeTimeout=5s");
  }

  @Override
  protected ServerRequests serverRequests() {
    return ServerRequests.redis(redis);
  }

  @Override
  protected boolean usesInjectedClock() {
    return false;
  }

  @Override
  protected Duration ttlUnit() {
    return Duration.ofMillis(250);
  }

  @Test
  void sizeIsTheDatabasesKeysAndTheServersMemory() {
    try (Store store = createStore(null)) {
      StoreSize before = store.size("size:");
      assertThat(before.wholeStore()).as("a prefix would take a SCAN of every key").isTrue();
      for (int i = 0; i < 3; i++) {
        store.set("size:" + i, new byte[1000], Store.NO_EXPIRY);
      }
      StoreSize after = store.size("size:");
      assertThat(after.entries()).isEqualTo(before.entries() + 3);
      assertThat(after.bytes()).isGreaterThan(0);
      store.deleteMany(java.util.List.of("size:0", "size:1", "size:2"));
    }
  }
}

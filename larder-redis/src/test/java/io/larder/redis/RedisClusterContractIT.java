package io.larder.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.spi.Store;
import io.larder.testkit.AsyncLoad;
import io.larder.testkit.ManualClock;
import io.larder.testkit.ServerRequests;
import io.larder.testkit.StoreContract;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The whole store contract against a real Redis Cluster of three masters. */
class RedisClusterContractIT extends StoreContract {
  private static TestCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TestCluster.start(3);
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  @Test
  void concurrentAsyncCallsOverTheClusterEachGetTheirOwnAnswer() {
    try (RedisCacheStore store = RedisStores.open(cluster.url() + "?timeout=10s"
        + "&writeTimeout=10s" + options())) {
      // bulk calls and merged reads span the three masters' slots
      assertThat(AsyncLoad.mixedCalls(store, "~async:n::", 4, 50)).isGreaterThan(4 * 50 * 10);
    }
  }

  @Override
  protected Store createStore(ManualClock clock) {
    // generous timeouts: the contract checks meaning, and a 256-thread burst on a loaded
    // 2-core machine can outlast the 250 ms default (RedisFailureIT covers timeouts)
    return RedisStores.open(cluster.url() + "?timeout=5s&writeTimeout=5s" + options());
  }

  /**
   * Returns the URL options of the store under test.
   *
   * @return {@code ""}, or more query options such as {@code "&hashTag=namespace"}
   */
  protected String options() {
    return "";
  }

  @Override
  protected ServerRequests serverRequests() {
    return ServerRequests.redisCluster(cluster.nodes);
  }

  @Override
  protected boolean usesInjectedClock() {
    return false;
  }

  @Override
  protected Duration ttlUnit() {
    return Duration.ofMillis(250);
  }
}

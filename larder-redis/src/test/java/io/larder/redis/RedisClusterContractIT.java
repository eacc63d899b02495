package io.larder.redis;

import io.larder.spi.Store;
import io.larder.testkit.ManualClock;
import io.larder.testkit.ServerRequests;
import io.larder.testkit.StoreContract;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

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

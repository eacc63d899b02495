package io.larder.memcached.internal;

import static io.larder.memcached.internal.ConnectionTest.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.larder.testkit.ConcurrentCalls;
import io.larder.testkit.MemcachedServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The direct connection's combining against a real memcached: thousands of concurrent mixed
 * calls from 16 threads, each answer checked against what its own thread wrote, while the
 * threads' single-key calls go out together in shared writes.
 */
class DirectConnectionIT {
  private static MemcachedServer server;

  @BeforeAll
  static void startServer() {
    server = MemcachedServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.stop();
  }

  @Test
  void sixteenThreadsOfMixedCallsAreCombinedAndEachGetsItsOwnAnswer() throws Exception {
    try (DefaultMemcachedStore store = new DefaultMemcachedStore(server.host(), server.port(),
        new ClientOptions(Duration.ofSeconds(10), Duration.ofSeconds(10), null, null, true),
        Duration.ofSeconds(1), true)) {
      eventually("the direct connection open", store.connection::directIsFree);

      assertThat(ConcurrentCalls.check(store, "combined:", 16, 400)).isGreaterThan(3_000);
      // else the calls above would have proved nothing about combining
      assertThat(store.connection.directCombined()).isGreaterThan(100);
    }
  }
}

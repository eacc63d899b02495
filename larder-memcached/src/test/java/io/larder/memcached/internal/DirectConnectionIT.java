package io.larder.memcached.internal;

import static io.larder.memcached.internal.ConnectionTest.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.larder.testkit.ConcurrentCalls;
import io.larder.testkit.MemcachedServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The direct connection's combining against a real memcached: thousands of concurrent calls
 * from 16 threads, each answer checked against what its own thread wrote, while the threads'
 * single-key calls go out together in shared writes.
 */
class DirectConnectionIT {
  private static final int THREADS = 16;
  private static MemcachedServer server;
  private DefaultMemcachedStore store;

  @BeforeAll
  static void startServer() {
    server = MemcachedServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.stop();
  }

  @BeforeEach
  void open() throws InterruptedException {
    store = new DefaultMemcachedStore(server.host(), server.port(),
        new ClientOptions(Duration.ofSeconds(10), Duration.ofSeconds(10), null, null, true),
        Duration.ofSeconds(1), true);
    eventually("the direct connection open", store.connection::directIsFree);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void sixteenThreadsOfSingleKeyCallsAreCombinedAndEachGetsItsOwnAnswer() throws Exception {
    assertThat(ConcurrentCalls.checkSingleKey(store, "single:", THREADS, 500))
        .isGreaterThan(THREADS * 500 / 2);
    // else the calls above would have proved nothing about combining; how many combine is the
    // scheduler's choice (7,980 of 8,000 in a quiet run), DirectConnectionTest proves that
    // queued calls do
    assertThat(store.connection.directCombined()).isPositive();
  }

  @Test
  void combinedSingleKeyCallsBesideBulkCallsEachGetTheirOwnAnswer() throws Exception {
    assertThat(ConcurrentCalls.check(store, "mixed:", THREADS, 400)).isGreaterThan(3_000);
  }
}

package io.larder.memcached.internal;

import static io.larder.memcached.internal.ConnectionTest.eventually;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.larder.spi.Store;
import io.larder.testkit.ConcurrentCalls;
import io.larder.testkit.MemcachedServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    CyclicBarrier start = new CyclicBarrier(THREADS);
    try {
      List<Future<Integer>> workers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        workers.add(pool.submit(() -> {
          start.await(30, TimeUnit.SECONDS);
          return singleKeyCalls(store, thread, 500);
        }));
      }
      int checked = 0;
      for (Future<Integer> w : workers) {
        checked += w.get(2, TimeUnit.MINUTES);
      }
      assertThat(checked).isGreaterThan(THREADS * 500 / 2);
    } finally {
      pool.shutdownNow();
    }
    // else the calls above would have proved nothing about combining; how many combine is the
    // scheduler's choice (7,980 of 8,000 in a quiet run), DirectConnectionTest proves that
    // queued calls do
    assertThat(store.connection.directCombined()).isPositive();
  }

  @Test
  void combinedSingleKeyCallsBesideBulkCallsEachGetTheirOwnAnswer() throws Exception {
    assertThat(ConcurrentCalls.check(store, "mixed:", THREADS, 400)).isGreaterThan(3_000);
  }

  /** Sets, gets and deletes on keys of this thread's own, each answer checked; the count. */
  private static int singleKeyCalls(Store store, int thread, int count) {
    Map<String, byte[]> mine = new HashMap<>();
    Random random = new Random(thread);
    int checked = 0;
    for (int i = 0; i < count; i++) {
      String key = "single:" + thread + ":" + random.nextInt(16);
      switch (random.nextInt(5)) {
        case 0, 1 -> {
          byte[] value = ("value " + thread + "/" + i).getBytes(UTF_8);
          store.set(key, value, Store.NO_EXPIRY);
          mine.put(key, value);
        }
        case 2, 3 -> {
          assertThat(store.get(key)).as("get %s", key).isEqualTo(mine.get(key));
          checked++;
        }
        default -> {
          assertThat(store.delete(key)).as("delete %s", key).isEqualTo(mine.remove(key) != null);
          checked++;
        }
      }
    }
    return checked;
  }
}

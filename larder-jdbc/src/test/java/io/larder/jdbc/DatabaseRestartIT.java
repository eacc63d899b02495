package io.larder.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Cache;
import io.larder.CacheException;
import io.larder.Larder;
import io.larder.testkit.MariaDbServer;
import io.larder.testkit.PostgresServer;
import io.larder.testkit.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The database dies under load and comes back: calls fail as cache errors (misses, when the
 * cache fails open) and never hang, and the pool reconnects by itself. Each dialect gets a
 * server of its own, as this test crashes it.
 */
class DatabaseRestartIT {
  private static final int THREADS = 4;

  @ParameterizedTest
  @ValueSource(strings = {"postgresql", "mariadb"})
  void aKilledDatabaseMeansErrorsThenServesAgainAfterItsRestart(String dialect)
      throws Exception {
    TestServer server;
    String url;
    if (dialect.equals("postgresql")) {
      PostgresServer pg = PostgresServer.start();
      server = pg;
      url = pg.url();
    } else {
      MariaDbServer db = MariaDbServer.start();
      server = db;
      url = db.url();
    }
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try (DatabaseCacheStore store = DatabaseStores.open(
            url + "?table=restarted&poolSize=4&timeout=2s&connectTimeout=1s");
        Cache failOpen = Larder.builder().store(store).build()) {
      AtomicBoolean stop = new AtomicBoolean();
      // the next successes and failures the test waits for
      AtomicReference<CountDownLatch> successes = new AtomicReference<>(new CountDownLatch(50));
      AtomicReference<CountDownLatch> failures =
          new AtomicReference<>(new CountDownLatch(THREADS));
      CountDownLatch running = new CountDownLatch(THREADS);
      List<Future<?>> load = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        load.add(pool.submit(() -> {
          running.countDown();
          for (long n = 0; !stop.get(); n++) {
            try {
              store.set("t" + thread + ":" + (n % 100), "v".getBytes(), 0);
              store.incr("count", 1, 0);
              successes.get().countDown();
            } catch (CacheException e) {
              failures.get().countDown(); // the only kind of failure allowed
            }
          }
          return null;
        }));
      }
      running.await();
      await(successes.get());

      server.kill();
      await(failures.get());
      assertThatThrownBy(() -> store.get("t0:1")).isInstanceOf(CacheException.class);
      assertThat(failOpen.get("anything", String.class)).isNull(); // a miss, not an error

      successes.set(new CountDownLatch(50));
      server.restart();
      await(successes.get());
      stop.set(true);
      for (Future<?> f : load) {
        f.get(30, TimeUnit.SECONDS); // no thread died of anything but a CacheException
      }
      failOpen.set("after", "restart");
      assertThat(failOpen.get("after", String.class)).isEqualTo("restart");
    } finally {
      pool.shutdownNow();
      server.stop();
    }
  }

  private static void await(CountDownLatch latch) throws InterruptedException {
    assertThat(latch.await(60, TimeUnit.SECONDS)).as("the load went on").isTrue();
  }
}

package io.larder.memcached;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.Cache;
import io.larder.Larder;
import io.larder.internal.sharding.ShardedStore;
import io.larder.testkit.MemcachedServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Failover of a {@code memcached://} pool of three servers under load: one server is killed
 * while 16 threads read and write through a fail-open cache, then restarted.
 */
class MemcachedFailoverIT {
  private static final int KEYS = 600;
  private final List<MemcachedServer> servers = new ArrayList<>();
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : opened) {
      c.close();
    }
    servers.forEach(MemcachedServer::stop);
  }

  private static void eventually(String what, BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  @Test
  void aKilledServerIsEjectedWithoutErrorPagesAndRejoinsWhenRestarted() throws Exception {
    MemcachedServer.Builder builder = MemcachedServer.builder();
    for (int i = 0; i < 3; i++) {
      servers.add(builder.start());
    }
    ShardedStore pool = (ShardedStore) TestStores.open(TestStores.poolUrl(servers)
        + "?timeout=5s&failureThreshold=3&retryInterval=100ms");
    opened.add(pool);
    Cache cache = Larder.builder().store(pool).build();
    opened.add(cache);
    MemcachedServer victim = servers.get(1);
    String victimName = victim.host() + ":" + victim.port();

    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < KEYS; i++) {
      values.put("key:" + i, "value " + i);
    }
    cache.setMany(values);
    List<String> victimKeys = keysOn(victim, values);
    assertThat(victimKeys).as("keys the ring placed on %s", victim).isNotEmpty()
        .hasSizeLessThan(KEYS);

    Queue<Throwable> escaped = new ConcurrentLinkedQueue<>();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong operations = new AtomicLong();
    AtomicLongArray perThread = new AtomicLongArray(16);
    ExecutorService threads = Executors.newFixedThreadPool(16);
    List<Future<?>> loops = new ArrayList<>();
    long errorsAfterEjection;
    MemcachedStore direct;
    for (int t = 0; t < 16; t++) {
      int thread = t;
      loops.add(threads.submit(() -> {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (running.get()) {
          try {
            String key = "key:" + random.nextInt(KEYS);
            if (cache.get(key, String.class) == null) {
              cache.set(key, values.get(key));
            }
            if (random.nextInt(10) == 0) {
              cache.getMany(List.of(key, "key:" + random.nextInt(KEYS)), String.class);
            }
            operations.incrementAndGet();
          } catch (Throwable e) {
            escaped.add(e);
          }
          perThread.incrementAndGet(thread);
        }
      }));
    }
    try {
      long before = operations.get();
      eventually("the loop running", () -> operations.get() > before + 1_000);

      victim.kill();
      // the pool's own state says when it has ejected the server
      eventually("the pool ejecting " + victimName, () -> !pool.liveServers().contains(victimName));
      assertThat(pool.liveServers()).hasSize(2);
      // every thread finishes the call it had under way (which may still have gone to the
      // victim) before the failures are counted
      long[] atEjection = new long[16];
      for (int t = 0; t < 16; t++) {
        atEjection[t] = perThread.get(t);
      }
      eventually("every thread past its call under way", () -> {
        for (int t = 0; t < 16; t++) {
          if (perThread.get(t) < atEjection[t] + 2) {
            return false;
          }
        }
        return true;
      });
      errorsAfterEjection = cache.stats().storeErrors();
      assertThat(errorsAfterEjection).as("failures before the ejection").isPositive();

      victim.restart();
      direct = MemcachedStores.builder(victim.host(), victim.port())
          .timeout(Duration.ofSeconds(5)).build();
      opened.add(direct);
      eventually("the pool taking " + victimName + " back", () -> pool.liveServers().contains(victimName));
      // once it rejoined, its keys are written to it and read from it again
      eventually("the restarted server holding its keys again", () -> {
        for (String key : victimKeys) {
          cache.set(key, values.get(key));
        }
        return direct.getMany(victimKeys).size() == victimKeys.size();
      });
      long ops = operations.get();
      eventually("the loop running after the rejoin", () -> operations.get() > ops + 1_000);
    } finally {
      running.set(false);
      for (Future<?> loop : loops) {
        loop.get(30, TimeUnit.SECONDS);
      }
      threads.shutdownNow();
    }
    assertThat(escaped).as("exceptions that reached the caller").isEmpty();
    assertThat(cache.stats().storeErrors()).as("no failures after the ejection")
        .isEqualTo(errorsAfterEjection);
    // with the loop stopped: what the pool reads for those keys comes from the restarted server
    direct.deleteMany(victimKeys);
    assertThat(cache.getMany(victimKeys, String.class)).isEmpty();
    direct.set(victimKeys.get(0), "from the restarted server".getBytes(), 0);
    assertThat(cache.get(victimKeys.get(0), String.class)).isEqualTo("from the restarted server");
  }

  /** The keys a server holds, read from it directly. */
  private List<String> keysOn(MemcachedServer server, Map<String, String> values) {
    try (MemcachedStore direct = MemcachedStores.builder(server.host(), server.port())
        .timeout(Duration.ofSeconds(5)).build()) {
      return new ArrayList<>(direct.getMany(values.keySet()).keySet());
    }
  }
}

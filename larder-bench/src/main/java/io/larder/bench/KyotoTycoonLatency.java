package io.larder.bench;

import io.larder.Cache;
import io.larder.Codec;
import io.larder.Larder;
import io.larder.kyototycoon.KyotoTycoonStores;
import io.larder.spi.Store;
import io.larder.testkit.KyotoTycoonServer;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * How long each store call takes against a real Kyoto Tycoon server under the store contract's
 * concurrent workloads (16 threads of 10,000 {@code incr}, 16 threads of 200 {@code update}),
 * with a 60 s timeout so that nothing fails: the measurement behind the store's default
 * timeout ({@code docs/kyototycoon.md}). Run it while the machine is busy:
 *
 * <pre>
 * java -cp larder-bench/target/larder-bench-0.1.0-SNAPSHOT-all.jar \
 *     io.larder.bench.KyotoTycoonLatency 10
 * </pre>
 *
 * <p>It prints, per store method, the median, tail percentiles and maximum, and the load
 * average after each round. The {@code ktserver} is found as the tests find it.
 */
public final class KyotoTycoonLatency {
  private static final int THREADS = 16;

  private KyotoTycoonLatency() {}

  /**
   * Runs the workloads for a number of rounds and prints the latencies.
   *
   * @param args the number of rounds, 3 by default
   * @throws Exception if the server cannot start or a call fails
   */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    Map<String, ConcurrentLinkedQueue<Long>> nanos = new ConcurrentHashMap<>();
    try (KyotoTycoonServer kt = KyotoTycoonServer.start();
         Store store = KyotoTycoonStores.builder(kt.host(), kt.port()).db(1)
             .timeout(Duration.ofSeconds(60)).build()) {
      System.out.println("Kyoto Tycoon " + kt.version() + " from " + kt.executable());
      Store timed = timed(store, nanos);
      for (int r = 1; r <= rounds; r++) {
        try (Cache cache = Larder.builder().store(timed).prefix("latency" + r).failOpen(false)
            .build()) {
          runConcurrently(() -> {
            for (int n = 0; n < 10_000; n++) {
              cache.incr("hits");
            }
          });
          check("hits", THREADS * 10_000L, cache.get("hits", Long.class));
          runConcurrently(() -> {
            for (int n = 0; n < 200; n++) {
              cache.update("counter", Codec.utf8(),
                  v -> Long.toString(v == null ? 1 : Long.parseLong(v) + 1));
            }
          });
          check("counter", THREADS * 200L, cache.get("counter", Long.class));
          cache.clear();
        }
        System.out.println("round " + r + " of " + rounds + ", load average " + loadAverage());
      }
    }
    List<Long> all = new ArrayList<>();
    for (Map.Entry<String, ConcurrentLinkedQueue<Long>> e : new TreeMap<>(nanos).entrySet()) {
      List<Long> times = new ArrayList<>(e.getValue());
      all.addAll(times);
      print(e.getKey(), times);
    }
    print("(every call)", all);
  }

  /**
   * Wraps a store so that every call's duration is recorded by method name. A proxy rather
   * than an adapter, so that the measurement follows the SPI as it grows.
   */
  private static Store timed(Store store, Map<String, ConcurrentLinkedQueue<Long>> nanos) {
    return (Store) Proxy.newProxyInstance(Store.class.getClassLoader(),
        new Class<?>[] {Store.class}, (proxy, method, args) -> {
          long t0 = System.nanoTime();
          try {
            return method.invoke(store, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          } finally {
            nanos.computeIfAbsent(method.getName(), k -> new ConcurrentLinkedQueue<>())
                .add(System.nanoTime() - t0);
          }
        });
  }

  private static void check(String key, long expected, Long actual) {
    if (actual == null || actual != expected) {
      throw new IllegalStateException(key + " is " + actual + ", expected " + expected);
    }
  }

  private static void runConcurrently(Runnable task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      CyclicBarrier start = new CyclicBarrier(THREADS);
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < THREADS; i++) {
        done.add(pool.submit(() -> {
          start.await();
          task.run();
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  private static void print(String name, List<Long> times) {
    if (times.size() < 100) {
      return; // clear, get and the like: a handful of calls, no tail to speak of
    }
    Collections.sort(times);
    int n = times.size();
    System.out.printf(Locale.ROOT,
        "%-16s %9d calls  p50 %7.2f  p99 %7.2f  p99.9 %7.2f  p99.99 %7.2f  max %7.2f ms%n",
        name, n, ms(times, 0.5), ms(times, 0.99), ms(times, 0.999), ms(times, 0.9999),
        times.get(n - 1) / 1e6);
  }

  private static double ms(List<Long> sorted, double quantile) {
    return sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * quantile))) / 1e6;
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }
}

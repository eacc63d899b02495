package io.larder.bench;

import io.larder.Cache;
import io.larder.Larder;
import io.larder.memcached.MemcachedStore;
import io.larder.memcached.MemcachedStores;
import io.larder.testkit.MemcachedServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import net.rubyeye.xmemcached.MemcachedClient;
import net.rubyeye.xmemcached.XMemcachedClientBuilder;
import net.rubyeye.xmemcached.impl.KetamaMemcachedSessionLocator;
import net.rubyeye.xmemcached.utils.AddrUtil;

/**
 * Larder's memcached store beside XMemcached 2.4.9 on the same work, in one run: {@code get},
 * {@code set} and {@code getMany(100)} of 1 kB values at 1 and 16 threads, against a
 * memcached it starts on loopback.
 *
 * <p>Three clients: Larder's {@code Cache} (what applications use: key checks, envelope, codec,
 * stats), Larder's {@link MemcachedStore} alone (the meta-protocol client, bytes in and out),
 * and XMemcached with its Ketama session locator, one connection, text protocol, byte-array
 * values. All three wait up to 5 s for a reply, so that a pause of the machine fails no call. Each has its own 1,000 preloaded keys. Each round measures every (operation,
 * threads) pair for every client, in an order that rotates from round to round so that drift
 * in the machine's speed hits all alike; the table gives the median of the rounds and the
 * ratio of the medians, Larder's cache over XMemcached.
 *
 * <pre>
 * mvn -q -o install -DskipTests -pl larder-core,larder-testkit,larder-memcached
 * mvn -q -o compile dependency:build-classpath -Dmdep.outputFile=cp.txt -pl larder-bench
 * java -cp larder-bench/target/classes:$(cat larder-bench/cp.txt) \
 *     io.larder.bench.MemcachedVsXMemcached [rounds] [millisPerMeasurement]
 * </pre>
 */
public final class MemcachedVsXMemcached {
  private static final int KEYS = 1_000;
  private static final int VALUE_BYTES = 1_024;
  private static final int BATCH = 100;
  private static final String[] CLIENTS = {"Larder cache", "Larder store", "XMemcached"};

  private MemcachedVsXMemcached() {}

  /** One operation, run by a client on one thread; throws on failure. */
  @FunctionalInterface
  private interface Work {
    void run(ThreadLocalRandom random) throws Exception;
  }

  /** One operation as each client does it, in {@link #CLIENTS} order. */
  private record Op(String name, Work... byClient) {}

  /**
   * Runs the benchmark and prints the table.
   *
   * @param args optionally the number of rounds (default 5) and the milliseconds of each
   *     measurement (default 1000)
   * @throws Exception if the server cannot start or a client fails
   */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    long millis = args.length > 1 ? Long.parseLong(args[1]) : 1_000;
    int[] threadCounts = {1, 16};

    try (MemcachedServer server = MemcachedServer.builder().args("-m", "256").start();
         MemcachedStore store = MemcachedStores.builder(server.host(), server.port())
             .timeout(Duration.ofSeconds(5)).build();
         Cache cache = Larder.open(server.url() + "?failOpen=false&timeout=5s")) {
      XMemcachedClientBuilder builder =
          new XMemcachedClientBuilder(AddrUtil.getAddresses(server.host() + ":" + server.port()));
      builder.setSessionLocator(new KetamaMemcachedSessionLocator());
      builder.setConnectionPoolSize(1);
      MemcachedClient xmemcached = builder.build();
      xmemcached.setOpTimeout(5_000);
      try {
        byte[] value = new byte[VALUE_BYTES];
        Arrays.fill(value, (byte) 'x');
        List<String> cacheKeys = keys("cache:");
        List<String> storeKeys = keys("store:");
        List<String> xmcKeys = keys("xmc:");
        Map<String, Object> forCache = new LinkedHashMap<>();
        Map<String, byte[]> forStore = new LinkedHashMap<>();
        for (int i = 0; i < KEYS; i++) {
          forCache.put(cacheKeys.get(i), value);
          forStore.put(storeKeys.get(i), value);
          xmemcached.set(xmcKeys.get(i), 0, value);
        }
        cache.setMany(forCache);
        store.setMany(forStore, 0);

        List<Op> ops = List.of(
            new Op("get 1kB",
                r -> require(cache.get(cacheKeys.get(r.nextInt(KEYS)), byte[].class)),
                r -> require(store.get(storeKeys.get(r.nextInt(KEYS)))),
                r -> require(xmemcached.<byte[]>get(xmcKeys.get(r.nextInt(KEYS))))),
            new Op("set 1kB",
                r -> cache.set(cacheKeys.get(r.nextInt(KEYS)), value),
                r -> store.set(storeKeys.get(r.nextInt(KEYS)), value, 0),
                r -> {
                  if (!xmemcached.set(xmcKeys.get(r.nextInt(KEYS)), 0, value)) {
                    throw new IllegalStateException("XMemcached set failed");
                  }
                }),
            new Op("getMany(100) 1kB",
                r -> requireAll(cache.getMany(batch(cacheKeys, r), byte[].class)),
                r -> requireAll(store.getMany(batch(storeKeys, r))),
                r -> requireAll(xmemcached.<byte[]>get(batch(xmcKeys, r)))));

        System.out.printf(Locale.ROOT, "memcached %s on loopback, %d rounds of %d ms per"
            + " measurement, %d cores%n", xmemcached.getVersions().values().iterator().next(),
            rounds, millis, Runtime.getRuntime().availableProcessors());
        Map<String, List<double[]>> results = new LinkedHashMap<>();
        for (int round = -1; round < rounds; round++) { // round -1 warms up, uncounted
          for (Op op : ops) {
            for (int threads : threadCounts) {
              double[] opsPerSecond = new double[CLIENTS.length];
              for (int i = 0; i < CLIENTS.length; i++) {
                int client = Math.floorMod(i + round, CLIENTS.length);
                opsPerSecond[client] = measure(op.byClient()[client], threads, millis);
              }
              if (round >= 0) {
                results.computeIfAbsent(op.name() + "|" + threads, k -> new ArrayList<>())
                    .add(opsPerSecond);
              }
            }
          }
        }
        System.out.printf(Locale.ROOT, "%-18s %7s %14s %14s %14s %8s%n", "operation", "threads",
            "Larder cache/s", "Larder store/s", "XMemcached/s", "ratio");
        for (Map.Entry<String, List<double[]>> e : results.entrySet()) {
          String[] parts = e.getKey().split("\\|");
          double larder = median(e.getValue(), 0);
          double larderStore = median(e.getValue(), 1);
          double xmc = median(e.getValue(), 2);
          System.out.printf(Locale.ROOT, "%-18s %7s %,14.0f %,14.0f %,14.0f %8.2f%n", parts[0],
              parts[1], larder, larderStore, xmc, larder / xmc);
        }
        System.out.println("ratio = Larder cache / XMemcached. getMany(100) counts calls: "
            + "multiply by 100 for keys per second.");
      } finally {
        xmemcached.shutdown();
      }
    }
  }

  private static List<String> keys(String prefix) {
    List<String> keys = new ArrayList<>(KEYS);
    for (int i = 0; i < KEYS; i++) {
      keys.add(prefix + i);
    }
    return Collections.unmodifiableList(keys);
  }

  private static List<String> batch(List<String> keys, ThreadLocalRandom random) {
    int from = random.nextInt(KEYS - BATCH);
    return keys.subList(from, from + BATCH);
  }

  private static void require(Object value) {
    if (value == null) {
      throw new IllegalStateException("a preloaded key read as missing");
    }
  }

  private static void requireAll(Map<String, ?> found) {
    if (found == null || found.size() != BATCH) {
      throw new IllegalStateException("getMany missed keys");
    }
  }

  /** Runs {@code work} on {@code threads} threads for {@code millis}; returns calls per second. */
  private static double measure(Work work, int threads, long millis) throws InterruptedException {
    LongAdder calls = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch start = new CountDownLatch(1);
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread worker = new Thread(() -> {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        try {
          start.await();
          while (!stop.get()) {
            work.run(random);
            calls.increment();
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      worker.start();
      workers.add(worker);
    }
    long began = System.nanoTime();
    start.countDown();
    Thread.sleep(millis);
    stop.set(true);
    for (Thread w : workers) {
      w.join();
    }
    long elapsed = System.nanoTime() - began;
    if (!failures.isEmpty()) {
      throw new IllegalStateException("a benchmark thread failed", failures.get(0));
    }
    return calls.sum() * 1e9 / elapsed;
  }

  private static double median(List<double[]> rounds, int column) {
    double[] values = rounds.stream().mapToDouble(r -> r[column]).sorted().toArray();
    int n = values.length;
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }
}

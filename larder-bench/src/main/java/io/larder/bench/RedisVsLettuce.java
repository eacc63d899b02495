package io.larder.bench;

import io.larder.Cache;
import io.larder.Larder;
import io.larder.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Larder's Redis store beside raw Lettuce on the same work, in one run: {@code get},
 * {@code set} and {@code getMany(100)} of 1 kB values at 1 and 16 threads, against a
 * redis-server it starts on loopback.
 *
 * <p>Each round measures every (operation, threads) pair for Larder and for Lettuce, the two
 * in alternating order from round to round, so that drift in the machine's speed hits both
 * alike; the table gives the median of the rounds and the ratio of the medians. Larder runs
 * fail-closed, so that an error cannot pass for speed, with timeouts as long as raw
 * Lettuce's; raw Lettuce shares one connection among the threads with the synchronous API,
 * as Larder does.
 *
 * <pre>
 * mvn -q -o install -DskipTests -pl larder-core,larder-testkit,larder-redis
 * mvn -q -o compile dependency:build-classpath -Dmdep.outputFile=cp.txt -pl larder-bench
 * java -cp larder-bench/target/classes:$(cat larder-bench/cp.txt) \
 *     io.larder.bench.RedisVsLettuce [rounds] [millisPerMeasurement]
 * </pre>
 */
public final class RedisVsLettuce {
  private static final int KEYS = 1_000;
  private static final int VALUE_BYTES = 1_024;
  private static final int BATCH = 100;

  private RedisVsLettuce() {}

  /** One operation, run by a client on one thread; returns nothing, throws on failure. */
  @FunctionalInterface
  private interface Work {
    void run(ThreadLocalRandom random);
  }

  /** One operation as both clients do it. */
  private record Op(String name, Work larder, Work lettuce) {}

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

    try (RedisServer redis = RedisServer.builder()
        .args("--maxmemory", "512mb", "--maxmemory-policy", "allkeys-lru").start();
        // generous timeouts, as raw Lettuce's 60 s: this measures throughput, not timeouts
        Cache cache = Larder.open(redis.url()
            + "?prefix=bench&failOpen=false&timeout=10s&writeTimeout=10s")) {
      RedisClient client = RedisClient.create(redis.url());
      try (StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
        RedisCommands<byte[], byte[]> lettuce = connection.sync();
        byte[] value = new byte[VALUE_BYTES];
        Arrays.fill(value, (byte) 'x');
        String[] keys = new String[KEYS];
        byte[][] rawKeys = new byte[KEYS][];
        for (int i = 0; i < KEYS; i++) {
          keys[i] = "k" + i;
          // the key Larder stores under prefix "bench", so both read the same entries
          rawKeys[i] = ("~bench::k" + i).getBytes(StandardCharsets.UTF_8);
        }
        Map<String, Object> all = new LinkedHashMap<>();
        for (String k : keys) {
          all.put(k, value);
        }
        cache.setMany(all);

        List<Op> ops = List.of(
            new Op("get 1kB",
                r -> require(cache.get(keys[r.nextInt(KEYS)], byte[].class)),
                r -> require(lettuce.get(rawKeys[r.nextInt(KEYS)]))),
            new Op("set 1kB",
                r -> cache.set(keys[r.nextInt(KEYS)], value),
                r -> lettuce.set(rawKeys[r.nextInt(KEYS)], value)),
            new Op("getMany(100) 1kB",
                r -> {
                  int from = r.nextInt(KEYS - BATCH);
                  if (cache.getMany(Arrays.asList(keys).subList(from, from + BATCH), byte[].class)
                      .size() != BATCH) {
                    throw new IllegalStateException("getMany missed keys");
                  }
                },
                r -> {
                  int from = r.nextInt(KEYS - BATCH);
                  if (lettuce.mget(Arrays.copyOfRange(rawKeys, from, from + BATCH)).size() != BATCH) {
                    throw new IllegalStateException("MGET missed keys");
                  }
                }));

        System.out.printf(Locale.ROOT, "redis-server %s on loopback, %d rounds of %d ms per"
            + " measurement, %d cores%n", redisVersion(lettuce), rounds, millis,
            Runtime.getRuntime().availableProcessors());
        // warm-up round, not counted: JIT, connections, script cache
        Map<String, List<double[]>> results = new LinkedHashMap<>();
        for (int round = -1; round < rounds; round++) {
          for (Op op : ops) {
            for (int threads : threadCounts) {
              boolean larderFirst = round % 2 == 0;
              double first = measure(larderFirst ? op.larder() : op.lettuce(), threads, millis);
              double second = measure(larderFirst ? op.lettuce() : op.larder(), threads, millis);
              if (round >= 0) {
                results.computeIfAbsent(op.name() + "|" + threads, k -> new ArrayList<>())
                    .add(larderFirst ? new double[] {first, second} : new double[] {second, first});
              }
            }
          }
        }
        System.out.printf(Locale.ROOT, "%-18s %7s %14s %14s %8s%n", "operation", "threads",
            "Larder ops/s", "Lettuce ops/s", "ratio");
        for (Map.Entry<String, List<double[]>> e : results.entrySet()) {
          String[] parts = e.getKey().split("\\|");
          double larder = median(e.getValue(), 0);
          double raw = median(e.getValue(), 1);
          System.out.printf(Locale.ROOT, "%-18s %7s %,14.0f %,14.0f %8.2f%n", parts[0], parts[1],
              larder, raw, larder / raw);
        }
        System.out.println("getMany(100) counts calls: multiply by 100 for keys per second.");
        cache.clear();
      } finally {
        client.shutdown();
      }
    }
  }

  private static void require(Object value) {
    if (value == null) {
      throw new IllegalStateException("a preloaded key read as missing");
    }
  }

  /** Runs {@code work} on {@code threads} threads for {@code millis} and returns calls per second. */
  private static double measure(Work work, int threads, long millis) throws InterruptedException {
    LongAdder calls = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch start = new CountDownLatch(1);
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
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

  private static String redisVersion(RedisCommands<byte[], byte[]> lettuce) {
    for (String line : lettuce.info("server").split("\r?\n")) {
      if (line.startsWith("redis_version:")) {
        return line.substring("redis_version:".length());
      }
    }
    return "?";
  }
}

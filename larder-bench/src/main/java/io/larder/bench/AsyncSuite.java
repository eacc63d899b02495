package io.larder.bench;

import io.larder.AsyncCache;
import io.larder.Cache;
import io.larder.Larder;
import io.larder.testkit.KyotoTycoonServer;
import io.larder.testkit.MemcachedServer;
import io.larder.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import net.rubyeye.xmemcached.MemcachedClient;

/**
 * {@code async}: Larder's {@code AsyncCache} on the stores' native asynchronous calls.
 * <ul>
 *   <li>10,000 {@code get}s of 1 kB values kept in flight from 16 threads, on Redis beside
 *       Lettuce's async API on its own connection, and on memcached beside XMemcached (which
 *       has no asynchronous get: its 16 threads each wait for their call);</li>
 *   <li>the same on Kyoto Tycoon beside the same cache's blocking get from 16 threads
 *       (skipped without a {@code ktserver});</li>
 *   <li>10,000 {@code getOrCompute} calls at once on distinct keys on Redis, each loader
 *       completing after 20 ms without a thread: the peak number of live threads and the time
 *       until all are done, beside the blocking {@code getOrCompute} on a pool of 200
 *       threads.</li>
 * </ul>
 * A {@code --quick} run keeps 1,000 calls in flight and computes 1,000 keys: it checks the
 * cases run and read right, it does not measure them.
 */
final class AsyncSuite implements Suite {
  private static final int KEYS = 1_000;
  private static final int IN_FLIGHT = 10_000;
  private static final int THREADS = 16;
  private static final int COMPUTES = 10_000;
  /** Calls in flight and computations of a {@code --quick} run, which checks, not measures. */
  private static final int QUICK = 1_000;
  private static final int BLOCKING_POOL = 200;

  @Override
  public String name() {
    return "async";
  }

  @Override
  public List<Result> run(Harness.Settings settings) throws Exception {
    int window = settings.quick() ? QUICK : IN_FLIGHT;
    List<Result> results = new ArrayList<>();
    byte[] value = Harness.value(1_024);
    List<String> keys = MemcachedSuite.keys("k");
    Map<String, Object> entries = new LinkedHashMap<>();
    keys.forEach(k -> entries.put(k, value));
    try (RedisServer redis = RedisServer.builder()
            .args("--maxmemory", "512mb", "--maxmemory-policy", "allkeys-lru").start();
        Cache cache = Larder.open(redis.url()
            + "?prefix=bench&failOpen=false&timeout=10s&writeTimeout=10s")) {
      cache.setMany(entries);
      RedisClient client = RedisClient.create(redis.url());
      try (StatefulRedisConnection<byte[], byte[]> connection =
               client.connect(ByteArrayCodec.INSTANCE)) {
        RedisAsyncCommands<byte[], byte[]> lettuce = connection.async();
        List<byte[]> rawKeys = new ArrayList<>();
        for (String k : keys) {
          rawKeys.add(("raw:" + k).getBytes(StandardCharsets.UTF_8));
          connection.sync().set(rawKeys.get(rawKeys.size() - 1), value);
        }
        AsyncCache async = cache.async();
        Map<String, Harness.Timed<InterruptedException>> contenders = new LinkedHashMap<>();
        contenders.put("larder", millis -> inFlight(millis, window, r ->
            async.get(keys.get(r.nextInt(KEYS)), byte[].class)
                .thenAccept(v -> Harness.require(v, value))));
        contenders.put("lettuce", millis -> inFlight(millis, window, r ->
            lettuce.get(rawKeys.get(r.nextInt(KEYS))).thenAccept(v -> Harness.require(v, value))));
        Harness.Measurement m = Harness.rounds(settings, contenders);
        results.add(m.rate("Redis get 1kB, " + count(window) + " in flight, 16 thr",
            "larder", "lettuce", "Lettuce 6.8 async", "ops/s"));
      } finally {
        client.shutdown();
      }
      computes(results, cache, value, settings.quick() ? QUICK : COMPUTES);
    }
    try (MemcachedServer server = MemcachedServer.builder().args("-m", "256").start();
         Cache cache = Larder.open(server.url() + "?failOpen=false&timeout=10s")) {
      cache.setMany(entries);
      MemcachedClient xmc = MemcachedSuite.xmemcached(MemcachedSuite.hostPort(server));
      try {
        List<String> xmcKeys = MemcachedSuite.keys("xmc:");
        for (String k : xmcKeys) {
          xmc.set(k, 0, value);
        }
        AsyncCache async = cache.async();
        Map<String, Harness.Timed<InterruptedException>> contenders = new LinkedHashMap<>();
        contenders.put("larder", millis -> inFlight(millis, window, r ->
            async.get(keys.get(r.nextInt(KEYS)), byte[].class)
                .thenAccept(v -> Harness.require(v, value))));
        contenders.put("xmc", millis -> Harness.measure(
            r -> Harness.require(xmc.<byte[]>get(xmcKeys.get(r.nextInt(KEYS))), value),
            THREADS, millis));
        Harness.Measurement m = Harness.rounds(settings, contenders);
        results.add(m.rate("memcached get 1kB, " + count(window) + " in flight, 16 thr",
            "larder", "xmc", "XMemcached 2.4.9, 16 blocking thr", "ops/s"));
      } finally {
        xmc.shutdown();
      }
    }
    kyotoTycoon(results, settings, window, entries, keys, value);
    return results;
  }

  /**
   * Kyoto Tycoon's native asynchronous get (binary protocol, merged) beside the same cache's
   * blocking get from 16 threads; there is no asynchronous Java client for it to compare with.
   */
  private static void kyotoTycoon(List<Result> out, Harness.Settings settings, int window,
      Map<String, Object> entries, List<String> keys, byte[] value) throws Exception {
    if (KyotoTycoonServer.locate().isEmpty()) {
      System.err.println("async: Kyoto Tycoon case skipped: no ktserver found");
      return;
    }
    try (KyotoTycoonServer kt = KyotoTycoonServer.start();
         Cache cache = Larder.open(kt.url() + "?failOpen=false&timeout=10s")) {
      cache.setMany(entries);
      AsyncCache async = cache.async();
      Map<String, Harness.Timed<InterruptedException>> contenders = new LinkedHashMap<>();
      contenders.put("larder", millis -> inFlight(millis, window, r ->
          async.get(keys.get(r.nextInt(KEYS)), byte[].class)
              .thenAccept(v -> Harness.require(v, value))));
      contenders.put("blocking", millis -> Harness.measure(
          r -> Harness.require(cache.get(keys.get(r.nextInt(KEYS)), byte[].class), value),
          THREADS, millis));
      Harness.Measurement m = Harness.rounds(settings, contenders);
      out.add(m.rate("Kyoto Tycoon get 1kB, " + count(window) + " in flight, 16 thr",
          "larder", "blocking", "Larder's blocking get, 16 thr", "ops/s"));
    }
  }

  /**
   * Keeps {@code calls} calls outstanding, sent by {@link #THREADS} threads, for about
   * {@code millis}; a sender waits only when the window is full.
   *
   * @return calls completed per second
   */
  static double inFlight(long millis, int calls,
      Function<ThreadLocalRandom, CompletionStage<?>> call) throws InterruptedException {
    Semaphore window = new Semaphore(calls);
    LongAdder done = new LongAdder();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> senders = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      Thread sender = new Thread(() -> {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        try {
          while (!stop.get() && failure.get() == null) {
            window.acquire();
            call.apply(random).whenComplete((v, e) -> {
              if (e != null) {
                failure.compareAndSet(null, e);
              } else {
                done.increment();
              }
              window.release();
            });
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
          failure.compareAndSet(null, e);
        }
      }, "async-sender-" + t);
      sender.start();
      senders.add(sender);
    }
    long began = System.nanoTime();
    Thread.sleep(millis);
    long completed = done.sum();
    long elapsed = System.nanoTime() - began;
    stop.set(true);
    for (Thread s : senders) {
      s.join();
    }
    // let what is still in flight land before the next contender runs
    if (!window.tryAcquire(calls, 60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("calls still in flight after 60 s");
    }
    if (failure.get() != null) {
      throw new IllegalStateException("an asynchronous call failed", failure.get());
    }
    return completed * 1e9 / elapsed;
  }

  /**
   * 10,000 getOrCompute calls on distinct keys at once, each loader done after 20 ms: the
   * asynchronous ones with a timer, the blocking ones sleeping on a pool. Each side runs a
   * tenth of the calls first, unmeasured, so neither is timed while its code is still
   * interpreted.
   */
  private static void computes(List<Result> out, Cache cache, byte[] value, int computes)
      throws Exception {
    String run = Long.toString(System.nanoTime());
    asyncComputes(cache, value, computes / 10, "warm:" + run);
    double[] async = asyncComputes(cache, value, computes, run);
    blockingComputes(cache, value, computes / 10, "warm:" + run);
    double[] blocking = blockingComputes(cache, value, computes, run);
    String peer = "blocking getOrCompute, " + BLOCKING_POOL + "-thread pool";
    out.add(new Result("getOrCompute x" + count(computes) + ", 20 ms loader: peak threads",
        async[1], blocking[1], peer, "threads", false, "JVM-wide peak live threads"));
    out.add(Result.cost("getOrCompute x" + count(computes) + ", 20 ms loader: all done",
        async[0], blocking[0], peer, "ms"));
  }

  /** The asynchronous calls: milliseconds until all are done, and the peak live threads. */
  private static double[] asyncComputes(Cache cache, byte[] value, int computes, String run)
      throws Exception {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    // completed on the JDK's delay thread itself: without an executor, delayedExecutor hands
    // each completion to the common pool, which with parallelism 1 (2 cores) is a new thread
    // per task -- 10,000 thread starts, one at a time on the delay thread, were what the case
    // measured (7-20 s, and most of its peak threads), not the cache
    Executor in20ms = CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS, Runnable::run);
    AsyncCache async = cache.async();
    threads.resetPeakThreadCount();
    long began = System.nanoTime();
    List<CompletableFuture<byte[]>> all = new ArrayList<>(computes);
    for (int i = 0; i < computes; i++) {
      all.add(async.getOrCompute("goc:" + run + ":" + i, byte[].class, Duration.ofMinutes(5),
          k -> CompletableFuture.supplyAsync(() -> value, in20ms)));
    }
    for (CompletableFuture<byte[]> f : all) {
      Harness.require(f.get(60, TimeUnit.SECONDS), value);
    }
    return new double[] {(System.nanoTime() - began) / 1e6, threads.getPeakThreadCount()};
  }

  /** The blocking calls on a pool: milliseconds until all are done, and the peak threads. */
  private static double[] blockingComputes(Cache cache, byte[] value, int computes, String run)
      throws Exception {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    ExecutorService pool = Executors.newFixedThreadPool(BLOCKING_POOL);
    long began;
    try {
      threads.resetPeakThreadCount();
      began = System.nanoTime();
      List<Future<byte[]>> blocking = new ArrayList<>(computes);
      for (int i = 0; i < computes; i++) {
        String key = "gocb:" + run + ":" + i;
        blocking.add(pool.submit(() -> cache.getOrCompute(key, byte[].class,
            Duration.ofMinutes(5), () -> {
              try {
                Thread.sleep(20);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
              }
              return value;
            })));
      }
      for (Future<byte[]> f : blocking) {
        Harness.require(f.get(120, TimeUnit.SECONDS), value);
      }
    } finally {
      pool.shutdown();
    }
    double millis = (System.nanoTime() - began) / 1e6;
    int peak = threads.getPeakThreadCount();
    // gone before the next run counts its threads
    if (!pool.awaitTermination(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the blocking pool did not stop");
    }
    return new double[] {millis, peak};
  }

  private static String count(int n) {
    return String.format("%,d", n);
  }
}

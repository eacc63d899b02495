package io.larder.bench;

import io.larder.Cache;
import io.larder.Freshness;
import io.larder.Larder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code stampede}: 256 threads read one hot key that expires every 100 ms; the loader takes
 * 20 ms (a slow query). Each thread reads, then pauses 1 ms (a request's other work), in a
 * loop. Larder's {@code getOrCompute} (single flight in this JVM, plus XFetch early refresh)
 * beside a naive get, compute on miss, set, on the same {@code mem:} cache: single flight on vs
 * off. A third contender, {@code getOrCompute} with XFetch turned off ({@code earlyRecompute(0)}),
 * separates single flight from early refresh. Reported: loader calls per second and the p99
 * latency of a read, both lower is better. The three run interleaved in rounds.
 */
final class StampedeSuite implements Suite {
  private static final int THREADS = 256;
  private static final Duration TTL = Duration.ofMillis(100);
  private static final long LOADER_MILLIS = 20;
  private static final AtomicInteger RUN = new AtomicInteger();

  @Override
  public String name() {
    return "stampede";
  }

  /** Reads the hot key once, as one of the two contenders. */
  @FunctionalInterface
  private interface Reader {
    String read(Cache cache, String key, Runnable countLoad);
  }

  @Override
  public List<Result> run(Harness.Settings settings) throws Exception {
    long millis = settings.quick() ? 400 : 2_000;
    Reader singleFlight = (cache, key, count) ->
        cache.getOrCompute(key, String.class, TTL, () -> load(count));
    Reader naive = (cache, key, count) -> {
      String v = cache.get(key, String.class);
      if (v == null) {
        v = load(count);
        cache.set(key, v, TTL);
      }
      return v;
    };
    Freshness noEarly = Freshness.of(TTL).earlyRecompute(0);
    Reader singleFlightOnly = (cache, key, count) ->
        cache.getOrCompute(key, String.class, noEarly, () -> load(count));
    Reader[] readers = {singleFlight, singleFlightOnly, naive};
    List<List<Double>> loads = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    List<List<Double>> p99s = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    try (Cache cache = Larder.open("mem:")) {
      for (int round = -1; round < settings.rounds(); round++) { // round -1 warms up
        for (int i = 0; i < readers.length; i++) {
          int who = Math.floorMod(i + round, readers.length);
          double[] r = runOnce(cache, readers[who], millis);
          if (round >= 0) {
            loads.get(who).add(r[0]);
            p99s.get(who).add(r[1]);
          }
        }
      }
    }
    String naiveName = "naive get/compute/set";
    double naiveLoads = Harness.median(loads.get(2));
    double naiveP99 = Harness.median(p99s.get(2));
    return List.of(
        Result.cost("hot key, 256 thr: loader calls", Harness.median(loads.get(0)),
            naiveLoads, naiveName, "calls/s"),
        Result.cost("hot key, 256 thr: p99 read latency", Harness.median(p99s.get(0)),
            naiveP99, naiveName, "ms"),
        Result.cost("same, XFetch off (beta 0): loader calls", Harness.median(loads.get(1)),
            naiveLoads, naiveName, "calls/s"),
        Result.cost("same, XFetch off (beta 0): p99 latency", Harness.median(p99s.get(1)),
            naiveP99, naiveName, "ms"));
  }

  private static String load(Runnable count) {
    count.run();
    try {
      Thread.sleep(LOADER_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    return "fragment";
  }

  /** Returns {loader calls per second, p99 read latency in ms}. */
  private static double[] runOnce(Cache cache, Reader reader, long millis)
      throws InterruptedException {
    String key = "hot" + RUN.incrementAndGet(); // a fresh key: every run starts cold
    LongAdder loads = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch start = new CountDownLatch(1);
    long[][] latencies = new long[THREADS][];
    int[] counts = new int[THREADS];
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int id = t;
      Thread w = new Thread(() -> {
        long[] mine = new long[1_024];
        int n = 0;
        try {
          start.await();
          while (!stop.get()) {
            long t0 = System.nanoTime();
            if (!"fragment".equals(reader.read(cache, key, loads::increment))) {
              throw new IllegalStateException("a read of " + key + " returned something else");
            }
            Harness.checked();
            long took = System.nanoTime() - t0;
            if (n == mine.length) {
              mine = Arrays.copyOf(mine, n * 2);
            }
            mine[n++] = took;
            Thread.sleep(1);
          }
        } catch (Throwable e) {
          failures.add(e);
        }
        latencies[id] = mine;
        counts[id] = n;
      }, "stampede-" + t);
      w.start();
      workers.add(w);
    }
    long began = System.nanoTime();
    start.countDown();
    Thread.sleep(millis);
    stop.set(true);
    for (Thread w : workers) {
      w.join();
    }
    double seconds = (System.nanoTime() - began) / 1e9;
    if (!failures.isEmpty()) {
      throw new IllegalStateException("a stampede thread failed", failures.get(0));
    }
    int total = Arrays.stream(counts).sum();
    long[] all = new long[total];
    int at = 0;
    for (int t = 0; t < THREADS; t++) {
      System.arraycopy(latencies[t], 0, all, at, counts[t]);
      at += counts[t];
    }
    Arrays.sort(all);
    double p99 = all.length == 0 ? Double.NaN : all[(int) Math.min(all.length - 1,
        Math.ceil(all.length * 0.99) - 1)] / 1e6;
    return new double[] {loads.sum() / seconds, p99};
  }
}

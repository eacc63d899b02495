package io.larder.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Measures contenders on the same work, interleaved in rounds: every round runs each contender
 * once, in an order that rotates from round to round, so that drift in the machine's speed hits
 * all alike. The first round warms up and is not counted; the result is the median per
 * contender.
 */
final class Harness {
  private Harness() {}

  /** One operation, run on one thread; throws on failure (a failure aborts the run). */
  @FunctionalInterface
  interface Work {
    void run(ThreadLocalRandom random) throws Exception;
  }

  /** How long and how often to measure. */
  record Settings(int rounds, long millis, boolean quick) {
    static Settings quickRun() {
      return new Settings(3, 100, true);
    }

    static Settings fullRun() {
      return new Settings(5, 1_000, false);
    }
  }

  /**
   * Measures each named work at {@code threads} threads, interleaved in rounds.
   *
   * @return the median calls per second of each contender, by name, in the given order
   */
  static Map<String, Double> throughput(Settings settings, int threads,
      Map<String, Work> contenders) throws InterruptedException {
    Map<String, Timed<InterruptedException>> timed = new LinkedHashMap<>();
    contenders.forEach((name, work) -> timed.put(name, millis -> measure(work, threads, millis)));
    return rounds(settings, timed);
  }

  /** One measurement of a contender for about {@code millis}, in operations per second. */
  @FunctionalInterface
  interface Timed<E extends Exception> {
    double perSecond(long millis) throws E;
  }

  /**
   * Measures each contender once per round, in an order that rotates from round to round; the
   * first round warms up and is not counted. For work measured other than by {@link #measure},
   * such as an outside program.
   *
   * @return the median rate of each contender, by name, in the given order
   */
  static <E extends Exception> Map<String, Double> rounds(Settings settings,
      Map<String, Timed<E>> contenders) throws E {
    List<String> names = new ArrayList<>(contenders.keySet());
    Map<String, List<Double>> samples = new LinkedHashMap<>();
    names.forEach(n -> samples.put(n, new ArrayList<>()));
    for (int round = -1; round < settings.rounds(); round++) { // round -1 warms up
      for (int i = 0; i < names.size(); i++) {
        String name = names.get(Math.floorMod(i + round, names.size()));
        double perSecond = contenders.get(name).perSecond(settings.millis());
        if (round >= 0) {
          samples.get(name).add(perSecond);
        }
      }
    }
    Map<String, Double> medians = new LinkedHashMap<>();
    samples.forEach((n, s) -> medians.put(n, median(s)));
    return medians;
  }

  /** Runs {@code work} on {@code threads} threads for {@code millis}; returns calls per second. */
  static double measure(Work work, int threads, long millis) throws InterruptedException {
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
      }, "bench-" + t);
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

  static double median(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  /** {@code size} consecutive keys of {@code keys} from a random offset. */
  static List<String> batch(List<String> keys, ThreadLocalRandom random, int size) {
    int from = random.nextInt(keys.size() - size);
    return keys.subList(from, from + size);
  }

  /** Reads whose content was checked since {@link Bench} last reset it, for the suite running. */
  static final LongAdder CHECKED_READS = new LongAdder();

  /**
   * Checks that a read found the bytes written (a preloaded key must never read as missing,
   * nor as anything else) and counts the check.
   */
  static void require(byte[] found, byte[] expected) {
    if (found == null) {
      throw new IllegalStateException("a preloaded key read as missing");
    }
    if (!java.util.Arrays.equals(found, expected)) {
      throw new IllegalStateException("a read returned " + found.length
          + " bytes that differ from the " + expected.length + " written");
    }
    CHECKED_READS.increment();
  }

  /**
   * Checks that a bulk read found {@code size} entries and that one of them, picked at random,
   * holds the bytes written; counts the check.
   */
  static void requireSize(Map<?, ?> found, int size, byte[] expected) {
    if (found == null || found.size() != size) {
      throw new IllegalStateException("a bulk read returned " + (found == null ? "null"
          : found.size() + " entries") + ", expected " + size);
    }
    int pick = ThreadLocalRandom.current().nextInt(size);
    for (Object v : found.values()) {
      if (pick-- == 0) {
        require(v instanceof byte[] b ? b : null, expected);
        return;
      }
    }
  }

  /** Counts a read whose content the caller checked itself. */
  static void checked() {
    CHECKED_READS.increment();
  }

  static byte[] value(int bytes) {
    byte[] value = new byte[bytes];
    java.util.Arrays.fill(value, (byte) 'x');
    return value;
  }
}

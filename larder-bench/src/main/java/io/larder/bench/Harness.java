package io.larder.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Measures contenders on the same work, interleaved in rounds: every round runs each contender
 * once, in an order that changes from round to round ({@link #order}), so that drift in the
 * machine's speed hits all alike. The first round warms up (each contender for at least a
 * second in a full run, long enough for C2 to compile its path) and is not counted; the result
 * is each contender's rate in each counted round.
 *
 * <p><b>Ratios are paired by round.</b> {@link #rounds} returns a {@link Measurement}: the
 * rate of each contender in each counted round. A suite builds the {@link Suite.Result} of two
 * contenders from it ({@code m.rate(name, "larder", "peer", ...)}), whose ratio is the median
 * of the per-round ratios (Larder's window ÷ the peer's window of the same round, or the
 * inverse for costs) and whose {@link Spread} gives their quartiles; two windows of one round
 * are seconds apart, so a neighbour's burst or a slow stretch of the machine moves both alike
 * and falls out of their ratio, where the ratio of two medians drawn from different rounds
 * keeps it. A result built from values that are not medians of one measurement (a hit ratio, a
 * count, two measurements) has no spread, and its ratio is that of the two values. Every suite
 * goes through the same path, so no contender is favoured.
 *
 * <p>Beside it, for information, a paired ratio of the <b>process CPU time per call</b> (all
 * of this JVM's threads: the callers, a client's I/O threads, the collector and the JIT; not a
 * server's), peer ÷ Larder per round, for work measured by {@link #measure}. How much CPU the
 * machine gives this process in a window moves the rates of a loaded 2-core machine by 2× and
 * more; the CPU a call costs moves far less, so this column tells whether a move of the ratio
 * is the machine's or the code's. It is not the goals' measure: time a call spends waiting
 * (for a server, a lock, a core) costs no CPU.
 */
final class Harness {
  private Harness() {}

  /** One operation, run on one thread; throws on failure (a failure aborts the run). */
  @FunctionalInterface
  interface Work {
    void run(ThreadLocalRandom random) throws Exception;
  }

  /**
   * How long and how often to measure: {@code rounds} counted rounds of one window of
   * {@code millis} per contender, after a warm-up round of {@link #warmUpMillis} per contender;
   * {@code fork} is which of a suite's JVMs this is (0 for the first, and for a suite measured
   * in one JVM; see {@link Suite#forks}), for a suite that varies its set-up across them.
   */
  record Settings(int rounds, long millis, boolean quick, int fork) {
    /** Settings for the first (or only) JVM of a suite. */
    Settings(int rounds, long millis, boolean quick) {
      this(rounds, millis, quick, 0);
    }

    /** A smoke test, not a measurement: 3 rounds of 100 ms after a warm-up round of 100 ms. */
    static Settings quickRun() {
      return new Settings(3, 100, true);
    }

    /**
     * A measurement: 11 rounds of 500 ms after a warm-up round of 1 s per contender (5 rounds
     * of 1 s until 2026-12-05). The count is odd so that a median is one round's ratio: the
     * mean of two middle ratios would lean to the numerator (a mean of ratios is never below
     * their geometric mean), and Larder is always the numerator.
     */
    static Settings fullRun() {
      return new Settings(11, 500, false);
    }

    /** These settings for the suite's JVM numbered {@code fork} (from 0). */
    Settings forFork(int fork) {
      return new Settings(rounds, millis, quick, fork);
    }

    /** These settings with {@code rounds} counted rounds. */
    Settings withRounds(int rounds) {
      return new Settings(rounds, millis, quick, fork);
    }

    /**
     * The window of each contender in the warm-up round: {@code millis} in a quick run, at
     * least a second in a full run, so that C2 has compiled each contender's path before any
     * window counts.
     */
    long warmUpMillis() {
      return quick ? millis : Math.max(millis, 1_000);
    }
  }

  /**
   * The spread of a paired ratio: the median and quartiles of the per-round ratios of two
   * contenders measured in the same rounds, over {@code rounds} rounds, and the median of their
   * per-round CPU ratios ({@code NaN} when none was measured). {@code ratios} and
   * {@code cpuRatios} are those per-round ratios, sorted, so that the rounds of several JVMs can
   * be pooled ({@link #pooled}); {@code forks} is, for a pooled spread, each JVM's own median
   * ratio, in the order the JVMs ran (empty for one JVM's).
   */
  record Spread(double median, double q1, double q3, int rounds, double cpuRatio,
      List<Double> ratios, List<Double> cpuRatios, List<Double> forks) {
    /** A spread whose per-round ratios are not kept, with no CPU time measured. */
    Spread(double median, double q1, double q3, int rounds) {
      this(median, q1, q3, rounds, Double.NaN);
    }

    /** A spread whose per-round ratios are not kept. */
    Spread(double median, double q1, double q3, int rounds, double cpuRatio) {
      this(median, q1, q3, rounds, cpuRatio, List.of(), List.of(), List.of());
    }

    /** Copies the lists, so that a spread is a value. */
    Spread {
      ratios = List.copyOf(ratios);
      cpuRatios = List.copyOf(cpuRatios);
      forks = List.copyOf(forks);
    }

    /**
     * The spread of the per-round ratios of several JVMs' measurements of one row, pooled: the
     * median and quartiles of all their rounds' ratios together (each JVM's rounds count alike),
     * the median of all their rounds' CPU ratios, and each JVM's own median in {@link #forks}.
     * The JVMs' rounds must have been kept ({@link #ratios} not empty).
     *
     * @throws IllegalArgumentException if no spread is given, or one kept no per-round ratio
     */
    static Spread pooled(List<Spread> spreads) {
      if (spreads.isEmpty()) {
        throw new IllegalArgumentException("no spread to pool");
      }
      List<Double> ratios = new ArrayList<>();
      List<Double> cpu = new ArrayList<>();
      List<Double> forks = new ArrayList<>();
      for (Spread s : spreads) {
        if (s.ratios().isEmpty()) {
          throw new IllegalArgumentException("a spread of " + s.rounds()
              + " rounds kept no per-round ratio to pool");
        }
        ratios.addAll(s.ratios());
        cpu.addAll(s.cpuRatios());
        forks.add(s.median());
      }
      return of(sorted(ratios), sorted(cpu), forks);
    }

    /**
     * This spread with the per-round CPU ratios {@code cpu} (sorted; empty when none was
     * measured) and their median, its per-round ratios kept as they are.
     */
    Spread withCpu(double[] cpu) {
      return new Spread(median, q1, q3, rounds, cpu.length == 0 ? Double.NaN
          : quantile(cpu, 0.5), ratios, boxed(cpu), forks);
    }

    /** The spread of sorted per-round ratios and CPU ratios (either may be empty of CPU). */
    private static Spread of(double[] ratios, double[] cpu, List<Double> forks) {
      return new Spread(quantile(ratios, 0.5), quantile(ratios, 0.25), quantile(ratios, 0.75),
          ratios.length, cpu.length == 0 ? Double.NaN : quantile(cpu, 0.5), boxed(ratios),
          boxed(cpu), forks);
    }

    private static double[] sorted(List<Double> values) {
      double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
      Arrays.sort(sorted);
      return sorted;
    }

    private static List<Double> boxed(double[] values) {
      return Arrays.stream(values).boxed().toList();
    }
  }

  /** The process CPU nanoseconds per call of the last {@link #measure} on this thread. */
  private static final ThreadLocal<Double> CPU_PER_CALL = new ThreadLocal<>();

  /** The window {@link #rounds} is measuring on this thread, for {@link WindowLog}. */
  private static final ThreadLocal<String> WINDOW = new ThreadLocal<>();

  /** Measurements begun in this JVM, numbering them in {@link WindowLog}. */
  private static final AtomicInteger MEASUREMENTS = new AtomicInteger();

  /**
   * The rate of each contender in each counted round of one interleaved measurement, and the
   * process CPU nanoseconds per call in the same windows ({@code NaN} where not measured by
   * {@link #measure}); it builds the paired {@link Suite.Result} of two of its contenders.
   */
  static final class Measurement {
    private final Map<String, double[]> rates;
    private final Map<String, double[]> cpuPerCall;

    /** Per-round rates and CPU nanoseconds per call, by contender, in the same rounds. */
    Measurement(Map<String, double[]> rates, Map<String, double[]> cpuPerCall) {
      this.rates = rates;
      this.cpuPerCall = cpuPerCall;
    }

    /** The contenders, in the order they were given. */
    Set<String> contenders() {
      return Collections.unmodifiableSet(rates.keySet());
    }

    /** A contender's rate in each counted round; fails naming a contender not measured. */
    double[] rates(String contender) {
      return known(rates, contender).clone();
    }

    /** A contender's median rate; fails naming a contender not measured. */
    double median(String contender) {
      return Harness.median(known(rates, contender));
    }

    /** The median rate of each contender, in the order they were given. */
    Map<String, Double> medians() {
      Map<String, Double> medians = new LinkedHashMap<>();
      rates.forEach((c, r) -> medians.put(c, Harness.median(r)));
      return medians;
    }

    /** Larder's rate (higher is better) beside a peer's, paired by round. */
    Suite.Result rate(String name, String larder, String peer, String peerName, String unit) {
      return result(name, larder, peer, peerName, unit, true, "");
    }

    /** Larder's cost (lower is better) beside a peer's, paired by round. */
    Suite.Result cost(String name, String larder, String peer, String peerName, String unit) {
      return result(name, larder, peer, peerName, unit, false, "");
    }

    /**
     * The result of two contenders: their medians, and the {@link Spread} of their per-round
     * ratios, with the paired ratio of CPU time per call (peer ÷ Larder) for a rate.
     */
    Suite.Result result(String name, String larder, String peer, String peerName, String unit,
        boolean higherIsBetter, String note) {
      double[] l = known(rates, larder);
      double[] p = known(rates, peer);
      Spread spread = spread(l, p, higherIsBetter);
      if (spread != null && higherIsBetter) {
        // CPU per call means something beside a rate of calls only; a cost has none
        spread = spread.withCpu(
            pairedRatios(cpuPerCall.get(peer), cpuPerCall.get(larder), true));
      }
      return new Suite.Result(name, Harness.median(l), Harness.median(p), peerName, unit,
          higherIsBetter, note, spread);
    }

    private static double[] known(Map<String, double[]> byContender, String contender) {
      double[] values = byContender.get(contender);
      if (values == null) {
        throw new IllegalArgumentException("no contender named \"" + contender
            + "\" in this measurement; its contenders are " + byContender.keySet());
      }
      return values;
    }
  }

  /**
   * The spread of the per-round ratios of two contenders measured in the same rounds
   * ({@code larder[i] / peer[i]}, or {@code peer[i] / larder[i]} when lower is better), with no
   * CPU ratio, keeping those ratios; {@code null} when no round has a ratio. Only rounds whose
   * ratio is NaN (both rates zero, or one not measured) are left out: a window in which a
   * contender completed nothing (a stall) gives a ratio of 0 or infinity, and stays in.
   */
  static Spread spread(double[] larder, double[] peer, boolean higherIsBetter) {
    if (larder.length != peer.length) {
      throw new IllegalArgumentException("rates of " + larder.length + " and " + peer.length
          + " rounds are not the same rounds");
    }
    double[] ratios = pairedRatios(larder, peer, higherIsBetter);
    if (ratios.length == 0) {
      return null;
    }
    return Spread.of(ratios, new double[0], List.of());
  }

  /**
   * The ratios {@code a[i] / b[i]} (or {@code b[i] / a[i]}), sorted, of the rounds whose ratio
   * is not NaN.
   */
  private static double[] pairedRatios(double[] a, double[] b, boolean aOverB) {
    double[] ratios = new double[a.length];
    int n = 0;
    for (int i = 0; i < a.length; i++) {
      double ratio = aOverB ? a[i] / b[i] : b[i] / a[i];
      if (!Double.isNaN(ratio)) {
        ratios[n++] = ratio;
      }
    }
    double[] sorted = Arrays.copyOf(ratios, n);
    Arrays.sort(sorted);
    return sorted;
  }

  /** The {@code q} quantile of sorted values, interpolated linearly between neighbours. */
  static double quantile(double[] sorted, double q) {
    double at = q * (sorted.length - 1);
    int below = (int) Math.floor(at);
    int above = Math.min(below + 1, sorted.length - 1);
    if (at == below || sorted[above] == sorted[below]) { // no 0 × infinity from a stall's ratio
      return sorted[below];
    }
    return sorted[below] + (at - below) * (sorted[above] - sorted[below]);
  }

  /**
   * Measures each named work at {@code threads} threads, interleaved in rounds.
   *
   * @return the calls per second of each contender in each counted round
   */
  static Measurement throughput(Settings settings, int threads,
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
   * Measures each contender once per round, in an order that changes from round to round; the
   * first round warms up (a window of {@link Settings#warmUpMillis} each) and is not counted.
   * For work measured other than by {@link #measure}, such as an outside program.
   *
   * @return the rate of each contender in each counted round
   */
  static <E extends Exception> Measurement rounds(Settings settings,
      Map<String, Timed<E>> contenders) throws E {
    List<String> names = new ArrayList<>(contenders.keySet());
    Map<String, double[]> rates = new LinkedHashMap<>();
    Map<String, double[]> cpu = new LinkedHashMap<>();
    names.forEach(n -> {
      rates.put(n, new double[settings.rounds()]);
      cpu.put(n, new double[settings.rounds()]);
    });
    int measurement = MEASUREMENTS.incrementAndGet();
    WindowLog.measurement(measurement, names);
    for (int round = -1; round < settings.rounds(); round++) { // round -1 warms up
      for (String name : order(names, round)) {
        CPU_PER_CALL.remove();
        WINDOW.set("m" + measurement + "\t" + (round < 0 ? "warm" : "r" + round) + "\t" + name);
        double perSecond;
        try {
          perSecond = contenders.get(name)
              .perSecond(round < 0 ? settings.warmUpMillis() : settings.millis());
        } finally {
          WINDOW.remove();
        }
        Double cpuPerCall = CPU_PER_CALL.get();
        if (round >= 0) {
          rates.get(name)[round] = perSecond;
          cpu.get(name)[round] = cpuPerCall == null ? Double.NaN : cpuPerCall;
        }
      }
    }
    return new Measurement(rates, cpu);
  }

  /**
   * The contenders in the order of one round (-1 warms up): rotated by one every other round,
   * and reversed on odd rounds. Each contender runs first equally often, and each is followed
   * by either of its neighbours equally often, so that garbage or heat one contender leaves
   * falls on no single peer (a rotation alone kept A before B in 2 of 3 rounds of three
   * contenders). For two contenders the order alternates; for three, every contender follows
   * each other one equally often over six rounds.
   */
  static List<String> order(List<String> names, int round) {
    List<String> order = new ArrayList<>();
    int shift = Math.floorDiv(round, 2);
    for (int i = 0; i < names.size(); i++) {
      order.add(names.get(Math.floorMod(i + shift, names.size())));
    }
    if (Math.floorMod(round, 2) == 1) {
      Collections.reverse(order);
    }
    return order;
  }

  /**
   * Runs {@code work} on {@code threads} threads for {@code millis}; returns calls per second,
   * and keeps the process CPU time per call for {@link #rounds}.
   */
  static double measure(Work work, int threads, long millis) throws InterruptedException {
    LongAdder calls = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch start = new CountDownLatch(1);
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    List<Thread> workers = new ArrayList<>();
    WindowLog.Workers logged = WindowLog.enabled() ? new WindowLog.Workers() : null;
    for (int t = 0; t < threads; t++) {
      Thread worker = new Thread(() -> {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        try {
          start.await();
          if (logged != null) {
            logged.loop(work, random, stop, calls);
          } else {
            while (!stop.get()) {
              work.run(random);
              calls.increment();
            }
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      }, "bench-" + t);
      worker.start();
      workers.add(worker);
    }
    WindowLog.Counters before = logged != null ? WindowLog.Counters.read() : null;
    long cpuBegan = processCpuNanos();
    long began = System.nanoTime();
    start.countDown();
    Thread.sleep(millis);
    stop.set(true);
    for (Thread w : workers) {
      w.join();
    }
    long elapsed = System.nanoTime() - began;
    long cpu = processCpuNanos() - cpuBegan;
    if (!failures.isEmpty()) {
      throw new IllegalStateException("a benchmark thread failed", failures.get(0));
    }
    long n = calls.sum();
    if (logged != null) {
      WindowLog.window(Objects.requireNonNullElse(WINDOW.get(), WindowLog.NO_LABEL), n, logged,
          before, WindowLog.Counters.readAtEnd());
    }
    CPU_PER_CALL.set(n > 0 && cpuBegan >= 0 ? (double) cpu / n : Double.NaN);
    return n * 1e9 / elapsed;
  }

  /** This process's CPU time in nanoseconds, all threads, or -1 where the JVM cannot tell. */
  static long processCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
  }

  static double median(List<Double> values) {
    return median(values.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /** The median of the values (the mean of the middle two for an even count). */
  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
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

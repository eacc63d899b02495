package io.larder.bench;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.larder.Cache;
import io.larder.Larder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;

/**
 * {@code memory}: get and put of 100-byte values on a Zipf key distribution (100,000 keys,
 * exponent 0.99, as YCSB), at 1 and 16 threads, Larder's {@code mem:} store (through the
 * {@code Cache} facade: prefix, envelope, codec, stats) beside a raw Caffeine cache bounded by
 * the same weight (2 bytes per key char, the value's bytes and 96 per entry, as Larder's store
 * weighs them; until 2026-12-05 the raw cache charged 1 per key char, so it held 4 % more
 * entries than Larder and its puts inserted 8 % fewer new keys). Both
 * are sized to hold about half the keys, so gets miss sometimes; a miss is a valid result.
 * Byte arrays are mutable, so Larder copies each one read; a last case reads 100-char strings,
 * which {@code mem:}'s object tier hands back as the very objects written (Caffeine holding the
 * same strings, weighed as Larder estimates them).
 *
 * <p>Every key has a value of its own (as an application's keys do), stamped with the key's
 * index, and a hit is checked by reading that stamp from the value returned: so both caches hold
 * 100,000 distinct values and both read the one a get returns. (Until 2026-12-04 one array was
 * shared by every key: raw Caffeine then held a single hot array and its check passed by
 * identity without reading it, while Larder's copies were 100,000 distinct arrays.)
 *
 * <p>For information, each {@code byte[]} case also runs a third contender, raw Caffeine
 * handing out (on get) or keeping (on put) a copy, as a cache must that no caller can change
 * another's value through: the {@code ... vs copying Caffeine} rows compare Larder with it, in
 * the same rounds. It reads and writes a Caffeine of its own, warmed with the same sequence,
 * so that every contender's gets read a cache no other contender's windows touch (until
 * 2026-12-05 its gets read the raw Caffeine's cache, which was then read in two windows of
 * every three and Larder's in one; see docs/BENCHMARKS.md, branch {@code memx}). The goal's
 * rows are the ones against raw Caffeine.
 * Last, also for information, the same {@code byte[]} gets and puts with
 * {@code mem:?byReference=true} beside raw Caffeine ({@link #byReference}), in fewer rounds
 * ({@link #INFO_ROUNDS} per JVM).
 *
 * <p><b>A full run measures every row in {@link #FORKS} JVMs</b>, one after another, and
 * {@link Bench} pools each row's per-round ratios over them (the row's ratio is the median of
 * all {@code FORKS × }{@link #ROUNDS} rounds, its q1-q3 their quartiles, and each JVM's own
 * ratio is printed beside it): a row moves between JVMs of the same code by more than between
 * the rounds of one, because where the collector leaves each cache's entries in memory is one
 * draw per JVM (docs/BENCHMARKS.md, branches {@code memx} and {@code memfork}). Each JVM
 * warms the caches interleaved, key by key, in an order rotated by its number on even draws
 * and reversed on odd ones, so that inside every JVM each contender's cache is written before
 * each other's for half the keys ({@link #warm}), and lists the contenders of each
 * measurement in an order rotated by its number ({@link #rotated}).
 *
 * <p>Measured more steadily than other suites (see {@link #throughput}): every window starts
 * after a full collection, and each contender's work is a lambda that calls its cache
 * directly, so that no call site inside the work sees more than one class (see {@link #gets};
 * the one shared site left is the harness's call of the work, the same for every contender).
 * The {@code byte[]} rows of the default mode and by reference share their lambdas
 * ({@link #byteGets}, {@link #puts}): their caches are of the same classes.
 */
final class MemorySuite implements Suite {
  private static final int KEYS = 100_000;
  private static final int SAMPLES = 1 << 20;
  private static final long MAX_BYTES = 10L << 20;
  /**
   * How many JVMs a full run measures this suite in ({@link #forks}); each warms the caches in
   * another order ({@link #warm}), and {@link Bench} pools their rounds.
   */
  static final int FORKS = 3;
  /**
   * The counted rounds of the goal's rows (and the String rows) in each JVM of a full run: 21
   * pooled over {@link #FORKS} JVMs (19 in one JVM until branch {@code memfork}, 9 of 1 s
   * until 2026-12-05). Odd, so that one JVM's median is one round's ratio.
   */
  static final int ROUNDS = 7;
  /** The counted rounds of the informational byReference rows in each JVM of a full run. */
  static final int INFO_ROUNDS = 3;
  /** The informational contender: raw Caffeine copying each {@code byte[]} in or out. */
  private static final String COPYING = "caffeine+copy";

  @Override
  public String name() {
    return "memory";
  }

  /** {@link #FORKS} JVMs in a full run; one in a quick run (a smoke test). */
  @Override
  public int forks(Harness.Settings settings) {
    return settings.quick() ? 1 : FORKS;
  }

  /** A full run's shape: {@link #FORKS} JVMs of {@link #ROUNDS} rounds, pooled. */
  @Override
  public String shape(Harness.Settings settings) {
    return settings.quick() ? null : String.format(Locale.ROOT, "%d JVMs × %d rounds of %d ms"
        + " per measurement (the byReference rows %d), their rounds pooled (with --no-fork, %d"
        + " runs in turn in this JVM)", FORKS, ROUNDS, settings.millis(), INFO_ROUNDS, FORKS);
  }

  @Override
  public List<Result> run(Harness.Settings given) throws Exception {
    Harness.Settings settings = rounds(given, ROUNDS);
    String[] keys = new String[KEYS];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "key" + i;
    }
    int[] zipf = zipf(KEYS, 0.99, SAMPLES, 42);
    byte[][] values = new byte[KEYS][];
    for (int i = 0; i < KEYS; i++) {
      values[i] = stamped(i);
    }
    com.github.benmanes.caffeine.cache.Cache<String, byte[]> caffeine = bytesCaffeine();
    // the copying contender gets from and puts into a Caffeine of its own: the raw one then
    // holds only the arrays made above whatever ran before its gets, and no cache is read in
    // more than one contender's windows (a cache read by two contenders measured faster than
    // one read by one: docs/BENCHMARKS.md, branch memx)
    com.github.benmanes.caffeine.cache.Cache<String, byte[]> copied = bytesCaffeine();
    List<Result> results = new ArrayList<>();
    try (Cache cache = Larder.open("mem:?maxBytes=" + MAX_BYTES)) {
      warm(settings.fork(), zipf, // all with the same sequence, interleaved
          k -> cache.set(keys[k], values[k]),
          k -> caffeine.put(keys[k], values[k]),
          k -> copied.put(keys[k], values[k].clone()));
      for (int threads : new int[] {1, 16}) {
        Tally larderHits = new Tally("larder");
        Tally caffeineHits = new Tally("caffeine");
        Tally copyingHits = new Tally(COPYING);
        Map<String, Harness.Work> gets =
            byteGets(cache, caffeine, keys, zipf, larderHits, caffeineHits);
        gets.put(COPYING, r -> {
          int k = zipf[r.nextInt(SAMPLES)];
          byte[] found = copied.getIfPresent(keys[k]);
          copyingHits.stamped(found == null ? null : found.clone(), k);
        });
        Harness.Measurement m = gets(settings, threads, gets, larderHits, caffeineHits,
            copyingHits);
        results.add(m.rate("zipf get 100B, " + threads + " thr", "larder",
            "caffeine", "Caffeine (raw)", "ops/s"));
        results.add(m.rate("zipf get 100B vs copying Caffeine, " + threads + " thr",
            "larder", COPYING, "Caffeine (raw) + copy", "ops/s"));
        Map<String, Harness.Work> puts = puts(cache, caffeine, keys, zipf, values);
        puts.put(COPYING, r -> {
          int k = zipf[r.nextInt(SAMPLES)];
          copied.put(keys[k], values[k].clone());
        });
        m = throughput(settings, threads, puts);
        results.add(m.rate("zipf put 100B, " + threads + " thr", "larder",
            "caffeine", "Caffeine (raw)", "ops/s"));
        results.add(m.rate("zipf put 100B vs copying Caffeine, " + threads + " thr",
            "larder", COPYING, "Caffeine (raw) + copy", "ops/s"));
      }
      results.addAll(strings(settings, keys, zipf));
      // last, so that the goal's rows are measured before Larder's code has seen this mode
      results.addAll(byReference(rounds(given, INFO_ROUNDS), keys, zipf, values, caffeine));
    }
    return results;
  }

  /**
   * For information (issue 20): the same {@code byte[]} gets and puts with Larder's
   * {@code mem:?byReference=true} beside raw Caffeine. Both keep the caller's array as is, so
   * these rows show what Larder's own path costs without the copy the default mode must make
   * (a cache that hands out its own array lets one caller change another's value). The goal's
   * rows are the default mode's.
   */
  private static List<Result> byReference(Harness.Settings settings, String[] keys, int[] zipf,
      byte[][] values, com.github.benmanes.caffeine.cache.Cache<String, byte[]> caffeine)
      throws Exception {
    List<Result> results = new ArrayList<>();
    try (Cache cache = Larder.open("mem:?byReference=true&maxBytes=" + MAX_BYTES)) {
      cache.set(keys[0], values[0]);
      if (cache.get(keys[0], byte[].class) != values[0]) {
        throw new IllegalStateException("mem:?byReference=true did not keep the array written;"
            + " the byReference rows would measure a copy");
      }
      warm(settings.fork(), zipf, k -> cache.set(keys[k], values[k])); // the same sequence
      for (int threads : new int[] {1, 16}) {
        Tally larderHits = new Tally("larder");
        Tally caffeineHits = new Tally("caffeine");
        Harness.Measurement m = gets(settings, threads,
            byteGets(cache, caffeine, keys, zipf, larderHits, caffeineHits), larderHits,
            caffeineHits);
        results.add(m.rate("zipf get 100B byReference, " + threads + " thr", "larder",
            "caffeine", "Caffeine (raw)", "ops/s"));
        m = throughput(settings, threads, puts(cache, caffeine, keys, zipf, values));
        results.add(m.rate("zipf put 100B byReference, " + threads + " thr", "larder",
            "caffeine", "Caffeine (raw)", "ops/s"));
      }
    }
    return results;
  }

  /**
   * Larder's and raw Caffeine's gets of the Zipf keys' {@code byte[]} values, as contenders,
   * each hit checked by its stamp. The default mode's and the byReference rows share these
   * lambdas: each calls its cache directly, and every row's cache is of the same class on
   * each side (Larder's facade, Caffeine's manual cache), so no call site in them sees more
   * than one class.
   */
  private static Map<String, Harness.Work> byteGets(Cache cache,
      com.github.benmanes.caffeine.cache.Cache<String, byte[]> caffeine, String[] keys,
      int[] zipf, Tally larderHits, Tally caffeineHits) {
    Map<String, Harness.Work> gets = new LinkedHashMap<>();
    gets.put("larder", r -> {
      int k = zipf[r.nextInt(SAMPLES)];
      larderHits.stamped(cache.get(keys[k], byte[].class), k);
    });
    gets.put("caffeine", r -> {
      int k = zipf[r.nextInt(SAMPLES)];
      caffeineHits.stamped(caffeine.getIfPresent(keys[k]), k);
    });
    return gets;
  }

  /** Larder's and raw Caffeine's puts of the Zipf keys' own values, as contenders. */
  private static Map<String, Harness.Work> puts(Cache cache,
      com.github.benmanes.caffeine.cache.Cache<String, byte[]> caffeine, String[] keys,
      int[] zipf, byte[][] values) {
    Map<String, Harness.Work> puts = new LinkedHashMap<>();
    puts.put("larder", r -> {
      int k = zipf[r.nextInt(SAMPLES)];
      cache.set(keys[k], values[k]);
    });
    puts.put("caffeine", r -> {
      int k = zipf[r.nextInt(SAMPLES)];
      caffeine.put(keys[k], values[k]);
    });
    return puts;
  }

  /** A raw Caffeine of 100-byte values, bounded and weighed as the memory store is. */
  private static com.github.benmanes.caffeine.cache.Cache<String, byte[]> bytesCaffeine() {
    return Caffeine.newBuilder()
        .maximumWeight(MAX_BYTES)
        .weigher((String k, byte[] v) -> 2 * k.length() + v.length + 96)
        .build();
  }

  /** Zipf gets of 100-char strings, at 1 and 16 threads: the object tier's case. */
  private static List<Result> strings(Harness.Settings settings, String[] keys, int[] zipf)
      throws Exception {
    String[] values = new String[KEYS];
    for (int i = 0; i < KEYS; i++) {
      values[i] = "x".repeat(90) + String.format("%010d", i);
    }
    com.github.benmanes.caffeine.cache.Cache<String, String> caffeine = Caffeine.newBuilder()
        .maximumWeight(MAX_BYTES)
        .weigher((String k, String v) -> 2 * k.length() + 40 + 2 * v.length() + 96)
        .build();
    List<Result> results = new ArrayList<>();
    try (Cache cache = Larder.open("mem:?maxBytes=" + MAX_BYTES)) {
      warm(settings.fork(), zipf,
          k -> cache.set(keys[k], values[k]),
          k -> caffeine.put(keys[k], values[k]));
      for (int threads : new int[] {1, 16}) {
        Tally larderHits = new Tally("larder");
        Tally caffeineHits = new Tally("caffeine");
        Map<String, Harness.Work> gets = new LinkedHashMap<>();
        gets.put("larder", r -> {
          int k = zipf[r.nextInt(SAMPLES)];
          larderHits.same(cache.get(keys[k], String.class), values[k]);
        });
        gets.put("caffeine", r -> {
          int k = zipf[r.nextInt(SAMPLES)];
          caffeineHits.same(caffeine.getIfPresent(keys[k]), values[k]);
        });
        Harness.Measurement m = gets(settings, threads, gets, larderHits, caffeineHits);
        results.add(m.rate("zipf get 100-char String, " + threads + " thr",
            "larder", "caffeine", "Caffeine (raw)", "ops/s"));
      }
    }
    return results;
  }

  /** A value of 100 bytes whose first 8 hold {@code index}, big-endian, and the rest 'x'. */
  private static byte[] stamped(int index) {
    byte[] value = Harness.value(100);
    ByteBuffer.wrap(value).putLong(index);
    return value;
  }

  /**
   * A {@code byte[]} hit must be the 100-byte value written under key {@code index}: its stamp
   * is read from the array returned, so a contender pays for touching the value it hands back.
   */
  private static void requireStamp(byte[] found, int index) {
    long stamp = 0;
    for (int i = 0; i < Long.BYTES && i < found.length; i++) {
      stamp = stamp << 8 | (found[i] & 0xff);
    }
    if (found.length != 100 || stamp != index || found[99] != 'x') {
      throw new IllegalStateException("a read of key " + index + " returned another value");
    }
    Harness.CHECKED_READS.increment();
  }

  /** A string hit must be the very object written (the object tier), not only equal to it. */
  private static void requireSame(String found, String value) {
    if (found != value) {
      throw new IllegalStateException("a string read back is a copy, not the object written");
    }
  }

  /**
   * The hits and reads of one contender's gets in one row; a hit is checked before it counts, a
   * miss is a valid result (the caches hold half the keys).
   */
  private static final class Tally {
    private final String who;
    private final LongAdder hits = new LongAdder();
    private final LongAdder reads = new LongAdder();

    Tally(String who) {
      this.who = who;
    }

    /** Counts a read of key {@code index}; a hit must carry that key's stamp. */
    void stamped(byte[] found, int index) {
      if (found != null) {
        requireStamp(found, index);
        hits.increment();
      }
      reads.increment();
    }

    /** Counts a read of a string; a hit must be the very object {@code written}. */
    void same(String found, String written) {
      if (found != null) {
        requireSame(found, written);
        hits.increment();
      }
      reads.increment();
    }

    /**
     * Fails when a cache holding about half the keys of a Zipf(0.99) workload hit less than a
     * quarter of the time: a cache that always misses would otherwise look fast.
     */
    void requireHitRatio() {
      if (hits.sum() < reads.sum() / 4) {
        throw new IllegalStateException(who + " hit " + hits.sum() + " of " + reads.sum()
            + " reads; a cache holding half the keys of a Zipf workload hits far more");
      }
    }
  }

  /**
   * Measures one row's Zipf gets and checks each contender's hit ratio afterwards. Each
   * contender's lambda calls its cache directly, not through a {@code Function}: a row whose
   * cache or value type differs (the String rows) has lambdas of its own, so that no call site
   * in the work sees more than one contender's classes and none goes megamorphic (the numbers
   * that showed it are in docs/BENCHMARKS.md, under the memory suite's call sites).
   */
  private static Harness.Measurement gets(Harness.Settings settings, int threads,
      Map<String, Harness.Work> gets, Tally... tallies) throws InterruptedException {
    Harness.Measurement m = throughput(settings, threads, gets);
    for (Tally tally : tallies) {
      tally.requireHitRatio();
    }
    return m;
  }

  /**
   * A full run's settings with {@code rounds} counted rounds in this JVM; a quick run's as they
   * are.
   */
  static Harness.Settings rounds(Harness.Settings settings, int rounds) {
    return settings.quick() ? settings : settings.withRounds(rounds);
  }

  /**
   * Warms the caches with the same sequence of keys, interleaved: for each key drawn, each
   * cache's {@code step} in turn, in an order rotated by the JVM's number ({@link #rotated}) on
   * the even draws and in the reverse of that order on the odd ones, so that in every JVM each
   * cache is written before each other cache for half the draws (of an even-length sequence),
   * and which cache starts the sequence changes from JVM to JVM.
   * The young collections of the warm-up copy the caches' entries in whatever order the
   * collector's threads reach them, a layout drawn anew in each JVM that moves the rows by
   * 0.1-0.3 between JVMs of the same code (docs/BENCHMARKS.md, branches {@code memx} and
   * {@code memfork}); the JVMs' pooled rounds are the answer to that draw. (Warming each cache
   * in a loop of its own, with no collection inside, was tried in branch {@code memfork} and
   * not kept: it did not narrow the spread between JVMs in what could be measured, and it
   * moved the rows against raw Caffeine up by 0.1-0.2 but not those against the copying
   * Caffeine, a change of method no measurement could yet call fairer.)
   */
  static void warm(int fork, int[] sequence, IntConsumer... steps) {
    List<IntConsumer> order = rotated(List.of(steps), fork);
    IntConsumer[] ordered = order.toArray(new IntConsumer[0]);
    Collections.reverse(order);
    IntConsumer[] reversed = order.toArray(new IntConsumer[0]);
    for (int i = 0; i < sequence.length; i++) {
      for (IntConsumer step : (i & 1) == 0 ? ordered : reversed) {
        step.accept(sequence[i]);
      }
    }
  }

  /**
   * {@code items} rotated left by {@code fork}: over as many JVMs as items, each comes first
   * once (which cache is warmed first, and which contender a measurement lists first).
   */
  static <T> List<T> rotated(List<T> items, int fork) {
    List<T> rotated = new ArrayList<>(items);
    Collections.rotate(rotated, -Math.floorMod(fork, Math.max(1, items.size())));
    return rotated;
  }

  /**
   * {@code contenders} listed in an order rotated left by {@code fork} ({@link #rotated}): the
   * order a JVM measures them in, so that the round orders of {@link Harness#order} start from
   * another contender in each JVM.
   */
  static <W> Map<String, W> rotated(Map<String, W> contenders, int fork) {
    Map<String, W> ordered = new LinkedHashMap<>();
    for (String name : rotated(List.copyOf(contenders.keySet()), fork)) {
      ordered.put(name, contenders.get(name));
    }
    return ordered;
  }

  /**
   * Measures as {@link Harness#throughput} does, more steadily: each window of a full run
   * starts after a full collection, so that a young collection owed to one contender's garbage
   * (Larder allocates per call, raw Caffeine almost never) does not land in the next
   * contender's window, and each window holds the collections of its own allocation only. A
   * quick run is a smoke test and does neither.
   */
  private static Harness.Measurement throughput(Harness.Settings settings, int threads,
      Map<String, Harness.Work> contenders) throws InterruptedException {
    Map<String, Harness.Work> ordered = rotated(contenders, settings.fork());
    if (settings.quick()) {
      return Harness.throughput(settings, threads, ordered);
    }
    Map<String, Harness.Timed<InterruptedException>> timed = new LinkedHashMap<>();
    ordered.forEach((name, work) -> timed.put(name, millis -> {
      System.gc();
      return Harness.measure(work, threads, millis);
    }));
    return Harness.rounds(settings, timed);
  }

  /** Draws {@code samples} ranks in [0, n) from a Zipf distribution, by inverse CDF. */
  static int[] zipf(int n, double exponent, int samples, long seed) {
    double[] cdf = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += 1 / Math.pow(i + 1, exponent);
      cdf[i] = sum;
    }
    SplittableRandom random = new SplittableRandom(seed);
    int[] out = new int[samples];
    for (int s = 0; s < samples; s++) {
      double u = random.nextDouble() * sum;
      int idx = java.util.Arrays.binarySearch(cdf, u);
      int rank = idx >= 0 ? idx : Math.min(-idx - 1, n - 1);
      // scatter ranks over the key space so that hot keys do not share hash neighbourhoods
      out[s] = (int) Math.floorMod(rank * 2_654_435_761L, (long) n);
    }
    return out;
  }
}

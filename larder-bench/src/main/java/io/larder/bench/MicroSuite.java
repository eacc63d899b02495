package io.larder.bench;

import io.larder.bench.micro.BulkBenchmarks;
import io.larder.bench.micro.CodecBenchmarks;
import io.larder.bench.micro.KeyBenchmarks;
import io.larder.bench.micro.RingBenchmarks;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * {@code micro}: the JMH benchmarks of {@link io.larder.bench.micro} (key encoding, bulk calls
 * on {@code mem:} beside the store itself, codecs with
 * and without compression, ring lookup), each Larder beside a raw baseline or a peer doing the
 * same work on one thread, reported as nanoseconds per operation and, from JMH's GC profiler,
 * bytes allocated per operation ({@code gc.alloc.rate.norm}).
 *
 * <p>JMH runs the benchmarks one after another, not interleaved in rounds as the other suites
 * are. The full run gives every benchmark a fresh JVM (one fork, started with this JVM's class
 * path and arguments), 3 warm-up iterations as long as the other suites' warm-up windows, as
 * many measurement iterations, of the same length, as the other suites' rounds, and reports the
 * median over the iterations. Each pair's
 * benchmarks are named to sort next to each other, so JMH measures them one after the other.
 * {@code --quick} runs them in this JVM (no fork) with one warm-up iteration: a smoke test, not
 * a measurement.
 */
final class MicroSuite implements Suite {
  /**
   * One row pair: the benchmarks that do the same work, as {@code Class.method}.
   */
  private record Case(String name, String larder, String peer, String peerName) {}

  private static final List<Case> CASES = List.of(
      new Case("key: record(long, String)", "KeyBenchmarks.recordLarder",
          "KeyBenchmarks.recordRaw", "string concatenation"),
      new Case("key: memoized function's store key, record", "KeyBenchmarks.memoKeyLarder",
          "KeyBenchmarks.recordRaw", "string concatenation"),
      new Case("key: List.of(312L, \"en\")", "KeyBenchmarks.listLarder",
          "KeyBenchmarks.listRaw", "string concatenation"),
      new Case("getMany(" + BulkBenchmarks.KEYS + ") on mem:", "BulkBenchmarks.getManyLarder",
          "BulkBenchmarks.getManyRaw", "the store's getMany + decode"),
      new Case("setMany(" + BulkBenchmarks.KEYS + ") on mem:", "BulkBenchmarks.setManyLarder",
          "BulkBenchmarks.setManyRaw", "the store's setMany + encode"),
      new Case("utf8 1 kB ASCII, enc+dec", "CodecBenchmarks.asciiLarder",
          "CodecBenchmarks.asciiRaw", "getBytes/new String"),
      new Case("utf8 1 kB accented, enc+dec", "CodecBenchmarks.accentedLarder",
          "CodecBenchmarks.accentedRaw", "getBytes/new String"),
      new Case("serialized record, enc+dec", "CodecBenchmarks.serializedLarder",
          "CodecBenchmarks.serializedRaw", "Object streams + filter"),
      new Case("compressed 10 kB text, enc+dec", "CodecBenchmarks.compressedLarder",
          "CodecBenchmarks.compressedRaw", "Deflater/Inflater streams"),
      new Case("ring: server of key, " + RingBenchmarks.SERVERS + " servers",
          "RingBenchmarks.lookupLarder", "RingBenchmarks.lookupSpymemcached",
          "spymemcached 2.12.3 Ketama"),
      new Case("ring: server of key, " + RingBenchmarks.SERVERS + " servers",
          "RingBenchmarks.lookupLarder", "RingBenchmarks.lookupXmemcached",
          "XMemcached 2.4.9 Ketama"));

  /** The benchmark's own score: nanoseconds per operation. */
  private static final String TIME = "time";
  /** The GC profiler's bytes allocated per operation. */
  private static final String ALLOCATION = "gc.alloc.rate.norm";

  @Override
  public String name() {
    return "micro";
  }

  @Override
  public boolean readsCache() {
    return false; // JMH measures keys, codecs and the ring; no cache is read
  }

  @Override
  public List<Result> run(Harness.Settings settings) throws Exception {
    String benchmarks = KeyBenchmarks.class.getPackageName();
    TimeValue period = TimeValue.milliseconds(settings.millis());
    Options options = new OptionsBuilder()
        .include("^" + Pattern.quote(benchmarks + ".") + "(" + String.join("|",
            KeyBenchmarks.class.getSimpleName(), BulkBenchmarks.class.getSimpleName(),
            CodecBenchmarks.class.getSimpleName(),
            RingBenchmarks.class.getSimpleName()) + ")\\.")
        .forks(settings.quick() ? 0 : 1)
        .warmupIterations(settings.quick() ? 1 : 3)
        .warmupTime(TimeValue.milliseconds(settings.warmUpMillis()))
        .measurementIterations(settings.rounds())
        .measurementTime(period)
        .threads(1)
        .addProfiler(GCProfiler.class)
        .shouldFailOnError(true)
        .verbosity(VerboseMode.SILENT)
        .build();
    Map<String, RunResult> byName = new HashMap<>();
    for (RunResult run : new Runner(options).run()) {
      String benchmark = run.getParams().getBenchmark();
      byName.put(benchmark.substring(benchmarks.length() + 1), run);
    }
    List<Result> results = new ArrayList<>();
    for (Case c : CASES) {
      RunResult larder = find(byName, c.larder());
      RunResult peer = find(byName, c.peer());
      results.add(Result.cost(c.name(), median(larder, TIME), median(peer, TIME),
          c.peerName(), "ns/op"));
      results.add(Result.cost(c.name() + ", alloc", median(larder, ALLOCATION),
          median(peer, ALLOCATION), c.peerName(), "B/op"));
    }
    return results;
  }

  private static RunResult find(Map<String, RunResult> byName, String benchmark) {
    RunResult run = byName.get(benchmark);
    if (run == null) {
      throw new IllegalStateException("JMH reported no result for " + benchmark
          + "; it ran " + byName.keySet());
    }
    return run;
  }

  /**
   * Returns the median over the measurement iterations of the time per operation
   * ({@link #TIME}) or of a profiler's result, as the other suites report medians over rounds.
   */
  private static double median(RunResult run, String result) {
    List<Double> scores = new ArrayList<>();
    for (BenchmarkResult fork : run.getBenchmarkResults()) {
      for (IterationResult iteration : fork.getIterationResults()) {
        var score = result.equals(TIME) ? iteration.getPrimaryResult()
            : iteration.getSecondaryResults().get(result);
        if (score == null) {
          throw new IllegalStateException("JMH reported no " + result + " for "
              + run.getParams().getBenchmark());
        }
        scores.add(score.getScore());
      }
    }
    if (scores.isEmpty()) {
      throw new IllegalStateException("JMH measured no iteration of "
          + run.getParams().getBenchmark());
    }
    return Harness.median(scores);
  }
}

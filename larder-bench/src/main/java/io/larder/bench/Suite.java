package io.larder.bench;

import java.util.List;

/** One suite of {@code larder bench}: Larder and a comparison on the same work, in one run. */
interface Suite {
  /** The name given on the command line. */
  String name();

  /**
   * Tells whether the suite reads a cache, so that {@link Bench} requires it to have checked
   * what it read ({@link Harness#CHECKED_READS}).
   */
  default boolean readsCache() {
    return true;
  }

  /**
   * How many JVMs a run with these settings measures this suite in, one after another, each
   * measuring every row; {@link Bench} pools each row's per-round ratios over them
   * ({@link Harness.Spread#pooled}). One for most suites; more for a suite whose rows move
   * between JVMs of the same code by more than within one (the {@code memory} suite: where a
   * JVM's collections leave each cache's entries is one draw per JVM). Each JVM is told its
   * number in {@link Harness.Settings#fork}.
   */
  default int forks(Harness.Settings settings) {
    return 1;
  }

  /**
   * How a run with these settings measures this suite, when not as {@link Bench}'s header says
   * (its rounds per measurement, in one JVM), printed before the suite's tables; {@code null}
   * when as the header says.
   */
  default String shape(Harness.Settings settings) {
    return null;
  }

  /** Runs the suite, starting and stopping any server it needs. */
  List<Result> run(Harness.Settings settings) throws Exception;

  /**
   * One measured case. {@code ratio} > 1 always means Larder is better: Larder over peer for
   * rates, peer over Larder for costs (latencies, loader calls). When {@code larder} and
   * {@code peer} are medians of one interleaved measurement ({@link Harness.Measurement#rate}),
   * {@code spread} holds the median and quartiles of the per-round ratios, and the ratio is that
   * median; for values that are not medians of rounds ({@link #rate}, {@link #cost})
   * {@code spread} is {@code null} and the ratio is that of the two values.
   */
  record Result(String name, double larder, double peer, String peerName, String unit,
      boolean higherIsBetter, String note, Harness.Spread spread) {
    /** A result of two values that are not medians of one measurement: no spread. */
    Result(String name, double larder, double peer, String peerName, String unit,
        boolean higherIsBetter, String note) {
      this(name, larder, peer, peerName, unit, higherIsBetter, note, null);
    }

    /** The median of the per-round ratios when paired, else the ratio of the two values. */
    double ratio() {
      return spread != null ? spread.median() : ratioOfValues();
    }

    /** The ratio of the two values as printed (medians, for a measurement in rounds). */
    double ratioOfValues() {
      return higherIsBetter ? larder / peer : peer / larder;
    }

    /** Two rates that are not medians of one measurement (no spread). */
    static Result rate(String name, double larder, double peer, String peerName, String unit) {
      return new Result(name, larder, peer, peerName, unit, true, "");
    }

    /** Two costs that are not medians of one measurement (no spread). */
    static Result cost(String name, double larder, double peer, String peerName, String unit) {
      return new Result(name, larder, peer, peerName, unit, false, "");
    }
  }
}

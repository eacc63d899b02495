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

  /** Runs the suite, starting and stopping any server it needs. */
  List<Result> run(Harness.Settings settings) throws Exception;

  /**
   * One measured case. {@code ratio} > 1 always means Larder is better: Larder over peer for
   * rates, peer over Larder for costs (latencies, loader calls).
   */
  record Result(String name, double larder, double peer, String peerName, String unit,
      boolean higherIsBetter, String note) {
    double ratio() {
      return higherIsBetter ? larder / peer : peer / larder;
    }

    static Result rate(String name, double larder, double peer, String peerName, String unit) {
      return new Result(name, larder, peer, peerName, unit, true, "");
    }

    static Result cost(String name, double larder, double peer, String peerName, String unit) {
      return new Result(name, larder, peer, peerName, unit, false, "");
    }
  }
}

package io.larder.example;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Counts calls of a memoized function and how many of them ran it. A call that neither ran
 * it nor found it cached waited for another caller's computation of the same value (single
 * flight); such waits are not counted as hits, and save no time on {@code /stats}.
 */
final class FunctionStats {
  final String name;
  private final LongAdder calls = new LongAdder();
  private final LongAdder computes = new LongAdder();
  private final LongAdder computeNanos = new LongAdder();

  FunctionStats(String name) {
    this.name = name;
  }

  /** Wraps the function a memoizer computes with, timing each computation. */
  <A, R> Function<A, R> timed(Function<A, R> fn) {
    return a -> {
      long start = System.nanoTime();
      try {
        return fn.apply(a);
      } finally {
        computes.increment();
        computeNanos.add(System.nanoTime() - start);
      }
    };
  }

  void called() {
    calls.increment();
  }

  Snapshot snapshot() {
    return new Snapshot(name, calls.sum(), computes.sum(), computeNanos.sum());
  }

  /**
   * The counters of one function.
   *
   * @param name the function's name
   * @param calls how often it was called
   * @param computes how often it ran
   * @param computeNanos time spent running it
   */
  record Snapshot(String name, long calls, long computes, long computeNanos) {
    double meanComputeMillis() {
      return computes == 0 ? 0 : computeNanos / 1e6 / computes;
    }
  }
}

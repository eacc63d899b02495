package io.larder.example;

import java.util.Arrays;

/**
 * The last {@code n} values of a measure (round trips of a request, say) and their
 * distribution: a window over recent requests, not an average since start.
 */
final class Recent {
  private final long[] ring;
  private int next;
  private long count;

  Recent(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("a window of " + n + " values");
    }
    ring = new long[n];
  }

  synchronized void add(long value) {
    ring[next] = value;
    next = (next + 1) % ring.length;
    count++;
  }

  /**
   * The distribution of the values in the window.
   *
   * @param count how many values were ever added (the window holds the last of them)
   * @param window how many the percentiles are over
   * @param p50 the median, by nearest rank
   * @param p95 the 95th percentile, by nearest rank
   * @param max the largest
   */
  record Summary(long count, int window, long p50, long p95, long max) {}

  synchronized Summary summary() {
    int n = (int) Math.min(count, ring.length);
    if (n == 0) {
      return new Summary(0, 0, 0, 0, 0);
    }
    long[] sorted = Arrays.copyOf(ring, n); // the first n slots: the ring is full past n
    Arrays.sort(sorted);
    return new Summary(count, n, rank(sorted, 0.50), rank(sorted, 0.95), sorted[n - 1]);
  }

  /** The nearest-rank percentile: the smallest value at least {@code p} of the values reach. */
  static long rank(long[] sorted, double p) {
    int i = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}

package io.larder.bench;

/**
 * A histogram of call latencies in nanoseconds, for one thread: buckets of {@link #SUB}
 * steps per power of two, so a quantile read from it is within about 6 % of the true value;
 * the largest value is kept exactly. Not thread-safe: each worker keeps its own and they are
 * {@link #add added} together after the window.
 */
final class Latencies {
  /** Steps per power of two. */
  private static final int SUB = 16;
  private static final int SHIFT = Integer.numberOfTrailingZeros(SUB);
  private final long[] counts = new long[64 * SUB];
  private long total;
  private long max;

  /** Counts one call that took {@code nanos}. */
  void record(long nanos) {
    long v = Math.max(0, nanos);
    counts[bucket(v)]++;
    total++;
    if (v > max) {
      max = v;
    }
  }

  /** Adds another histogram's calls to this one. */
  void add(Latencies other) {
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other.counts[i];
    }
    total += other.total;
    max = Math.max(max, other.max);
  }

  /** The calls counted. */
  long count() {
    return total;
  }

  /** The longest call, in nanoseconds (0 when none was counted). */
  long max() {
    return max;
  }

  /**
   * The {@code q} quantile in nanoseconds: the upper edge of the bucket holding it (never
   * above {@link #max}), 0 when nothing was counted.
   */
  long quantile(double q) {
    if (total == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= Math.max(1, rank)) {
        return Math.min(max, upperEdge(i));
      }
    }
    return max;
  }

  /**
   * The bucket of a value: values below {@link #SUB} have one each; above, each power of two
   * is cut into {@link #SUB} equal steps.
   */
  static int bucket(long v) {
    if (v < SUB) {
      return (int) v;
    }
    int power = 63 - Long.numberOfLeadingZeros(v); // v in [2^power, 2^(power+1))
    int step = (int) (v >>> (power - SHIFT)) - SUB; // 0 .. SUB-1
    return (power - SHIFT + 1) * SUB + step;
  }

  /** The largest value that falls in bucket {@code i}. */
  static long upperEdge(int i) {
    if (i < SUB) {
      return i;
    }
    int power = i / SUB - 1 + SHIFT;
    long step = i % SUB;
    return ((SUB + step + 1) << (power - SHIFT)) - 1;
  }
}

package io.larder;

/**
 * How often each key was seen recently, estimated in a fixed amount of memory: a count-min
 * sketch of four rows of 4-bit counters (TinyLFU, Einziger, Friedman and Manes, 2017). An
 * estimate is never below the true count (up to 15) and is rarely above it while the number
 * of distinct keys stays near the width. After {@code window} increments every counter is
 * halved, so old popularity fades and the sketch follows what is popular now.
 *
 * <p>Keys are 64-bit hashes ({@link #hash}). Thread-safe: each call holds the sketch's lock
 * for a few dozen instructions, no I/O.
 */
final class FrequencySketch {
  static final int MAX_COUNT = 15;
  /** The widest sketch: 16 Mi counters a row, 32 MiB in all. */
  static final int MAX_WIDTH = 1 << 24;
  private static final int ROWS = 4;
  private static final long[] SEEDS = {
      0x9E3779B97F4A7C15L, 0xC2B2AE3D27D4EB4FL, 0x165667B19E3779F9L, 0xD6E8FEB86659FD93L};
  private static final long RESET_MASK = 0x7777_7777_7777_7777L;

  /** Counters, 16 to a long; row {@code r} is longs {@code [r * rowLongs, (r + 1) * rowLongs)}. */
  private final long[] table;
  private final int rowLongs;
  private final int counterMask;
  private final long window;
  private long samples;

  /**
   * @param width counters per row, rounded up to a power of two, at least 16: about the
   *     number of distinct keys the sketch tells apart well
   * @param window increments between halvings, at least 1
   */
  FrequencySketch(int width, long window) {
    if (width < 1 || width > MAX_WIDTH) {
      throw new IllegalArgumentException("sketch width must be from 1 to " + MAX_WIDTH
          + ", was " + width);
    }
    if (window < 1) {
      throw new IllegalArgumentException("sketch window must be at least 1, was " + window);
    }
    int counters = Math.max(16, Integer.highestOneBit(width - 1) << 1);
    this.rowLongs = counters / 16;
    this.counterMask = counters - 1;
    this.table = new long[ROWS * rowLongs];
    this.window = window;
  }

  /** Returns the counters per row. */
  int width() {
    return counterMask + 1;
  }

  /** Returns the estimated recent count of a key, from 0 to {@link #MAX_COUNT}. */
  synchronized int frequency(long hash) {
    int min = MAX_COUNT;
    for (int r = 0; r < ROWS; r++) {
      min = Math.min(min, counter(r, index(hash, r)));
    }
    return min;
  }

  /**
   * Counts one sighting of a key and returns its new estimate. Only the counters at the
   * minimum grow (conservative update), which keeps keys that share a counter with a hot
   * key from looking hot themselves.
   */
  synchronized int increment(long hash) {
    int min = frequency(hash);
    if (min < MAX_COUNT) {
      for (int r = 0; r < ROWS; r++) {
        int i = index(hash, r);
        if (counter(r, i) == min) {
          add(r, i);
        }
      }
      min++;
    }
    if (++samples >= window) {
      halve();
    }
    return min;
  }

  /** Halves every counter (dropping the odd bit) and the sample count. */
  synchronized void halve() {
    for (int i = 0; i < table.length; i++) {
      table[i] = (table[i] >>> 1) & RESET_MASK;
    }
    samples /= 2;
  }

  private int index(long hash, int row) {
    long h = (hash ^ SEEDS[row]) * SEEDS[(row + 1) & 3];
    h ^= h >>> 31;
    return (int) h & counterMask;
  }

  private int counter(int row, int index) {
    long word = table[row * rowLongs + (index >>> 4)];
    return (int) (word >>> ((index & 15) << 2)) & 0xF;
  }

  private void add(int row, int index) {
    table[row * rowLongs + (index >>> 4)] += 1L << ((index & 15) << 2);
  }

  /** Hashes a key to 64 bits: FNV-1a over its characters, then a MurmurHash3 finaliser. */
  static long hash(String key) {
    long h = 0xCBF29CE484222325L;
    for (int i = 0; i < key.length(); i++) {
      h = (h ^ key.charAt(i)) * 0x100000001B3L;
    }
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    return h ^ (h >>> 33);
  }
}

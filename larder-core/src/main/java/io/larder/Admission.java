package io.larder;

import java.util.Objects;

/**
 * Which computed values a cache stores: all of them ({@link #off()}, the default), or only
 * those whose key was missed often enough recently ({@link #sketch()}), so that one-hit
 * wonders (a page asked for once, a report nobody opens twice) cost no write and push no
 * hot entry out of a full server.
 *
 * <p>Recent misses are counted in process, in a count-min sketch of 4-bit counters (as
 * TinyLFU does): {@link #keys} counters a row, four rows, halved every {@link #window}
 * counted misses so that old popularity fades. Asking costs one sketch update per miss and
 * no round trip. Admission applies to computed values only: {@code getOrCompute}, memoized
 * functions, Pebble fragments and pages of {@code larder-web}; a value written by
 * {@link Cache#set} is always stored.
 *
 * <pre>{@code
 * Cache cache = Larder.builder().url("memcached://cache:11211")
 *     .admission(Admission.sketch().keys(200_000).minMisses(2))
 *     .build();                                  // same as ?admit=2&admitKeys=200000
 * }</pre>
 *
 * <p>The sketch settings of {@code off().keys(...)} serve the memoized functions, page
 * routes and fragments that opt in on their own while the cache's default stays off.
 * Immutable; each method returns a new instance.
 */
public final class Admission {
  /** The sketch width when none is set: 65,536 counters a row, 128 KiB. */
  public static final int DEFAULT_KEYS = 1 << 16;

  private static final Admission OFF = new Admission(false, DEFAULT_KEYS, 0, 2);

  private final boolean on;
  private final int keys;
  /** Misses counted between halvings; 0 for ten times {@link #keys}. */
  private final long window;
  private final int minMisses;

  private Admission(boolean on, int keys, long window, int minMisses) {
    this.on = on;
    this.keys = keys;
    this.window = window;
    this.minMisses = minMisses;
  }

  /**
   * Returns the policy that stores every computed value: the default.
   *
   * @return admission off
   */
  public static Admission off() {
    return OFF;
  }

  /**
   * Returns the policy that stores a computed value when its key was missed at least twice
   * recently, counted in a sketch of {@link #DEFAULT_KEYS} counters a row halved every ten
   * times that many misses.
   *
   * @return admission by frequency sketch
   */
  public static Admission sketch() {
    return new Admission(true, DEFAULT_KEYS, 0, 2);
  }

  /**
   * Sets the sketch's width: about how many distinct keys it tells apart. Size it to a few
   * times the distinct keys counted in one {@link #window}; each costs 2 bytes of heap
   * (four 4-bit counters). Too narrow, and one-hit wonders share counters with each other
   * and look popular.
   *
   * @param keys from 16 to 16,777,216 (rounded up to a power of two)
   * @return a new policy with that width
   * @throws IllegalArgumentException if {@code keys} is out of range
   */
  public Admission keys(int keys) {
    if (keys < 16 || keys > FrequencySketch.MAX_WIDTH) {
      throw new IllegalArgumentException("admission keys must be from 16 to "
          + FrequencySketch.MAX_WIDTH + ", was " + keys);
    }
    return new Admission(on, keys, window, minMisses);
  }

  /**
   * Sets how many misses are counted before every counter is halved: the sketch's memory.
   * A key must be missed {@link #minMisses} times within about this many misses to be
   * stored; about ten times the entries the server holds is right (TinyLFU's rule). Ten
   * times {@link #keys} by default.
   *
   * @param misses at least 1
   * @return a new policy with that window
   * @throws IllegalArgumentException if {@code misses} is below 1
   */
  public Admission window(long misses) {
    if (misses < 1) {
      throw new IllegalArgumentException("admission window must be at least 1, was " + misses);
    }
    return new Admission(on, keys, misses, minMisses);
  }

  /**
   * Sets how many recent misses of a key it takes for its computed value to be stored;
   * 2 by default (the first miss is counted, the second is stored). 1 stores every value
   * but still counts them.
   *
   * @param misses from 1 to 15
   * @return a new policy with that threshold
   * @throws IllegalArgumentException if {@code misses} is out of range
   */
  public Admission minMisses(int misses) {
    if (misses < 1 || misses > FrequencySketch.MAX_COUNT) {
      throw new IllegalArgumentException("admission minMisses must be from 1 to "
          + FrequencySketch.MAX_COUNT + ", was " + misses);
    }
    return new Admission(on, keys, window, misses);
  }

  /**
   * Tells whether computed values go through the sketch by default.
   *
   * @return {@code false} for {@link #off()}
   */
  public boolean isOn() {
    return on;
  }

  /**
   * Returns the sketch's width, as set.
   *
   * @return the keys
   */
  public int keys() {
    return keys;
  }

  /**
   * Returns the misses counted between halvings.
   *
   * @return the window
   */
  public long window() {
    return window > 0 ? window : 10L * keys;
  }

  /**
   * Returns how many recent misses store a value.
   *
   * @return the threshold
   */
  public int minMisses() {
    return minMisses;
  }

  /** Returns this policy switched on, with its settings: what a per-use opt-in uses. */
  Admission on() {
    return on ? this : new Admission(true, keys, window, minMisses);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Admission a && a.on == on && a.keys == keys && a.window() == window()
        && a.minMisses == minMisses;
  }

  @Override
  public int hashCode() {
    return Objects.hash(on, keys, window(), minMisses);
  }

  @Override
  public String toString() {
    return on ? "Admission[minMisses=" + minMisses + ", keys=" + keys + ", window=" + window()
        + "]" : "Admission[off]";
  }
}

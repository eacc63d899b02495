package io.larder;

import java.util.concurrent.atomic.LongAdder;

/**
 * Applies a cache's {@link Admission}: counts each miss of a computed value's key in a
 * {@link FrequencySketch} and says whether to store the value. One per cache runtime,
 * shared by its namespaces; the sketch is made on first use, so a cache that never asks
 * holds none.
 */
final class Admitter {
  private final Admission configured;
  private final Admission settings;
  private volatile FrequencySketch sketch;
  private final LongAdder admitted = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  /** Admissions of keys that had been rejected before: they were no one-hit wonders. */
  private final LongAdder cameBack = new LongAdder();

  Admitter(Admission configured) {
    this.configured = configured;
    this.settings = configured.on();
  }

  /** The policy the cache was opened with. */
  Admission configured() {
    return configured;
  }

  /** Whether computed values go through the sketch when their caller does not say. */
  boolean byDefault() {
    return configured.isOn();
  }

  /** Counts a miss of a store key and tells whether the value computed for it is stored. */
  boolean admit(String storeKey) {
    int misses = sketch().increment(FrequencySketch.hash(storeKey));
    int needed = settings.minMisses();
    if (misses >= needed) {
      admitted.increment();
      if (misses == needed && needed > 1) {
        cameBack.increment();
      }
      return true;
    }
    rejected.increment();
    return false;
  }

  AdmissionStats stats() {
    long r = rejected.sum();
    long back = cameBack.sum() * (settings.minMisses() - 1);
    return new AdmissionStats(admitted.sum(), r, Math.max(0, r - back));
  }

  private FrequencySketch sketch() {
    FrequencySketch s = sketch;
    if (s == null) {
      synchronized (this) {
        s = sketch;
        if (s == null) {
          s = new FrequencySketch(settings.keys(), settings.window());
          sketch = s;
        }
      }
    }
    return s;
  }
}

package io.larder;

import java.util.concurrent.atomic.LongAdder;

/** The live counters behind {@link CacheStats}; increments reach every ancestor. */
final class StatsCounter {
  private final StatsCounter parent;
  final LongAdder hits = new LongAdder();
  final LongAdder misses = new LongAdder();
  final LongAdder preloadHits = new LongAdder();
  final LongAdder writes = new LongAdder();
  final LongAdder deletes = new LongAdder();
  final LongAdder decodeErrors = new LongAdder();
  final LongAdder storeErrors = new LongAdder();
  final LongAdder roundTrips = new LongAdder();
  final LongAdder timeSaved = new LongAdder();

  StatsCounter(StatsCounter parent) {
    this.parent = parent;
  }

  enum Kind { HIT, MISS, PRELOAD_HIT, WRITE, DELETE, DECODE_ERROR, STORE_ERROR, ROUND_TRIP,
    TIME_SAVED }

  void add(Kind kind, long n) {
    if (n == 0) {
      return;
    }
    for (StatsCounter s = this; s != null; s = s.parent) {
      s.adder(kind).add(n);
    }
  }

  void inc(Kind kind) {
    add(kind, 1);
  }

  private LongAdder adder(Kind kind) {
    switch (kind) {
      case HIT: return hits;
      case MISS: return misses;
      case PRELOAD_HIT: return preloadHits;
      case WRITE: return writes;
      case DELETE: return deletes;
      case DECODE_ERROR: return decodeErrors;
      case STORE_ERROR: return storeErrors;
      case TIME_SAVED: return timeSaved;
      default: return roundTrips;
    }
  }

  CacheStats snapshot() {
    return new CacheStats(hits.sum(), misses.sum(), preloadHits.sum(), writes.sum(),
        deletes.sum(), decodeErrors.sum(), storeErrors.sum(), roundTrips.sum(), timeSaved.sum());
  }
}

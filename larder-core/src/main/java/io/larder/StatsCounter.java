package io.larder;

import java.util.concurrent.atomic.LongAdder;

/**
 * The live counters behind {@link CacheStats}; increments reach every ancestor. A read that
 * went to the store counts its round trip and its hit or miss with one increment
 * ({@link Kind#STORE_HIT}, {@link Kind#STORE_MISS}), and a single-key write its round trip and
 * the write ({@link Kind#STORE_WRITE}), and a read a preload scope answered its preload hit and
 * its hit, or its miss ({@link Kind#SCOPE_HIT}, {@link Kind#SCOPE_MISS}): each split again when
 * a snapshot is taken, so a snapshot is as exact as with one increment per count.
 */
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
  /** Round trips that were each one read and its hit, or its miss. */
  final LongAdder storeHits = new LongAdder();
  final LongAdder storeMisses = new LongAdder();
  /** Round trips that were each one write. */
  final LongAdder storeWrites = new LongAdder();
  /** Preload hits that were each one hit, or one miss. */
  final LongAdder scopeHits = new LongAdder();
  final LongAdder scopeMisses = new LongAdder();

  StatsCounter(StatsCounter parent) {
    this.parent = parent;
  }

  /**
   * What a count is of; {@code STORE_HIT} and {@code STORE_MISS} are a round trip and a hit,
   * or a miss, at once, {@code STORE_WRITE} a round trip and a write, and {@code SCOPE_HIT} and
   * {@code SCOPE_MISS} a preload hit and a hit, or a miss.
   */
  enum Kind { HIT, MISS, PRELOAD_HIT, WRITE, DELETE, DECODE_ERROR, STORE_ERROR, ROUND_TRIP,
    TIME_SAVED, STORE_HIT, STORE_MISS, STORE_WRITE, SCOPE_HIT, SCOPE_MISS }

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
      case STORE_HIT: return storeHits;
      case STORE_MISS: return storeMisses;
      case STORE_WRITE: return storeWrites;
      case SCOPE_HIT: return scopeHits;
      case SCOPE_MISS: return scopeMisses;
      default: return roundTrips;
    }
  }

  CacheStats snapshot() {
    long storeHit = storeHits.sum();
    long storeMiss = storeMisses.sum();
    long storeWrite = storeWrites.sum();
    long scopeHit = scopeHits.sum();
    long scopeMiss = scopeMisses.sum();
    return new CacheStats(hits.sum() + storeHit + scopeHit, misses.sum() + storeMiss + scopeMiss,
        preloadHits.sum() + scopeHit + scopeMiss,
        writes.sum() + storeWrite, deletes.sum(), decodeErrors.sum(), storeErrors.sum(),
        roundTrips.sum() + storeHit + storeMiss + storeWrite, timeSaved.sum());
  }
}

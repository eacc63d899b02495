package io.larder;

import io.larder.spi.KeyLayout;
import io.larder.spi.Counters;
import io.larder.spi.KeyRules;
import io.larder.spi.Store;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Tag invalidation by generation counters: each tag has a counter in the store (under the
 * root cache's {@code %!tag:} prefix); a tagged value records the generations of its tags
 * when written and reads as absent once any of them has moved on. Invalidating a tag is one
 * increment; no key is scanned.
 */
final class Tags {
  private final StoreCalls calls;
  private final ScopedReads reads;
  private final KeyRules rules;
  private final String prefix;

  /** @param rootPrefix the clear prefix of the root cache, where tags live */
  Tags(StoreCalls calls, ScopedReads reads, KeyRules rules, String rootPrefix) {
    this.calls = calls;
    this.reads = reads;
    this.rules = rules;
    this.prefix = KeyLayout.internalPrefix(rootPrefix, "tag");
  }

  /**
   * The store key of a tag's generation counter.
   *
   * @throws IllegalArgumentException if the tag is empty
   */
  Keys.StoreKey key(String tag) {
    Objects.requireNonNull(tag, "tag");
    if (tag.isEmpty()) {
      throw new IllegalArgumentException("tag must not be empty");
    }
    return Keys.resolve(prefix, tag, rules);
  }

  /** The store keys of the generation counters of tags. */
  List<String> keys(List<String> tags) {
    List<String> keys = new ArrayList<>(tags.size());
    tags.forEach(t -> keys.add(key(t).store()));
    return keys;
  }

  /** The metadata of a plain write of a view: the current generations of its tags, if any. */
  Envelope.Meta writeMeta(View view) {
    return view.tagged()
        ? new Envelope.Meta(0, 0, generations(view.tags(), Map.of(), view.stats()), false)
        : Envelope.Meta.NONE;
  }

  /** Moves a tag to a new generation, so that every value written under it reads as absent. */
  void invalidate(String tag, StatsCounter stats) {
    Keys.StoreKey k = key(tag);
    Long generation = calls.call(stats, "invalidateTag", s -> s.incr(k.store(), 1,
        Store.NO_EXPIRY), null);
    if (generation == null) {
      reads.forget(k.store());
    } else {
      reads.written(k.store(), Counters.format(generation));
    }
  }

  /** Whether the generations a value recorded are still the tags' current ones. */
  boolean current(Map<String, Long> recorded, Map<String, byte[]> known, StatsCounter stats) {
    return generations(recorded.keySet(), known, stats).equals(recorded);
  }

  /**
   * Returns the current generations of tags, reading those not in {@code known} in one round
   * trip and starting missing ones.
   *
   * @param known bytes already read for other store keys, by store key
   */
  private Map<String, Long> generations(Collection<String> tagNames, Map<String, byte[]> known,
      StatsCounter stats) {
    Map<String, Keys.StoreKey> keys = new LinkedHashMap<>();
    List<String> unknown = new ArrayList<>();
    for (String tag : tagNames) {
      Keys.StoreKey k = key(tag);
      keys.put(tag, k);
      if (!known.containsKey(k.store())) {
        unknown.add(k.store());
      }
    }
    Map<String, byte[]> raw = unknown.isEmpty() ? known : new HashMap<>(known);
    if (!unknown.isEmpty()) {
      raw.putAll(reads.read(unknown, stats, false).bytes());
    }
    Map<String, Long> generations = new LinkedHashMap<>();
    for (Map.Entry<String, Keys.StoreKey> e : keys.entrySet()) {
      Long generation = parse(e.getValue(), raw.get(e.getValue().store()));
      generations.put(e.getKey(),
          generation != null ? generation : start(e.getValue(), stats));
    }
    return generations;
  }

  private static Long parse(Keys.StoreKey k, byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    try {
      return Counters.parse(k.store(), bytes);
    } catch (CacheCodecException corrupt) {
      return null;
    }
  }

  /**
   * Starts a missing tag generation at a random number, not at zero: a generation counter
   * that was evicted and started again must not match the generation old entries recorded.
   */
  private long start(Keys.StoreKey k, StatsCounter stats) {
    long start = ThreadLocalRandom.current().nextLong(1L << 32, 1L << 62);
    byte[] bytes = Counters.format(start);
    Boolean added = calls.call(stats, "tag", s -> s.add(k.store(), bytes, Store.NO_EXPIRY),
        null);
    if (Boolean.TRUE.equals(added)) {
      reads.written(k.store(), bytes);
      return start;
    }
    if (added != null) {
      byte[] theirs = calls.call(stats, "tag", s -> s.get(k.store()), null);
      Long generation = parse(k, theirs);
      if (generation != null) {
        return generation;
      }
      if (theirs != null) {
        calls.call(stats, "tag", s -> {
          s.set(k.store(), bytes, Store.NO_EXPIRY);
          return null;
        }, null);
      }
    }
    // the store failed (fail-open): a generation nobody holds makes the entry a miss
    reads.forget(k.store());
    return start;
  }
}

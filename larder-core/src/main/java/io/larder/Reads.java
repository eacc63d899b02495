package io.larder;

import io.larder.spi.StoredValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads values: bytes through {@link ScopedReads}, opened by {@link EntryCodec}, checked
 * against the tags' current generations, and counted as hits or misses (with the time the
 * value once took to compute as time saved).
 */
final class Reads {
  private final ScopedReads scoped;
  private final EntryCodec entries;
  private final Tags tags;
  private final StoreCalls calls;

  Reads(ScopedReads scoped, EntryCodec entries, Tags tags, StoreCalls calls) {
    this.scoped = scoped;
    this.entries = entries;
    this.tags = tags;
    this.calls = calls;
  }

  /**
   * Reads and opens one key; on a tagged view the tags' generations come in the same round
   * trip as the value.
   */
  <T> Entry<T> entry(View view, Keys.StoreKey k, Codec<T> codec) {
    if (!view.tagged()) {
      ScopedReads.One one = scoped.readOne(k.store(), view.stats());
      return open(view, k, one.bytes(), codec, Map.of(), one.owned());
    }
    List<String> keys = new ArrayList<>(1 + view.tags().size());
    keys.add(k.store());
    keys.addAll(tags.keys(view.tags()));
    ScopedReads.Raw raw = scoped.read(keys, view.stats(), true);
    return open(view, k, raw.bytes().get(k.store()), codec, raw.bytes(), raw.owned());
  }

  /** Reads several keys in one round trip; the result holds the keys found, in input order. */
  <T> Map<String, T> many(View view, Map<String, Keys.StoreKey> resolved, Codec<T> codec) {
    List<String> storeKeys = new ArrayList<>(resolved.size());
    resolved.values().forEach(k -> storeKeys.add(k.store()));
    ScopedReads.Raw raw = scoped.read(storeKeys, view.stats(), true);
    Map<String, byte[]> bytes = raw.bytes();
    if (view.tagged()) {
      bytes = new HashMap<>(bytes);
      bytes.putAll(scoped.read(tags.keys(view.tags()), view.stats(), false).bytes());
    }
    Map<String, T> result = new LinkedHashMap<>(capacity(resolved.size()));
    // counted once per call, not per key: each count reaches every ancestor's counters
    long hits = 0;
    long saved = 0;
    for (Map.Entry<String, Keys.StoreKey> e : resolved.entrySet()) {
      Keys.StoreKey k = e.getValue();
      byte[] b = bytes.get(k.store());
      Entry<T> entry = b == null ? Entry.absent()
          : check(view, k, b, codec, bytes, raw.owned());
      if (entry.present()) {
        hits++;
        saved += entry.meta().computeMillis();
        if (entry.value() != null) {
          result.put(e.getKey(), entry.value());
        }
      }
    }
    StatsCounter stats = view.stats();
    stats.add(StatsCounter.Kind.HIT, hits);
    stats.add(StatsCounter.Kind.MISS, resolved.size() - hits);
    stats.add(StatsCounter.Kind.TIME_SAVED, saved);
    return result;
  }

  /** Tells whether a key holds a value, from a scope if one knows, else asking the store. */
  boolean exists(View view, Keys.StoreKey k) {
    byte[] known = scoped.lookup(k.store(), view.stats(), true);
    if (known != null) {
      return known != Scopes.MISSING;
    }
    return calls.call(view.stats(), "exists", s -> s.exists(k.store()), false);
  }

  /** Reads a key's bytes with their version, for a compare-and-set; {@code null} if absent. */
  StoredValue versioned(View view, Keys.StoreKey k) {
    scoped.settle(k.store(), view.stats());
    return calls.call(view.stats(), "getVersioned", s -> s.getVersioned(k.store()), null);
  }

  /** Opens what a versioned read returned: the value, or {@code null} if absent or unreadable. */
  <T> T value(View view, Keys.StoreKey k, StoredValue stored, Codec<T> codec) {
    return open(view, k, stored == null ? null : stored.bytes(), codec, Map.of(),
        scoped.ownedReads()).value();
  }

  /**
   * Opens stored bytes, counting the hit or miss: undecodable bytes, and values written under
   * a tag generation that has moved on, read as absent.
   *
   * @param known bytes already read for other store keys (tag generations), by store key
   * @param owned whether no one else holds {@code raw}
   */
  <T> Entry<T> open(View view, Keys.StoreKey k, byte[] raw, Codec<T> codec,
      Map<String, byte[]> known, boolean owned) {
    StatsCounter stats = view.stats();
    Entry<T> entry = raw == null ? Entry.absent() : check(view, k, raw, codec, known, owned);
    if (!entry.present()) {
      stats.inc(StatsCounter.Kind.MISS);
      return entry;
    }
    stats.inc(StatsCounter.Kind.HIT);
    stats.add(StatsCounter.Kind.TIME_SAVED, entry.meta().computeMillis());
    return entry;
  }

  /**
   * Opens stored bytes without counting the hit or miss: absent if undecodable or written
   * under a tag generation that has moved on.
   */
  private <T> Entry<T> check(View view, Keys.StoreKey k, byte[] raw, Codec<T> codec,
      Map<String, byte[]> known, boolean owned) {
    StatsCounter stats = view.stats();
    Entry<T> entry = entries.open(k, raw, codec, owned, stats);
    if (!entry.present()
        || !entry.meta().tags().isEmpty() && !tags.current(entry.meta().tags(), known, stats)) {
      return Entry.absent();
    }
    return entry;
  }

  /** The initial capacity of a hash map that holds {@code n} entries without growing. */
  static int capacity(int n) {
    return n < 3 ? n + 1 : (int) Math.min(Integer.MAX_VALUE, n / 0.75 + 1);
  }
}

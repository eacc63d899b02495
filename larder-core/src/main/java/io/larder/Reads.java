package io.larder;

import io.larder.internal.MemoryStore;
import io.larder.spi.Decoded;
import io.larder.spi.KeyLayout;
import io.larder.spi.KeyRules;
import io.larder.spi.StoredValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads values: bytes through {@link ScopedReads}, opened by {@link EntryCodec}, checked
 * against the tags' current generations, and counted as hits or misses (with the time the
 * value once took to compute as time saved). Over a store with an object tier
 * ({@link io.larder.spi.DecodedValues}) a single-key read takes the entry decoded when the same
 * codec wrote it, and offers back what it had to decode when the value may be shared
 * ({@link ObjectTier}).
 */
final class Reads {
  private final ScopedReads scoped;
  private final EntryCodec entries;
  private final Tags tags;
  private final StoreCalls calls;
  private final ObjectTier tier;

  Reads(ScopedReads scoped, EntryCodec entries, Tags tags, StoreCalls calls, ObjectTier tier) {
    this.scoped = scoped;
    this.entries = entries;
    this.tags = tags;
    this.calls = calls;
    this.tier = tier;
  }

  /**
   * Reads and opens one key; on a tagged view the tags' generations come in the same round
   * trip as the value.
   */
  <T> Entry<T> entry(View view, Keys.StoreKey k, Codec<T> codec) {
    if (calls.objects() != null && (!view.tagged() || tier.byReference())) {
      return object(view, k.store(), k, codec);
    }
    if (!view.tagged()) {
      return scopedOrStored(view, k, codec);
    }
    List<String> keys = new ArrayList<>(1 + view.tags().size());
    keys.add(k.store());
    keys.addAll(tags.keys(view.tags()));
    ScopedReads.Raw raw = scoped.read(keys, view.stats(), true);
    return open(view, k, raw.bytes().get(k.store()), codec, raw.bytes(), raw.owned());
  }

  /**
   * Reads one key of an untagged view with no object tier: from a scope of this thread if one
   * knows it, else from the store; see {@link #scoped}.
   */
  private <T> Entry<T> scopedOrStored(View view, Keys.StoreKey k, Codec<T> codec) {
    Scopes.Answer a = scoped.readOne(k, adopts(codec));
    if (a == null) {
      return scoped(view, k, scoped.hides(k.store()) ? Scopes.MISSING : null, false, codec);
    }
    return scoped(view, k, a.bytes, a.owned, codec);
  }

  /**
   * Tells whether the thread's scopes answer a single-key read of a view by {@link #scoped}
   * (no object tier, an untagged view), so that the key may be looked up in them directly.
   */
  boolean scopesAnswer(View view) {
    return calls.objects() == null && !view.tagged();
  }

  /** Whether a codec keeps the array it decodes, so that a scope may hand it its own. */
  static boolean adopts(Codec<?> codec) {
    return codec instanceof BuiltinCodecs.Adopting<?>;
  }

  /**
   * Opens and counts what the thread's scopes answered for a single-key read of an untagged view
   * (its preload hit and its hit or miss in one increment), or reads the key from the store if
   * no scope knew it.
   *
   * @param b the bytes, {@link Scopes#MISSING}, or {@code null} if no scope knew the key
   * @param owned whether a scope handed {@code b} to this reader as its own array
   */
  <T> Entry<T> scoped(View view, Keys.StoreKey k, byte[] b, boolean owned, Codec<T> codec) {
    if (b == null) {
      return open(view, k, scoped.readStored(k.store(), view.stats()), codec, Map.of(),
          scoped.ownedReads());
    }
    Entry<T> entry = b == Scopes.MISSING ? Entry.absent()
        : entries.open(k, b, codec, owned, view.stats());
    return counted(view, entry, Map.of(), StatsCounter.Kind.SCOPE_HIT,
        StatsCounter.Kind.SCOPE_MISS);
  }

  /**
   * Reads one key whose store key is the key itself (an unprefixed view over a store that takes
   * any key), as {@link #entry} does; from an object tier, without making a
   * {@link Keys.StoreKey}.
   */
  <T> Entry<T> plain(View view, String key, Codec<T> codec) {
    if (calls.objects() != null && (!view.tagged() || tier.byReference())) {
      return object(view, key, null, codec);
    }
    return entry(view, plainKey(key), codec);
  }

  /**
   * Reads the value of one key as {@link #plain} does, making no {@link Entry} for the
   * commonest reads of all: a hit on bytes in no envelope in an object tier (a {@code byte[]}
   * in {@code mem:}), which the codec decodes afresh for this caller, and a hit on a value the
   * tier keeps with no metadata.
   *
   * @return the value, or {@code null} if absent (a cached {@code null} included)
   */
  <T> T plainValue(View view, String key, Codec<T> codec) {
    if (calls.objects() == null || view.tagged() || tier.byReference()) {
      return plain(view, key, codec).value();
    }
    return objectValue(view, key, null, codec);
  }

  /**
   * Reads the value of one resolved key as {@link #entry} does, making no {@link Entry} for a
   * hit on a value the store's object tier keeps with no metadata.
   *
   * @return the value, or {@code null} if absent (a cached {@code null} included)
   */
  <T> T value(View view, Keys.StoreKey k, Codec<T> codec) {
    if (calls.objects() == null || view.tagged() || tier.byReference()) {
      return entry(view, k, codec).value();
    }
    return objectValue(view, k.store(), k, codec);
  }

  /**
   * Reads the value of one key of an untagged view from the store's object tier, as
   * {@link #object} reads its entry.
   *
   * @param k the resolved key, or {@code null} when {@code store} is the user key itself
   */
  private <T> T objectValue(View view, String store, Keys.StoreKey k, Codec<T> codec) {
    StatsCounter stats = view.stats();
    byte[] known = scoped.lookup(store, stats, true);
    if (known != null) {
      return open(view, k != null ? k : plainKey(store),
          known == Scopes.MISSING ? null : known, codec, Map.of(), false).value();
    }
    return heldValue(view, store, k, calls.getDecodedOrBytes(stats, store), codec);
  }

  /**
   * Opens and counts what the object tier held for a key.
   *
   * @param k the resolved key, or {@code null} when {@code store} is the user key itself
   */
  private <T> T heldValue(View view, String store, Keys.StoreKey k, Object held,
      Codec<T> codec) {
    StatsCounter stats = view.stats();
    if (held instanceof Decoded d) {
      // asked with the codec itself, only a bare value answers (ObjectTier.decoded): its class
      // is not read here
      Object kept = tier.bareFor(d, codec);
      if (kept != null && tier.fits(codec, kept)) {
        // a value kept with no metadata, decoded by this codec: handed out as it is
        assert !(kept instanceof Entry<?>) : "an entry kept under its bare codec";
        stats.inc(StatsCounter.Kind.STORE_HIT);
        @SuppressWarnings("unchecked")
        T value = (T) kept;
        return value;
      }
    }
    if (k != null || !(held instanceof byte[] raw) || !Envelope.bare(raw)
        || tier.byReference()) {
      // by reference, bytes (written by a cache that copies) are opened as the slow path does
      return stored(view, store, k, held, codec).value();
    }
    return bareValue(store, raw, codec, stats);
  }

  /**
   * Opens bytes in no envelope that the object tier held for a key that is its own store key,
   * counting the read after the decode: a hit, the value offered back to the tier when it may be
   * shared; a miss when it cannot be decoded ({@link EntryCodec#openBare}: a decode error when
   * failing open, a thrown {@link CacheCodecException} when not). For a {@code byte[]} in a
   * cache that copies, the decode is the caller's own copy and the offer is never made.
   */
  private <T> T bareValue(String store, byte[] raw, Codec<T> codec, StatsCounter stats) {
    T value = entries.openBare(store, raw, codec, stats);
    if (value == null) {
      stats.inc(StatsCounter.Kind.STORE_MISS);
      return null;
    }
    if (tier.shared(value)) {
      offer(store, Decoded.ofBytes(raw), new Entry<>(true, value, Envelope.Meta.NONE), codec,
          raw);
    }
    stats.inc(StatsCounter.Kind.STORE_HIT);
    return value;
  }

  /**
   * Tells whether reads of a view may ever go to {@link #memoryValue}: the store is Larder's
   * memory store and the view untagged. It never changes for a view, so a cache asks once, when
   * made; each read then asks {@link #fromMemory()}. A cache by reference takes that path too:
   * its kept value is found as {@link #stored} finds it, with no {@link Entry} made per hit.
   */
  boolean memoryView(View view) {
    return calls.memory() != null && !view.tagged();
  }

  /**
   * Tells whether a read of a {@link #memoryView} may go to {@link #memoryValue} now: the cache
   * is open, and no scope nor dropped write on any thread could answer a read before the store.
   */
  boolean fromMemory() {
    // a closed cache takes the old path, which refuses an invalid key before it finds it closed
    return calls.open() && scoped.idle();
  }

  /**
   * Reads the value of one key of an unprefixed view over the memory store
   * ({@link #fromMemory}) as {@link #plainValue} does, checking the key only when the store
   * holds no bare value for it: a bare value is held only under a key that is valid and its own
   * store key ({@link io.larder.internal.MemoryStore#getHeld}), so a hit on one reads none of
   * the key's characters, as a raw Caffeine read of the string it holds reads none.
   *
   * @return the value, or {@code null} if absent (a cached {@code null} included)
   * @throws IllegalArgumentException if the key is empty or not valid Unicode
   */
  <T> T memoryValue(View view, String key, Codec<T> codec) {
    StatsCounter stats = view.stats();
    Object held = calls.getHeld(stats, Objects.requireNonNull(key, "key"));
    if (held instanceof byte[] raw && Envelope.bare(raw) && !tier.byReference()) {
      // the commonest hit of all (a byte[] in mem:): bare bytes, opened as heldValue opens them,
      // before the tests for the other things the store may hold
      return bareValue(key, raw, codec, stats);
    }
    if (held instanceof String s) {
      // a string written for the UTF-8 codec, held as itself (MemoryStore#putOwn)
      if (codec == BuiltinCodecs.UTF8) {
        stats.inc(StatsCounter.Kind.STORE_HIT);
        @SuppressWarnings("unchecked")
        T value = (T) s;
        return value;
      }
      held = MemoryStore.unwrap(s);
    } else if (!MemoryStore.bare(held)) {
      if (Keys.checkKey(key).charAt(0) == KeyLayout.NAMESPACE_MARK) {
        // stored under an escaped key: what was read under the key itself is a namespace's
        return entry(view, Keys.resolve("", key, KeyRules.ANY), codec).value();
      }
      held = MemoryStore.unwrap(held);
    }
    return heldValue(view, key, null, held, codec);
  }

  /** The resolved form of a key that is its own store key, never hashed. */
  static Keys.StoreKey plainKey(String key) {
    return new Keys.StoreKey(key, key, key, false);
  }

  /**
   * Reads one key of an untagged view (or any view kept by reference) from the store's object
   * tier: what a scope knows first, then the kept entry if {@code codec} decoded it, else the
   * bytes, decoded and offered back.
   *
   * @param k the resolved key, or {@code null} when {@code store} is the user key itself
   *     ({@link #plain})
   */
  private <T> Entry<T> object(View view, String store, Keys.StoreKey k, Codec<T> codec) {
    StatsCounter stats = view.stats();
    byte[] known = scoped.lookup(store, stats, true);
    // a value kept by reference has no bytes, so a scope holds it as missing: ask the store
    if (known != null && !(known == Scopes.MISSING && tier.byReference())) {
      return open(view, k != null ? k : plainKey(store), known == Scopes.MISSING ? null : known,
          codec, Map.of(), false);
    }
    return stored(view, store, k, calls.getDecodedOrBytes(stats, store), codec);
  }

  /**
   * Opens what the store's object tier held for a key ({@link StoreCalls#getDecodedOrBytes}),
   * counting it with its round trip: the kept entry if {@code codec} decoded it, else the
   * bytes, decoded and offered back.
   */
  private <T> Entry<T> stored(View view, String store, Keys.StoreKey k, Object held,
      Codec<T> codec) {
    StatsCounter stats = view.stats();
    if (held == null) {
      return countedFromStore(view, Entry.absent());
    }
    Decoded read = held instanceof byte[] bytes ? Decoded.ofBytes(bytes) : (Decoded) held;
    Object found = tier.keptFor(read, codec);
    if (found != null) {
      Entry<T> kept = ObjectTier.entryOf(found);
      return countedFromStore(view, tier.fits(codec, kept.value()) ? kept : Entry.absent());
    }
    byte[] raw;
    try {
      raw = read.bytes();
    } catch (RuntimeException e) {
      // written decoded by another codec that cannot encode it (a by-reference value)
      String full = k != null ? k.full() : store;
      return countedFromStore(view, entries.unencodable(full, stats, e));
    }
    Entry<T> opened = k != null ? entries.open(k, raw, codec, false, stats)
        : entries.openPlain(store, raw, codec, stats);
    if (opened.present() && (opened.value() == null || tier.shared(opened.value()))) {
      offer(store, read, opened, codec, raw);
    }
    return countedFromStore(view, opened);
  }

  /**
   * Offers an entry decoded from {@code raw} back to the object tier, to be kept for others,
   * unless its value is estimated above {@link ObjectTier#KEPT_UP_TO} bytes: such a value is
   * never kept as an object, as a write of it is not ({@link Writes}).
   */
  private <T> void offer(String store, Decoded read, Entry<T> opened, Codec<T> codec,
      byte[] raw) {
    long weight = opened.value() == null ? 0 : ObjectTier.weight(opened.value());
    if (weight <= ObjectTier.KEPT_UP_TO) {
      calls.objects().offerDecoded(store, read, tier.decoded(opened, codec, weight, raw));
    }
  }

  /**
   * Reads several keys in one round trip; the result holds the keys found, in input order. A
   * value in no envelope under a key that is not hashed (the commonest) is decoded with no
   * {@link Entry} made for it; hits, misses and time saved are counted once per call.
   */
  <T> Map<String, T> many(View view, BulkKeys keys, Codec<T> codec) {
    if (tier.byReference()) {
      return manyByReference(view, keys, codec);
    }
    StatsCounter stats = view.stats();
    ScopedReads.Raw raw = scoped.read(keys.storeKeys(), stats, true);
    Map<String, byte[]> bytes = raw.bytes();
    if (view.tagged()) {
      bytes = new HashMap<>(bytes);
      bytes.putAll(scoped.read(tags.keys(view.tags()), stats, false).bytes());
    }
    return opened(view, keys, bytes, raw.owned(), codec);
  }

  /**
   * Opens what a bulk read found for {@code keys}, counting hits, misses and time saved once
   * for the call; the result holds the keys found, in input order.
   *
   * @param bytes the bytes read, by store key, with any tag generations read beside them
   * @param owned whether no one else holds the arrays in {@code bytes}
   */
  <T> Map<String, T> opened(View view, BulkKeys keys, Map<String, byte[]> bytes, boolean owned,
      Codec<T> codec) {
    StatsCounter stats = view.stats();
    int n = keys.size();
    Map<String, T> result = new LinkedHashMap<>(capacity(n));
    // counted once per call, not per key: each count reaches every ancestor's counters
    long hits = 0;
    long saved = 0;
    for (int i = 0; i < n; i++) {
      byte[] b = bytes.get(keys.store(i));
      if (b == null) {
        continue;
      }
      if (!keys.hashed(i) && Envelope.bare(b)) {
        T value = entries.openBare(keys.store(i), b, codec, owned, stats);
        if (value != null) {
          hits++;
          result.put(keys.user(i), value);
        }
        continue;
      }
      Entry<T> entry = check(view, keys.key(i), b, codec, bytes, owned);
      if (entry.present()) {
        hits++;
        saved += entry.meta().computeMillis();
        if (entry.value() != null) {
          result.put(keys.user(i), entry.value());
        }
      }
    }
    stats.add(StatsCounter.Kind.HIT, hits);
    stats.add(StatsCounter.Kind.MISS, n - hits);
    stats.add(StatsCounter.Kind.TIME_SAVED, saved);
    return result;
  }

  /**
   * Reads several keys of a cache kept by reference one by one from its in-process store, as
   * values kept by reference have no bytes for a bulk read to carry.
   */
  private <T> Map<String, T> manyByReference(View view, BulkKeys keys, Codec<T> codec) {
    Map<String, T> result = new LinkedHashMap<>(capacity(keys.size()));
    for (int i = 0; i < keys.size(); i++) {
      T value = entry(view, keys.key(i), codec).value();
      if (value != null) {
        result.put(keys.user(i), value);
      }
    }
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
    Entry<T> entry = raw == null ? Entry.absent()
        : entries.open(k, raw, codec, owned, view.stats());
    return counted(view, entry, known);
  }

  /**
   * Counts an opened entry as a hit or a miss: values written under a tag generation that has
   * moved on read as absent.
   */
  private <T> Entry<T> counted(View view, Entry<T> entry, Map<String, byte[]> known) {
    return counted(view, entry, known, StatsCounter.Kind.HIT, StatsCounter.Kind.MISS);
  }

  /**
   * Counts an entry read from the store's object tier as {@link #counted} does, with the
   * round trip that read it in the same increment.
   */
  private <T> Entry<T> countedFromStore(View view, Entry<T> entry) {
    return counted(view, entry, Map.of(), StatsCounter.Kind.STORE_HIT,
        StatsCounter.Kind.STORE_MISS);
  }

  private <T> Entry<T> counted(View view, Entry<T> entry, Map<String, byte[]> known,
      StatsCounter.Kind hit, StatsCounter.Kind miss) {
    StatsCounter stats = view.stats();
    if (!entry.present()
        || !entry.meta().tags().isEmpty() && !tags.current(entry.meta().tags(), known, stats)) {
      stats.inc(miss);
      return Entry.absent();
    }
    stats.inc(hit);
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

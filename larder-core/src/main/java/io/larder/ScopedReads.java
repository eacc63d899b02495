package io.larder;

import io.larder.spi.Decoded;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The one path by which stored bytes are read: through the thread's open preload scopes
 * first (hits and known misses), then from the store in one bulk call for the rest; and the
 * way writes keep open scopes true. Every read is recorded in the thread's learning scopes.
 * Keys whose write failed in fail-open mode ({@link DroppedWrites}) read as misses here,
 * without asking the store.
 */
final class ScopedReads {
  private final Scopes scopes = new Scopes();
  private final StoreCalls calls;
  private final boolean ownedReads;
  private final DroppedWrites dropped;
  private final boolean gatherWrites;
  private final java.util.function.Predicate<String> hidden;

  /**
   * @param ownedReads whether the store's reads return arrays no one else holds
   * @param dropped the keys whose failed write must not be answered with the old value
   * @param gatherWrites whether request scopes hold writes back until they close
   */
  ScopedReads(StoreCalls calls, boolean ownedReads, DroppedWrites dropped,
      boolean gatherWrites) {
    this.calls = calls;
    this.ownedReads = ownedReads;
    this.dropped = dropped;
    this.gatherWrites = gatherWrites;
    this.hidden = dropped::hides;
  }

  /**
   * Tells whether no scope is open on any thread and no dropped write is remembered: then no
   * read can be answered before the store.
   */
  boolean idle() {
    return !scopes.anyOpen() && dropped.isEmpty();
  }

  /** Whether the store's reads return arrays no one else holds. */
  boolean ownedReads() {
    return ownedReads;
  }

  /**
   * Bytes read for store keys (absent keys left out; not to be modified), and whether every
   * array in it is the caller's own (see {@link EntryCodec#open}).
   */
  record Raw(Map<String, byte[]> bytes, boolean owned) {}

  /**
   * Records a read of a store key in the thread's learning scopes and returns what an open
   * scope knows of it: its bytes, {@link Scopes#MISSING}, or {@code null} if no scope knows it.
   *
   * @param userRead whether this is the caller's read (counted as a preload hit) or Larder's
   *     own (a tag generation)
   */
  byte[] lookup(String storeKey, StatsCounter stats, boolean userRead) {
    byte[] known = recordAndLookUp(storeKey);
    if (known != null && userRead) {
      stats.inc(StatsCounter.Kind.PRELOAD_HIT);
    }
    return known;
  }

  private byte[] recordAndLookUp(String storeKey) {
    return scopes.find(storeKey, true, hidden);
  }

  /**
   * What this thread knows of a store key without asking the store: a write it holds back,
   * a failed write's miss, or what an open scope read.
   */
  private byte[] known(String storeKey) {
    return scopes.find(storeKey, false, hidden);
  }

  /** Whether this thread knows every one of {@code storeKeys} without asking the store. */
  boolean knowsAll(Collection<String> storeKeys) {
    for (String k : storeKeys) {
      if (known(k) == null) {
        return false;
      }
    }
    return true;
  }

  /**
   * Looks one key up in the thread's scopes for a single-key read, counting nothing; see
   * {@link Scopes#read}, whose answer slot is returned, or {@code null} if this thread has no
   * open scope.
   *
   * @param adopt whether the reader's codec keeps the array it decodes, so that a scope may hand
   *     it the array its bulk read returned rather than have it copied
   */
  Scopes.Answer readOne(Keys.StoreKey k, boolean adopt) {
    return scopes.read(null, null, k, adopt, hidden);
  }

  /**
   * Looks up, as {@link #readOne} does, the key an open scope of this thread resolved
   * {@code userKey} to under {@code prefix}; {@code null} if none did.
   */
  Scopes.Answer readPreloaded(String prefix, String userKey, boolean adopt) {
    return scopes.read(prefix, userKey, null, adopt, hidden);
  }

  /** Whether a failed write of a key in fail-open mode makes reads of it miss for now. */
  boolean hides(String storeKey) {
    return hidden.test(storeKey);
  }

  /** Reads one store key from the store, as the caller's own array if the store's are. */
  byte[] readStored(String storeKey, StatsCounter stats) {
    return calls.call(stats, "get", s -> s.get(storeKey), null);
  }

  /**
   * Reads store keys through the thread's scopes, then in one bulk call for the rest.
   *
   * @param userRead whether these are the caller's reads (counted as preload hits) or
   *     Larder's own (tag generations)
   */
  Raw read(Collection<String> storeKeys, StatsCounter stats, boolean userRead) {
    if (!scopes.anyOpen() && dropped.isEmpty()) {
      // nothing on any thread could answer: no per-key lookups, no second list
      Collection<String> all = storeKeys;
      return new Raw(storeKeys.isEmpty() ? Map.of()
          : calls.call(stats, "getMany", s -> s.getMany(all), Map.of()), ownedReads);
    }
    Map<String, byte[]> fromScopes = null;
    List<String> toFetch = new ArrayList<>(storeKeys.size());
    long preloadHits = 0;
    for (String k : storeKeys) {
      byte[] known = recordAndLookUp(k);
      if (known == null) {
        toFetch.add(k);
        continue;
      }
      preloadHits++;
      if (known != Scopes.MISSING) {
        if (fromScopes == null) {
          fromScopes = new HashMap<>();
        }
        fromScopes.put(k, known);
      }
    }
    if (userRead) {
      stats.add(StatsCounter.Kind.PRELOAD_HIT, preloadHits);
    }
    Map<String, byte[]> fetched = toFetch.isEmpty() ? Map.of()
        : calls.call(stats, "getMany", s -> s.getMany(toFetch), Map.of());
    if (fromScopes == null) {
      return new Raw(fetched, ownedReads);
    }
    fromScopes.putAll(fetched);
    return new Raw(fromScopes, false);
  }

  /**
   * Fills a new scope's {@code entries} for store keys: what an open scope already knows, and
   * the rest in one bulk read, absent keys marked {@link Scopes#MISSING}. In fail-open mode a
   * failed bulk read marks them all missing, rather than asking again key by key within the
   * same request.
   *
   * @return what the bulk read found
   */
  Map<String, byte[]> fetchInto(Collection<String> storeKeys, Map<String, byte[]> entries,
      StatsCounter stats) {
    Collection<String> fetching = unknown(storeKeys, entries);
    if (fetching.isEmpty()) {
      return Map.of();
    }
    Map<String, byte[]> fetched =
        calls.call(stats, "preload", s -> s.getMany(fetching), Map.of());
    for (String k : fetching) {
      byte[] b = fetched.get(k);
      entries.put(k, b == null ? Scopes.MISSING : b);
    }
    return fetched;
  }

  /**
   * Reads a listed scope's store keys as {@link #fetchInto} does, but leaves what the bulk read
   * found out of {@code entries} (which get only what an open scope already knows): it is
   * returned, absent keys marked {@link Scopes#MISSING}, as a plain map for the scope alone
   * (the store's own map when the store's reads are copies and it is a {@link HashMap}), so that
   * opening the scope copies no entry into a concurrent map.
   *
   * @return what the bulk read found, or {@code null} if every key was known
   */
  Map<String, byte[]> load(Collection<String> storeKeys, Map<String, byte[]> entries,
      StatsCounter stats) {
    Collection<String> fetching = unknown(storeKeys, entries);
    if (fetching.isEmpty()) {
      return null;
    }
    Map<String, byte[]> fetched =
        calls.call(stats, "preload", s -> s.getMany(fetching), Map.of());
    Map<String, byte[]> loaded;
    if (ownedReads && fetched.getClass() == HashMap.class) {
      loaded = fetched;
    } else {
      loaded = new HashMap<>(Reads.capacity(fetching.size()));
      loaded.putAll(fetched);
    }
    if (loaded.size() < fetching.size()) {
      for (String k : fetching) {
        loaded.putIfAbsent(k, Scopes.MISSING);
      }
    }
    return loaded;
  }

  /**
   * The store keys this thread does not know yet, in order; those it knows are put in
   * {@code entries}.
   */
  private Collection<String> unknown(Collection<String> storeKeys, Map<String, byte[]> entries) {
    if (!scopes.openOnThisThread() && dropped.isEmpty()) {
      return storeKeys; // this thread knows none of them: no per-key lookups, no second list
    }
    List<String> unknown = new ArrayList<>(storeKeys.size());
    for (String k : storeKeys) {
      byte[] known = known(k);
      if (known != null) {
        entries.put(k, known);
      } else {
        unknown.add(k);
      }
    }
    return unknown;
  }

  /**
   * Opens a scope on this thread; see {@link Scopes#open(Set, Map, Consumer, Consumer)}.
   *
   * @param gathers whether it is a request scope, which holds the thread's writes back until
   *     it closes (when write gathering is on), the store's round trip counted in {@code stats}
   */
  Preload open(Set<String> userKeys, Map<String, byte[]> entries,
      Consumer<Set<String>> onClose, boolean gathers, StatsCounter stats) {
    return scopes.open(userKeys, entries, onClose,
        gathers && gatherWrites ? writes -> flush(writes, stats) : null);
  }

  /**
   * Opens a preload scope of user keys resolved under a view's {@code prefix}; see
   * {@link Scopes#open(Set, Map, Consumer, Consumer, String, Map, Map, boolean)}.
   *
   * @param loaded what {@link #load} returned for {@code entries}
   */
  Preload open(Map<String, Keys.StoreKey> keys, String prefix, Map<String, byte[]> entries,
      Map<String, byte[]> loaded) {
    // the map is the caller's own (resolved for this call): its key set needs no copy
    return scopes.open(java.util.Collections.unmodifiableSet(keys.keySet()), entries, null, null,
        prefix, keys, loaded, ownedReads);
  }

  /** How an open scope of this thread resolved {@code userKey}; see {@link Scopes#preloaded}. */
  Keys.StoreKey preloaded(String prefix, String userKey) {
    return scopes.preloaded(prefix, userKey);
  }

  /**
   * Holds a write back in the thread's outermost request scope, if one is open, until it
   * closes; reads of the key on this thread see it meanwhile.
   *
   * @return whether the write was held back; {@code false}: the caller writes now
   */
  boolean gather(String storeKey, byte[] bytes, long ttlMillis, StatsCounter stats) {
    if (!gatherWrites) {
      return false;
    }
    Scopes.Scope gatherer = scopes.gatherer();
    if (gatherer == null) {
      return false;
    }
    gatherer.gather(storeKey, new Scopes.Gathered(bytes, ttlMillis, stats));
    scopes.written(storeKey, bytes);
    return true;
  }

  /**
   * Sends the writes this thread holds back, if one of them is for {@code storeKey}: before a
   * call that reads or changes the key in the store itself (add, counters, compare-and-set,
   * touch).
   */
  void settle(String storeKey, StatsCounter stats) {
    if (scopes.gathered(storeKey) != null) {
      flush(scopes.takeGathered(), stats);
    }
  }

  /** Forgets held-back writes that a delete of {@code storeKey} replaces. */
  void dropGathered(String storeKey) {
    scopes.dropGatheredKey(storeKey);
  }

  /**
   * Sends held-back writes in one call ({@link io.larder.spi.Store#setEach}); each counts as
   * a write of the view that made it, or, if the call fails, as a failed write of its key.
   *
   * @throws CacheException if the call fails and the cache fails closed
   */
  void flush(Map<String, Scopes.Gathered> writes, StatsCounter stats) {
    Map<String, byte[]> bytes = new LinkedHashMap<>(Reads.capacity(writes.size()));
    writes.forEach((k, w) -> bytes.put(k, w.bytes()));
    Boolean ok = null;
    try {
      ok = calls.call(stats, "flush", s -> {
        s.setEach(bytes, k -> writes.get(k).ttlMillis());
        return Boolean.TRUE;
      }, null);
    } finally {
      StatsCounter counting = null;
      long n = 0;
      for (Map.Entry<String, Scopes.Gathered> e : writes.entrySet()) {
        Scopes.Gathered w = e.getValue();
        if (ok == null) {
          writeFailed(e.getKey(), w.ttlMillis());
          continue;
        }
        dropped.written(e.getKey());
        if (w.stats() != counting) {
          if (counting != null) {
            counting.add(StatsCounter.Kind.WRITE, n);
          }
          counting = w.stats();
          n = 0;
        }
        n++;
      }
      if (counting != null) {
        counting.add(StatsCounter.Kind.WRITE, n);
      }
    }
  }

  /**
   * Records a write that succeeded while no scope was open ({@link #idle}): a dropped write of
   * the key remembered since is forgotten, as {@link #written(String, byte[])} forgets it.
   */
  void written(String storeKey) {
    dropped.written(storeKey);
  }

  /**
   * Records a write (or, with {@link Scopes#MISSING}, a delete) that succeeded, in the thread's
   * scopes and by forgetting an earlier failed write of the key.
   */
  void written(String storeKey, byte[] bytes) {
    scopes.written(storeKey, bytes);
    dropped.written(storeKey);
  }

  /**
   * Records a write to the store's object tier that succeeded, as {@link #written(String,
   * byte[])} does; the entry is encoded only if a scope of this thread holds the key, and a
   * scope forgets the key if it cannot be.
   */
  void written(String storeKey, Decoded value) {
    if (scopes.holds(storeKey)) {
      byte[] bytes;
      try {
        bytes = value.bytes();
      } catch (RuntimeException e) {
        bytes = null;
      }
      if (bytes == null) {
        scopes.forget(storeKey);
      } else {
        scopes.written(storeKey, bytes);
      }
    }
    dropped.written(storeKey);
  }

  /**
   * Records a write or delete that failed: the thread's scopes forget the key, and in fail-open
   * mode reads of it miss for {@code ttlMillis} ({@link io.larder.spi.Store#NO_EXPIRY} for a
   * delete: until a write, delete or background delete succeeds).
   */
  void writeFailed(String storeKey, long ttlMillis) {
    scopes.forget(storeKey);
    if (calls.failOpen()) {
      dropped.remember(storeKey, ttlMillis);
    }
  }

  /** Runs {@code call} out of sight of this thread's scopes ({@link Scopes#outside}). */
  <R> R outsideScopes(java.util.function.Supplier<R> call) {
    return scopes.outside(call);
  }

  /** Makes the thread's scopes forget a key whose state is no longer known. */
  void forget(String storeKey) {
    scopes.forget(storeKey);
  }

  /**
   * Marks every key under {@code prefix} missing in the thread's scopes, and forgets the
   * writes held back for them.
   */
  void cleared(String prefix) {
    scopes.dropGathered(prefix);
    scopes.cleared(prefix);
  }
}

package io.larder;

import io.larder.spi.KeyLayout;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.larder.spi.KeyRules;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opens preload scopes: a listed set of keys in one bulk read, or a learned scope that reads
 * what the same name read last time (its key list kept in this JVM and in the store, under the
 * root cache's {@code %!learn:} prefix) and records what it reads now for next time.
 */
final class Preloads {
  private static final System.Logger LOG = System.getLogger(Cache.class.getName());

  /**
   * How long a learned key list lives in the store without being rewritten: lists of pages
   * nobody visits any more go away; a page visited again learns again in one request.
   */
  static final long LEARNED_LIST_TTL_MILLIS = Duration.ofDays(7).toMillis();

  private final ScopedReads scoped;
  private final StoreCalls calls;
  private final KeyRules rules;
  private final String learnPrefix;
  /** The store keys each learned preload read last time, by name. */
  private final com.github.benmanes.caffeine.cache.Cache<String, List<String>> learned =
      Caffeine.newBuilder().maximumSize(10_000).build();

  Preloads(ScopedReads scoped, StoreCalls calls, KeyRules rules, String rootPrefix) {
    this.scoped = scoped;
    this.calls = calls;
    this.rules = rules;
    this.learnPrefix = KeyLayout.internalPrefix(rootPrefix, "learn");
  }

  /**
   * Opens a scope holding {@code keys} (user key to store key, resolved under the view prefix
   * {@code prefix}), read in one round trip.
   */
  Preload open(Map<String, Keys.StoreKey> keys, String prefix, StatsCounter stats) {
    List<String> storeKeys = new ArrayList<>(keys.size());
    keys.values().forEach(k -> storeKeys.add(k.store()));
    // the scope keeps both maps: entries takes what enclosing scopes know and later writes
    Map<String, byte[]> entries = new ConcurrentHashMap<>();
    Map<String, byte[]> loaded = scoped.load(storeKeys, entries, stats);
    return scoped.open(keys, prefix, entries, loaded);
  }

  /**
   * Returns how an open preload scope of this thread resolved {@code userKey} under the view
   * prefix {@code prefix}, or {@code null}.
   */
  Keys.StoreKey preloaded(String prefix, String userKey) {
    return scoped.preloaded(prefix, userKey);
  }

  /**
   * Looks up the key an open preload scope of this thread resolved {@code userKey} to under the
   * view prefix {@code prefix}, with what the thread's scopes know of it
   * ({@link ScopedReads#readPreloaded}); {@code null} if no scope resolved it.
   */
  Scopes.Answer readPreloaded(String prefix, String userKey, boolean adopt) {
    return scoped.readPreloaded(prefix, userKey, adopt);
  }

  /** Opens a request scope that reads nothing and gathers writes; see {@link Cache#gatherWrites}. */
  Preload gathering(StatsCounter stats) {
    return scoped.open(Set.of(), Map.of(), null, true, stats);
  }

  /** Opens a learned scope; see {@link Cache#learnedPreload}. */
  Preload learned(String name, StatsCounter stats) {
    Keys.StoreKey listKey = Keys.resolve(learnPrefix, name, rules);
    List<String> learnedKeys = learned.getIfPresent(name);
    Map<String, byte[]> entries = new ConcurrentHashMap<>();
    List<String> toFetch = new ArrayList<>();
    if (learnedKeys == null || !scoped.knowsAll(learnedKeys)) {
      // the stored list comes along with the data; alone, it is not worth a round trip
      toFetch.add(listKey.store());
    }
    if (learnedKeys != null) {
      toFetch.addAll(learnedKeys);
    }
    Map<String, byte[]> fetched = scoped.fetchInto(toFetch, entries, stats);
    byte[] storedList = fetched.get(listKey.store());
    List<String> fromStore = storedList == null ? null : LearnedKeys.decode(storedList);
    if (learnedKeys == null && fromStore != null && !fromStore.isEmpty()) {
      // a cold JVM: another server's list, then its data (the only time this costs two)
      scoped.fetchInto(fromStore, entries, stats);
    }
    List<String> previous = fromStore != null ? fromStore : learnedKeys;
    entries.remove(listKey.store());
    return scoped.open(Set.of(), entries,
        recorded -> remember(name, listKey, recorded, previous, stats),
        // closing a learned scope never throws, so fail-closed its writes go out at once
        calls.failOpen(), stats);
  }

  /** Keeps what a learned scope read, in this JVM and, when the set changed, in the store. */
  private void remember(String name, Keys.StoreKey listKey, Collection<String> recorded,
      List<String> previous, StatsCounter stats) {
    List<String> now = new ArrayList<>(recorded);
    now.remove(listKey.store());
    learned.put(name, List.copyOf(now));
    // rewritten only when the set of keys changed, not their order
    if (previous != null && new HashSet<>(now).equals(new HashSet<>(previous))) {
      return;
    }
    byte[] bytes = LearnedKeys.encode(now);
    if (scoped.gather(listKey.store(), bytes, LEARNED_LIST_TTL_MILLIS, stats)) {
      return;
    }
    try {
      calls.call(stats, "learnedPreload", s -> {
        s.set(listKey.store(), bytes, LEARNED_LIST_TTL_MILLIS);
        return null;
      }, null);
    } catch (CacheException e) {
      // the list is only an optimisation: closing a scope never fails, even fail-closed
      LOG.log(Level.DEBUG, () -> "could not store the learned keys of " + name, e);
    }
  }
}

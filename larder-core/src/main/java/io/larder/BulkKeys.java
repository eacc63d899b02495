package io.larder;

import io.larder.spi.KeyLayout;
import io.larder.spi.KeyRules;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;

/**
 * The user keys of one bulk call, each checked and resolved for the store once, held in
 * arrays by position in input order, a repeated key at its first position only. Over a store
 * that takes any key a key is held as its user and store strings alone; a
 * {@link Keys.StoreKey} is made for it only when its bytes come in an envelope ({@link #key}).
 */
final class BulkKeys {
  private final String[] users;
  private final String[] stores;
  /** The resolved keys, for stores with key rules (where a key may be hashed); else null. */
  private final Keys.StoreKey[] resolved;

  private BulkKeys(String[] users, String[] stores, Keys.StoreKey[] resolved) {
    this.users = users;
    this.stores = stores;
    this.resolved = resolved;
  }

  /**
   * Resolves user keys under a view's prefix, in order, as {@link Keys#resolve} resolves one.
   *
   * @throws NullPointerException if {@code keys} or one of its keys is null
   * @throws IllegalArgumentException if a key is empty or not valid Unicode
   */
  static BulkKeys resolve(Collection<String> keys, String prefix, KeyRules rules) {
    Objects.requireNonNull(keys, "keys");
    int capacity = keys.size();
    String[] users = new String[capacity];
    String[] stores = new String[capacity];
    Keys.StoreKey[] resolved = rules == KeyRules.ANY ? null : new Keys.StoreKey[capacity];
    int n = 0;
    for (String key : keys) {
      if (n == users.length) {
        // the collection grew while it was read
        capacity = Math.max(4, capacity * 2);
        users = Arrays.copyOf(users, capacity);
        stores = Arrays.copyOf(stores, capacity);
        resolved = resolved == null ? null : Arrays.copyOf(resolved, capacity);
      }
      if (resolved == null) {
        stores[n] = KeyLayout.key(prefix, Keys.checkKey(key));
      } else {
        Keys.StoreKey k = Keys.resolve(prefix, key, rules);
        resolved[n] = k;
        stores[n] = k.store();
      }
      users[n++] = key;
    }
    if (!distinctByEquals(keys) && n > 1) {
      n = dropRepeats(users, stores, resolved, n);
    }
    if (n < users.length) {
      users = Arrays.copyOf(users, n);
      stores = Arrays.copyOf(stores, n);
      resolved = resolved == null ? null : Arrays.copyOf(resolved, n);
    }
    return new BulkKeys(users, stores, resolved);
  }

  /**
   * Tells whether {@code keys} is a set known to hold no two equal strings: a {@link HashSet}
   * (or {@link java.util.LinkedHashSet}), or a {@link SortedSet} in natural order. Other sets
   * (an identity set, one with a comparator that disagrees with {@code equals}) may hold equal
   * keys twice, so their repeats are dropped as a list's are.
   */
  private static boolean distinctByEquals(Collection<String> keys) {
    return keys instanceof HashSet<String>
        || keys instanceof SortedSet<String> s && s.comparator() == null;
  }

  /**
   * Moves the first occurrence of each key to the front, in order, through an open-addressing
   * table of positions (no map, no boxing).
   *
   * @return how many distinct keys there are
   */
  private static int dropRepeats(String[] users, String[] stores, Keys.StoreKey[] resolved,
      int n) {
    int[] table = new int[Integer.highestOneBit(2 * n - 1) << 1];
    int mask = table.length - 1;
    int kept = 0;
    next:
    for (int i = 0; i < n; i++) {
      String user = users[i];
      int h = user.hashCode();
      int slot = (h ^ (h >>> 16)) & mask;
      for (int at; (at = table[slot]) != 0; slot = (slot + 1) & mask) {
        if (users[at - 1].equals(user)) {
          continue next;
        }
      }
      users[kept] = user;
      stores[kept] = stores[i];
      if (resolved != null) {
        resolved[kept] = resolved[i];
      }
      table[slot] = ++kept;
    }
    return kept;
  }

  /** How many distinct keys there are. */
  int size() {
    return users.length;
  }

  /** The user key at a position. */
  String user(int i) {
    return users[i];
  }

  /** The store key at a position. */
  String store(int i) {
    return stores[i];
  }

  /** Whether the key at a position was replaced by a hash, its bytes then in an envelope. */
  boolean hashed(int i) {
    return resolved != null && resolved[i].hashed();
  }

  /** The resolved key at a position. */
  Keys.StoreKey key(int i) {
    return resolved != null ? resolved[i] : new Keys.StoreKey(users[i], stores[i], stores[i],
        false);
  }

  /** The store keys in order, not to be modified. */
  List<String> storeKeys() {
    return Collections.unmodifiableList(Arrays.asList(stores));
  }
}

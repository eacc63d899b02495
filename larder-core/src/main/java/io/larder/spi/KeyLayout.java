package io.larder.spi;

import java.util.ArrayList;
import java.util.List;

/**
 * How the facade lays out store keys, for stores that must know which namespaces a key
 * belongs to (a store that clears a namespace with a generation counter instead of a key
 * scan, such as memcached's).
 *
 * <p>A key of namespace path {@code [shop, notes]} is {@code ~shop:notes::<key>}, possibly
 * with {@code <key>} replaced by a hash; its namespace prefixes are {@code ~shop:} and
 * {@code ~shop:notes:}, the values {@link Store#clear(String)} is called with to clear
 * {@code shop} and {@code shop/notes}. A key of a cache without a prefix belongs to no
 * namespace. Segments never contain a raw {@code :} and never start with {@code ~}.
 */
public final class KeyLayout {
  private KeyLayout() {}

  /**
   * Returns the prefixes of every namespace a store key lies in, outermost first.
   *
   * @param storeKey a key as the facade passes it to a store
   * @return for {@code ~shop:notes::312}, {@code [~shop:, ~shop:notes:]}; for a key of a cache
   *     without a prefix, an empty list
   */
  public static List<String> namespacePrefixes(String storeKey) {
    if (storeKey.length() < 2 || storeKey.charAt(0) != '~' || storeKey.charAt(1) == '~') {
      return List.of();
    }
    int end = storeKey.indexOf("::");
    if (end < 0) {
      return List.of();
    }
    List<String> prefixes = new ArrayList<>(2);
    for (int i = 1; i <= end; i++) {
      if (storeKey.charAt(i) == ':') {
        prefixes.add(storeKey.substring(0, i + 1));
      }
    }
    return prefixes;
  }
}

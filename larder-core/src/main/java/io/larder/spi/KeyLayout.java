package io.larder.spi;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The one owner of the store key format: how the facade lays out a namespaced key, and how a
 * store that must know which namespaces a key lies in (memcached's namespace generations,
 * Redis Cluster's hash tags, prefix clears) reads it back.
 *
 * <p>A key of namespace path {@code [shop, notes]} is {@code ~shop:notes::<key>}, possibly
 * with {@code <key>} replaced by a hash: a {@code ~}, each segment percent-encoded
 * ({@code %}, {@code :}, {@code ~} and every byte outside printable ASCII become {@code %XX}),
 * segments joined by {@code :}, then {@code ::} and the key. Its namespace prefixes are
 * {@code ~shop:} and {@code ~shop:notes:}, the values {@link Store#clear(String)} is called with
 * to clear {@code shop} and {@code shop/notes}. Segments never contain a raw {@code :} and
 * never start with {@code ~}, so the first {@code ::} ends the path.
 *
 * <p>A key of a cache without a prefix belongs to no namespace and is stored as it is, except
 * that a key starting with {@code ~} gets a second {@code ~}; so a raw key never falls inside a
 * namespace and no two (path, key) pairs share a store key. Larder's own keys (leases, tag
 * generations, learned key lists, memoized results) live under a segment {@code %!purpose},
 * which no encoded user segment can be.
 */
public final class KeyLayout {
  /** Starts every namespaced key. */
  public static final char NAMESPACE_MARK = '~';

  private KeyLayout() {}

  /**
   * Tells whether a key is one an unprefixed cache stores as it is: not empty, valid Unicode (no
   * unpaired surrogate), and not starting with {@link #NAMESPACE_MARK}. A store holding keys
   * written by the facade can tell from this, without asking it, which of its keys are a user's
   * own ({@code io.larder}'s memory store holds those lighter).
   *
   * @param key a store key
   * @return {@code true} if {@code key} is a valid user key that is its own store key
   * @throws NullPointerException if {@code key} is null
   */
  public static boolean isOwnStoreKey(String key) {
    return !key.isEmpty() && key.charAt(0) != NAMESPACE_MARK && unpairedSurrogate(key) < 0;
  }

  /**
   * Returns the index of the first unpaired surrogate in {@code s}, which makes it invalid
   * Unicode.
   *
   * @param s a string
   * @return the index, or -1 if {@code s} is valid Unicode
   * @throws NullPointerException if {@code s} is null
   */
  public static int unpairedSurrogate(String s) {
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      // one range test per char of the commonest key, which has no surrogate at all: every
      // write of an unprefixed cache over the memory store scans its key once
      if (Character.isSurrogate(c)) {
        if (!Character.isHighSurrogate(c) || i + 1 == n
            || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return i;
        }
        i++;
      }
    }
    return -1;
  }

  /**
   * A namespaced store key split at its first {@code ::}.
   *
   * @param path the encoded segments joined by {@code :}, for {@code ~shop:notes::312}
   *     {@code shop:notes}
   * @param rest what follows the path, {@code ::312}
   */
  public record Namespaced(String path, String rest) {}

  /**
   * Returns the clear prefix of a namespace path: {@code ~}, then each segment encoded and
   * followed by a colon; "" for the empty path.
   *
   * @param path the namespace names, outermost first; none empty
   * @return the prefix, for {@code [shop, notes]} {@code ~shop:notes:}
   */
  public static String prefix(List<String> path) {
    if (path.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder().append(NAMESPACE_MARK);
    for (String segment : path) {
      sb.append(encodeSegment(segment)).append(':');
    }
    return sb.toString();
  }

  /**
   * Percent-encodes one namespace name as a segment.
   *
   * @param segment the name
   * @return the segment, printable ASCII without {@code :} or {@code ~}
   */
  public static String encodeSegment(String segment) {
    StringBuilder sb = new StringBuilder(segment.length());
    for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      if (c < 0x21 || c > 0x7e || c == '%' || c == ':' || c == NAMESPACE_MARK) {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      } else {
        sb.append((char) c);
      }
    }
    return sb.toString();
  }

  /**
   * Returns the store key of a key under a namespace prefix.
   *
   * @param prefix what {@link #prefix} returned
   * @param key a non-empty key
   * @return {@code prefix + ':' + key}, or for the empty prefix the key ({@code ~} doubled)
   */
  public static String key(String prefix, String key) {
    return !prefix.isEmpty() ? prefix + ':' + key
        : key.charAt(0) == NAMESPACE_MARK ? NAMESPACE_MARK + key : key;
  }

  /**
   * Returns the prefix of Larder's own keys of one purpose under a namespace prefix: the
   * namespace followed by a segment {@code %!purpose}, which no user's name can produce
   * ({@code %} is always followed by two hex digits in an encoded name). It lies inside the
   * namespace, so clearing the namespace removes it.
   *
   * @param prefix a namespace prefix, or "" for the root
   * @param purpose for example {@code tag}, {@code lease}
   * @return the prefix
   */
  public static String internalPrefix(String prefix, String purpose) {
    return (prefix.isEmpty() ? String.valueOf(NAMESPACE_MARK) : prefix) + "%!" + purpose + ":";
  }

  /**
   * Splits a namespaced store key at the end of its path.
   *
   * @param storeKey a key as the facade passes it to a store
   * @return the path and the rest, or {@code null} for a key of no namespace
   */
  public static Namespaced split(String storeKey) {
    if (storeKey.length() < 2 || storeKey.charAt(0) != NAMESPACE_MARK
        || storeKey.charAt(1) == NAMESPACE_MARK) {
      return null;
    }
    int end = storeKey.indexOf("::");
    return end < 0 ? null : new Namespaced(storeKey.substring(1, end), storeKey.substring(end));
  }

  /**
   * Returns the prefixes of every namespace a store key lies in, outermost first.
   *
   * @param storeKey a key as the facade passes it to a store
   * @return for {@code ~shop:notes::312}, {@code [~shop:, ~shop:notes:]}; for a key of a cache
   *     without a prefix, an empty list
   */
  public static List<String> namespacePrefixes(String storeKey) {
    Namespaced n = split(storeKey);
    if (n == null) {
      return List.of();
    }
    List<String> prefixes = new ArrayList<>(2);
    String path = n.path() + ':';
    for (int i = 0; i < path.length(); i++) {
      if (path.charAt(i) == ':') {
        prefixes.add(NAMESPACE_MARK + path.substring(0, i + 1));
      }
    }
    return prefixes;
  }

  /**
   * Tells whether a {@link Store#clear} prefix is a namespace prefix: {@code ~}, then
   * segments each ending in {@code :}; not "" (the whole store).
   *
   * @param prefix the prefix
   * @return whether it names a namespace
   */
  public static boolean isNamespacePrefix(String prefix) {
    return prefix.length() >= 3 && prefix.charAt(0) == NAMESPACE_MARK
        && prefix.charAt(1) != NAMESPACE_MARK && prefix.charAt(1) != ':' && prefix.endsWith(":")
        && !prefix.contains("::");
  }
}

package io.larder;

import io.larder.spi.KeyRules;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * Pure functions that turn a namespace path and a user key into a store key.
 *
 * <p>A cache with namespace path {@code [shop, notes]} stores user key {@code 312} under
 * {@code ~shop:notes::312}: a {@code ~}, each path segment percent-encoded ({@code %},
 * {@code :}, {@code ~} and every byte outside printable ASCII become {@code %XX}),
 * segments joined by {@code :}, and the user key after {@code ::}. Segments are never
 * empty and never contain a raw colon, so the first {@code ::} ends the path; {@code clear()}
 * removes the prefix {@code ~shop:notes:}, which covers the namespace and the namespaces
 * nested in it, and nothing else.
 *
 * <p>A cache with no path stores keys as they are, so that other programs can read them,
 * except that a key starting with {@code ~} gets a second {@code ~}: no segment starts with
 * {@code ~}, so a raw key can never fall inside a namespace, and no two (path, key) pairs
 * share a store key.
 *
 * <p>For stores with {@link KeyRules} (memcached), a key the store cannot take, or a user
 * key starting with {@code #}, is replaced by {@code <path>::#<base64url(SHA-256(key))>}
 * and its value carries the full key as a check (see {@link Envelope}).
 */
final class Keys {
  static final String HASHED_MARK = "#";
  static final char NAMESPACE_MARK = '~';

  private Keys() {}

  /** A user key resolved for a store. */
  record StoreKey(String userKey, String full, String store, boolean hashed) {
    /** The logical key to embed and check in the value, or null when not hashed. */
    String checkedKey() {
      return hashed ? full : null;
    }
  }

  /**
   * Returns the clear prefix of a namespace path: {@code ~}, then the encoded segments each
   * followed by a colon; or "" for the empty path.
   */
  static String prefixOf(List<String> path) {
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
   * Returns the prefix of Larder's own keys (leases, tag generations, learned key lists,
   * memoized results) under a namespace prefix: the namespace followed by a segment
   * {@code %!purpose}, which no user's namespace name can produce ({@code %} is always
   * followed by two hex digits in an encoded name) and which a root key cannot reach (it is
   * namespaced, so it starts with a single {@code ~}). It lies inside the namespace, so
   * {@code clear()} removes it with the namespace.
   */
  static String internalPrefix(String prefix, String purpose) {
    return (prefix.isEmpty() ? String.valueOf(NAMESPACE_MARK) : prefix) + "%!" + purpose + ":";
  }

  /**
   * Percent-encodes one namespace segment.
   *
   * @throws IllegalArgumentException if the segment is empty or not valid Unicode
   */
  static String encodeSegment(String segment) {
    Objects.requireNonNull(segment, "namespace");
    if (segment.isEmpty()) {
      throw new IllegalArgumentException("namespace name must not be empty");
    }
    requireWellFormed(segment, "namespace");
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
   * Checks a user key.
   *
   * @throws NullPointerException if the key is null
   * @throws IllegalArgumentException if the key is empty or not valid Unicode
   */
  static String checkKey(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key must not be empty");
    }
    requireWellFormed(key, "key");
    return key;
  }

  private static void requireWellFormed(String s, String what) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(
            what + " contains an unpaired surrogate at index " + i + "; it is not valid Unicode");
      }
    }
  }

  /**
   * Resolves a user key under a namespace prefix for a store's key rules.
   *
   * @param prefix what {@link #prefixOf} returned
   * @param key the user key
   * @param rules the store's rules
   */
  static StoreKey resolve(String prefix, String key, KeyRules rules) {
    checkKey(key);
    String full = !prefix.isEmpty() ? prefix + ':' + key
        : key.charAt(0) == NAMESPACE_MARK ? NAMESPACE_MARK + key : key;
    if (rules == KeyRules.ANY) {
      return new StoreKey(key, full, full, false);
    }
    if (!key.startsWith(HASHED_MARK) && rules.accepts(full)) {
      return new StoreKey(key, full, full, false);
    }
    String hashed = (prefix.isEmpty() ? "" : prefix + ':') + HASHED_MARK + sha256(full);
    if (!rules.accepts(hashed)) {
      throw new IllegalArgumentException("namespace prefix '" + prefix
          + "' is too long for this store's keys (at most " + rules.maxBytes() + " bytes)");
    }
    return new StoreKey(key, full, hashed, true);
  }

  static String sha256(String s) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}

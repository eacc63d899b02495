package io.larder;

import io.larder.spi.KeyLayout;
import io.larder.spi.KeyRules;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * Resolves user keys into store keys: checks them, lays them out as {@link KeyLayout} says,
 * and, for stores with {@link KeyRules} (memcached), replaces a key the store cannot take, or
 * a user key starting with {@code #}, by {@code <path>::#<base64url(SHA-256(key))>}, its value
 * then carrying the full key as a check (see {@link Envelope}).
 */
final class Keys {
  static final String HASHED_MARK = "#";

  private Keys() {}

  /** A user key resolved for a store. */
  record StoreKey(String userKey, String full, String store, boolean hashed) {
    /** The logical key to embed and check in the value, or null when not hashed. */
    String checkedKey() {
      return hashed ? full : null;
    }
  }

  /**
   * Checks and encodes one namespace name as a segment ({@link KeyLayout#encodeSegment}).
   *
   * @throws IllegalArgumentException if the segment is empty or not valid Unicode
   */
  static String encodeSegment(String segment) {
    Objects.requireNonNull(segment, "namespace");
    if (segment.isEmpty()) {
      throw new IllegalArgumentException("namespace name must not be empty");
    }
    requireWellFormed(segment, "namespace");
    return KeyLayout.encodeSegment(segment);
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
    int i = KeyLayout.unpairedSurrogate(s);
    if (i >= 0) {
      throw new IllegalArgumentException(
          what + " contains an unpaired surrogate at index " + i + "; it is not valid Unicode");
    }
  }

  /**
   * Resolves a user key under a namespace prefix for a store's key rules.
   *
   * @param prefix what {@link KeyLayout#prefix} returned
   * @param key the user key
   * @param rules the store's rules
   */
  static StoreKey resolve(String prefix, String key, KeyRules rules) {
    checkKey(key);
    String full = KeyLayout.key(prefix, key);
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

package io.larder.redis.internal;

import io.larder.spi.KeyLayout;
import java.nio.charset.StandardCharsets;

/**
 * Pure functions from the facade's store keys to the bytes kept in Redis: the optional hash
 * tag, hash slots and {@code SCAN} patterns.
 *
 * <h2>Hash tags</h2>
 * With {@link RedisConfig.HashTag#NAMESPACE}, a namespaced key {@code ~shop:notes::312}
 * is stored as {@code ~{shop:notes}::312}: Redis Cluster hashes only what lies between the
 * first <code>&#123;</code> and the next <code>&#125;</code>, so every key of namespace {@code shop/notes} lives
 * in one slot. Keys outside namespaces (a cache without a prefix) are stored as they are. The
 * rewrite is injective: the namespace part contains no {@code ::}, so the first {@code ::}
 * of a stored key ends it.
 */
final class RedisKeys {
  /** Redis Cluster's number of hash slots. */
  static final int SLOTS = 16384;
  private static final int[] CRC_TABLE = new int[256];

  static {
    for (int b = 0; b < 256; b++) {
      int crc = b << 8;
      for (int i = 0; i < 8; i++) {
        crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
      }
      CRC_TABLE[b] = crc & 0xFFFF;
    }
  }

  private final boolean namespaceTags;

  /**
   * Creates the key mapping of a store.
   *
   * @param hashTag whether namespaced keys get a hash tag
   */
  RedisKeys(RedisConfig.HashTag hashTag) {
    this.namespaceTags = hashTag == RedisConfig.HashTag.NAMESPACE;
  }

  /**
   * Returns the Redis key for a store key.
   *
   * @param storeKey the key the facade passes
   * @return the key's UTF-8 bytes, with a hash tag if so configured
   */
  byte[] key(String storeKey) {
    return tagged(storeKey).getBytes(StandardCharsets.UTF_8);
  }

  /** Applies the namespace hash tag, if configured and the key is in a namespace. */
  String tagged(String storeKey) {
    KeyLayout.Namespaced n = namespaceTags ? KeyLayout.split(storeKey) : null;
    return n == null ? storeKey : "~{" + n.path() + "}" + n.rest();
  }

  /**
   * Returns the {@code SCAN MATCH} pattern for every key {@code Store.clear(prefix)} must
   * remove.
   *
   * @param prefix a non-empty namespace prefix such as {@code ~shop:notes:}
   * @return the glob, with the prefix's pattern characters escaped
   */
  byte[] scanPattern(String prefix) {
    if (namespaceTags && KeyLayout.isNamespacePrefix(prefix)) {
      // ~{shop:notes}::k and nested ~{shop:notes:drafts}::k, but not ~{shop:notes2}::k
      return ("~{" + glob(prefix.substring(1, prefix.length() - 1)) + "[:}]*")
          .getBytes(StandardCharsets.UTF_8);
    }
    return (glob(prefix) + "*").getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Escapes the characters Redis glob patterns give a meaning: {@code * ? [ ] \}.
   *
   * @param literal any text
   * @return a pattern matching exactly that text
   */
  static String glob(String literal) {
    StringBuilder sb = new StringBuilder(literal.length() + 8);
    for (int i = 0; i < literal.length(); i++) {
      char c = literal.charAt(i);
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.toString();
  }

  /**
   * Returns the Redis Cluster hash slot of a key: CRC16 (XMODEM) of its hash tag, or of all
   * of it when it has none, modulo 16384.
   *
   * @param key the key's bytes
   * @return the slot, 0 to 16383
   */
  static int slot(byte[] key) {
    int open = indexOf(key, (byte) '{', 0);
    if (open >= 0) {
      int close = indexOf(key, (byte) '}', open + 1);
      if (close > open + 1) {
        return crc16(0, key, open + 1, close) & (SLOTS - 1);
      }
    }
    return crc16(0, key, 0, key.length) & (SLOTS - 1);
  }

  private static int indexOf(byte[] bytes, byte b, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  static int crc16(int crc, byte[] bytes, int from, int to) {
    for (int i = from; i < to; i++) {
      crc = ((crc << 8) ^ CRC_TABLE[((crc >> 8) ^ bytes[i]) & 0xFF]) & 0xFFFF;
    }
    return crc;
  }
}

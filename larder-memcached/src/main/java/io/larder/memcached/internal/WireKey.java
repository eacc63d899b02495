package io.larder.memcached.internal;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A key as it goes on the wire: printable ASCII of at most 250 bytes as it is, or the
 * base64 of a binary key with the meta protocol's {@code b} flag.
 *
 * @param text what is written after the command name
 * @param base64 whether {@code text} is base64 (the {@code b} flag is sent)
 */
record WireKey(String text, boolean base64) {
  /** memcached's longest key, in bytes (after base64 decoding). */
  static final int MAX_BYTES = 250;

  /**
   * Makes a key safe for the wire: printable ASCII up to 250 bytes as it is; any other key
   * whose UTF-8 form fits in 250 bytes as base64 with the {@code b} flag.
   *
   * @param key the store key
   * @return the wire key
   * @throws IllegalArgumentException if the key is empty or over 250 bytes in UTF-8
   */
  static WireKey of(String key) {
    if (isPlain(key)) {
      return new WireKey(key, false);
    }
    if (key.isEmpty()) {
      throw new IllegalArgumentException("memcached keys must not be empty");
    }
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > MAX_BYTES) {
      throw new IllegalArgumentException("key of " + bytes.length + " bytes is over memcached's "
          + MAX_BYTES + "-byte limit (the Cache facade hashes such keys; a Store used directly "
          + "must be given keys that fit): '" + key.substring(0, Math.min(40, key.length()))
          + "...'");
    }
    return new WireKey(Base64.getEncoder().encodeToString(bytes), true);
  }

  /** Tells whether a key can go on the wire as it is: 1 to 250 chars in 0x21..0x7e. */
  static boolean isPlain(String key) {
    int n = key.length();
    if (n == 0 || n > MAX_BYTES) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = key.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }
}

package io.larder.spi;

import java.nio.charset.StandardCharsets;

/**
 * Which keys a store can hold as they are. The facade passes acceptable keys through
 * unchanged and replaces the others with a deterministic, collision-checked encoding.
 *
 * @param maxBytes the longest key in UTF-8 bytes, or {@link Integer#MAX_VALUE}
 * @param printableAsciiOnly whether only ASCII 0x21..0x7e may appear (no spaces, no control
 *     characters, nothing outside ASCII), as memcached's text protocol requires
 */
public record KeyRules(int maxBytes, boolean printableAsciiOnly) {

  /** Rules of a store that takes any string (memory, SQLite). */
  public static final KeyRules ANY = new KeyRules(Integer.MAX_VALUE, false);

  /**
   * Creates rules.
   *
   * @param maxBytes the longest key in UTF-8 bytes
   * @param printableAsciiOnly whether only printable ASCII may appear
   * @throws IllegalArgumentException if {@code maxBytes} is below 64, too short to hold an
   *     encoded key
   */
  public KeyRules {
    if (maxBytes < 64) {
      throw new IllegalArgumentException("maxBytes must be at least 64, was " + maxBytes);
    }
  }

  /**
   * Tells whether a key can be stored as it is.
   *
   * @param key a store key
   * @return {@code true} if the store accepts it unchanged
   */
  public boolean accepts(String key) {
    if (printableAsciiOnly) {
      if (key.length() > maxBytes) {
        return false;
      }
      for (int i = 0; i < key.length(); i++) {
        char c = key.charAt(i);
        if (c < 0x21 || c > 0x7e) {
          return false;
        }
      }
      return true;
    }
    if (maxBytes == Integer.MAX_VALUE) {
      return true;
    }
    // a UTF-8 length is at most 3 bytes per UTF-16 char; skip encoding when that fits
    return key.length() * 3 <= maxBytes
        || key.getBytes(StandardCharsets.UTF_8).length <= maxBytes;
  }
}

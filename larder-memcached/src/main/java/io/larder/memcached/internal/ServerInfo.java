package io.larder.memcached.internal;

/**
 * What the client learns about a server when it connects.
 *
 * @param version the server's version, for example {@code 1.6.18}
 * @param itemSizeMax the largest item the server stores ({@code -I}; {@code item_size_max}),
 *     key and overhead included
 * @param clockOffsetSeconds the server's Unix time minus this machine's, for TTLs that must be
 *     sent as a date
 */
record ServerInfo(String version, long itemSizeMax, long clockOffsetSeconds) {
  /** memcached's default item size limit, assumed when a server does not say. */
  static final long DEFAULT_ITEM_SIZE_MAX = 1 << 20;

  /**
   * Bytes an item takes beyond its key and value: memcached 1.6's item header (48 bytes),
   * the CAS unique (8), client flags (4), the key's terminating NUL and the value's
   * {@code \r\n}, rounded up. Measured against 1.6.18: with a 6-byte key and 1 MiB limit the
   * largest value stored is 1,048,511 bytes, 59 bytes of overhead without client flags.
   */
  static final int ITEM_OVERHEAD = 64;

  /**
   * Returns the largest value the server takes under a key.
   *
   * @param keyBytes the key's length on the wire, in bytes
   * @return the most value bytes, possibly a few bytes below the server's exact limit
   */
  long maxValueBytes(int keyBytes) {
    return itemSizeMax - keyBytes - ITEM_OVERHEAD;
  }
}

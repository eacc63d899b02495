package io.larder.spi;

/**
 * What a store holds: how many entries and how many bytes, as far as it can tell cheaply; for
 * stats pages and health checks, not for hot paths. See {@link Store#size(String)}.
 *
 * @param entries the number of entries, or {@code -1} if the store cannot tell
 * @param bytes the bytes they take, or {@code -1} if the store cannot tell; what is counted
 *     depends on the store (values and keys in memory and SQLite; the server's own accounting,
 *     overhead included, in Redis and memcached)
 * @param wholeStore {@code true} if the numbers cover everything the store or server holds,
 *     other prefixes and other applications included, because it cannot count one prefix
 *     cheaply; {@code false} if they cover only the keys under the prefix asked for
 */
public record StoreSize(long entries, long bytes, boolean wholeStore) {
  /** A store that cannot tell. */
  public static final StoreSize UNKNOWN = new StoreSize(-1, -1, false);

  /**
   * Checks the numbers.
   *
   * @throws IllegalArgumentException if a count is below {@code -1}
   */
  public StoreSize {
    if (entries < -1 || bytes < -1) {
      throw new IllegalArgumentException("entries " + entries + " and bytes " + bytes
          + ": each is a count, or -1 for unknown");
    }
  }

  /**
   * Returns the size of the keys under a prefix, counted exactly.
   *
   * @param entries how many
   * @param bytes their bytes
   * @return the size, not {@link #wholeStore()}
   * @throws IllegalArgumentException if a count is negative
   */
  public static StoreSize ofPrefix(long entries, long bytes) {
    if (entries < 0 || bytes < 0) {
      throw new IllegalArgumentException("entries " + entries + " and bytes " + bytes
          + " under a prefix: neither can be negative");
    }
    return new StoreSize(entries, bytes, false);
  }
}

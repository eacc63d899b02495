package io.larder.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * What a store does natively, stated once so that the facade and the contract suite know: which
 * keys it takes, how finely it resolves a TTL, whether its reads hand out private arrays, and
 * which operations the server itself does atomically rather than through the {@link Store}
 * defaults built on compare-and-set.
 *
 * <pre>{@code
 * public StoreTraits traits() {
 *   return StoreTraits.DEFAULT
 *       .withKeyRules(new KeyRules(250, true))
 *       .withTtlResolution(Duration.ofSeconds(1))
 *       .withReadsReturnCopies(true)
 *       .withServerCounters(true);
 * }
 * }</pre>
 *
 * @param keyRules which keys the store holds as they are; the facade encodes the others
 * @param ttlResolution the smallest step of expiry the store keeps: a TTL is rounded up to a
 *     whole number of these ({@code 1 ms} for most stores, {@code 1 s} for memcached and Kyoto
 *     Tycoon)
 * @param readsReturnCopies whether every array a read returns is the caller's alone (a store
 *     that decodes each reply into a new array), as a {@link Store#getMany} map always is, so
 *     that the facade may hand an array, and a preload scope the map, to its caller with no copy;
 *     {@code false} for a store that hands out the arrays it keeps, so that the facade copies
 *     before a caller could change one
 * @param serverCounters whether counters are kept in a form the server itself increments
 *     (Redis {@code INCRBY}, memcached {@code incr}), so that other programs' increments agree
 *     with Larder's
 * @param nativeAdd whether {@link Store#add} is one server command rather than the default
 *     compare-and-set on an absent key
 * @param maxValueBytes the largest stored value (the bytes given to {@link Store#set}) the store
 *     holds, so that the facade refuses a larger one at {@code set} rather than have the store
 *     fail or keep it unreadable: {@link Long#MAX_VALUE} for no limit of the store's own (the
 *     facade's cap on inflated values still applies), 512 MiB for Redis, memcached's item size
 */
public record StoreTraits(KeyRules keyRules, Duration ttlResolution, boolean readsReturnCopies,
    boolean serverCounters, boolean nativeAdd, long maxValueBytes) {

  /** The traits a store has unless it says otherwise: any key, 1 ms, shared arrays, any size. */
  public static final StoreTraits DEFAULT =
      new StoreTraits(KeyRules.ANY, Duration.ofMillis(1), false, false, false, Long.MAX_VALUE);

  /**
   * Creates traits.
   *
   * @throws NullPointerException if {@code keyRules} or {@code ttlResolution} is null
   * @throws IllegalArgumentException if {@code ttlResolution} or {@code maxValueBytes} is not
   *     positive
   */
  public StoreTraits {
    Objects.requireNonNull(keyRules, "keyRules");
    Durations.requirePositive(ttlResolution, "ttlResolution");
    if (maxValueBytes <= 0) {
      throw new IllegalArgumentException("maxValueBytes must be positive, was " + maxValueBytes);
    }
  }

  /**
   * Returns these traits with other key rules.
   *
   * @param rules the key rules
   * @return the new traits
   */
  public StoreTraits withKeyRules(KeyRules rules) {
    return new StoreTraits(rules, ttlResolution, readsReturnCopies, serverCounters, nativeAdd,
        maxValueBytes);
  }

  /**
   * Returns these traits with another TTL resolution.
   *
   * @param resolution a positive duration
   * @return the new traits
   */
  public StoreTraits withTtlResolution(Duration resolution) {
    return new StoreTraits(keyRules, resolution, readsReturnCopies, serverCounters, nativeAdd,
        maxValueBytes);
  }

  /**
   * Returns these traits saying whether reads return private arrays.
   *
   * @param copies whether they do
   * @return the new traits
   */
  public StoreTraits withReadsReturnCopies(boolean copies) {
    return new StoreTraits(keyRules, ttlResolution, copies, serverCounters, nativeAdd,
        maxValueBytes);
  }

  /**
   * Returns these traits saying whether the server increments counters itself.
   *
   * @param server whether it does
   * @return the new traits
   */
  public StoreTraits withServerCounters(boolean server) {
    return new StoreTraits(keyRules, ttlResolution, readsReturnCopies, server, nativeAdd,
        maxValueBytes);
  }

  /**
   * Returns these traits saying whether {@code add} is native.
   *
   * @param nativeAdd whether it is
   * @return the new traits
   */
  public StoreTraits withNativeAdd(boolean nativeAdd) {
    return new StoreTraits(keyRules, ttlResolution, readsReturnCopies, serverCounters, nativeAdd,
        maxValueBytes);
  }

  /**
   * Returns these traits with another largest value size.
   *
   * @param bytes the largest stored value, in bytes
   * @return the new traits
   * @throws IllegalArgumentException if {@code bytes} is not positive
   */
  public StoreTraits withMaxValueBytes(long bytes) {
    return new StoreTraits(keyRules, ttlResolution, readsReturnCopies, serverCounters, nativeAdd,
        bytes);
  }
}

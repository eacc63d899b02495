package io.larder.spi;

import org.jspecify.annotations.Nullable;

/**
 * An optional capability of a {@link Store}: it can keep entries decoded, so that a read gives
 * back the value a write gave it without decoding (the memory store's object tier; a near
 * cache in front of a remote store).
 *
 * <p>The facade looks for this interface once, when a cache is built over a store, and from
 * then on reads and writes through it. Everything else still goes through the {@link Store}
 * methods, which see the same entries as bytes: a key written here reads through
 * {@link Store#get} as {@link Decoded#bytes()}, and a key written through {@link Store#set}
 * reads here as {@link Decoded#ofBytes}. Versions, expiry and eviction treat both kinds of
 * write alike. A decorator that does not implement this interface hides it, and the facade then
 * uses bytes.
 *
 * <p>What may be handed back as it is, and what must be copied or decoded again so that no
 * caller can change what another reads, is the facade's decision, not the store's: a store
 * keeps what it was given.
 */
public interface DecodedValues {

  /**
   * Returns the entry under a key, decoded if it was written or {@link #offerDecoded offered}
   * decoded.
   *
   * @param key the store key
   * @return the entry, or {@code null} if the key is missing or expired
   * @throws io.larder.CacheException if the store fails
   */
  @Nullable Decoded getDecoded(String key);

  /**
   * Returns the entry under a key as {@link #getDecoded} does, or, for an entry of bytes only,
   * the very array that {@link #getDecoded} would wrap in {@link Decoded#ofBytes}: a store that
   * keeps bytes bare spares that wrapper on the facade's commonest read. The default returns
   * {@link #getDecoded}'s answer.
   *
   * @param key the store key
   * @return a {@link Decoded}, a {@code byte[]} (shared, so never to be modified), or
   *     {@code null} if the key is missing or expired
   * @throws io.larder.CacheException if the store fails
   */
  default @Nullable Object getDecodedOrBytes(String key) {
    return getDecoded(key);
  }

  /**
   * Stores an entry under a key, replacing any value, as {@link Store#set} does.
   *
   * @param key the store key
   * @param value the entry; a bounded store charges {@link Decoded#weight()} for it
   * @param ttlMillis positive milliseconds to live, or {@link Store#NO_EXPIRY}
   * @throws io.larder.CacheException if the store fails
   */
  void setDecoded(String key, Decoded value, long ttlMillis);

  /**
   * Stores an entry under a key only if the key is missing (or expired), atomically, as
   * {@link Store#add} does.
   *
   * @param key the store key
   * @param value the entry
   * @param ttlMillis positive milliseconds to live, or {@link Store#NO_EXPIRY}
   * @return {@code true} if stored, {@code false} if a live value was already there
   * @throws io.larder.CacheException if the store fails
   */
  boolean addDecoded(String key, Decoded value, long ttlMillis);

  /**
   * Offers the decoded form of an entry that {@link #getDecoded} returned as bytes, so that the
   * next read need not decode it. The store keeps {@code decoded} only if the key still holds
   * {@code read} (the same instance), keeping its version and expiry; otherwise, and when the
   * store would rather not, nothing happens. Never fails for a store error.
   *
   * @param key the store key
   * @param read what {@link #getDecoded} returned for the key
   * @param decoded the same entry decoded, with {@code read}'s bytes
   */
  default void offerDecoded(String key, Decoded read, Decoded decoded) {}
}

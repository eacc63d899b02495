package io.larder;

import io.larder.spi.Counters;
import java.lang.System.Logger.Level;
import java.util.Objects;

/**
 * Turns values into stored bytes and back: the codec's payload inside an {@link Envelope}
 * (compression, key check, freshness, tags, cached nulls), and counters as the plain decimal
 * text a server can increment. Bytes that cannot be opened read as absent and are counted,
 * never thrown; in fail-open mode that holds for any failure of decoding, an {@link Error}
 * included, while in fail-closed mode a failure other than a {@link RuntimeException} reaches
 * the caller as a {@link CacheCodecException}.
 */
final class EntryCodec {
  private static final System.Logger LOG = System.getLogger(Cache.class.getName());
  /**
   * Given in place of the key when a value kept as an object is sealed later, for a reader of
   * its bytes, by an encoder that does not know the key: a refusal then says the value is kept
   * as an object and its bytes are never stored (it is matched by identity, never by a user's
   * key that reads the same).
   */
  static final String KEPT = new String("(a value kept as an object)");

  private final int compressAbove;
  private final boolean failOpen;
  private final long maxValueBytes;

  /**
   * @param compressAbove deflate payloads of at least this many bytes; 0 for never
   * @param failOpen whether every decoding failure, an {@link Error} included, reads as absent
   * @param maxValueBytes the largest stored value the store holds
   */
  EntryCodec(int compressAbove, boolean failOpen, long maxValueBytes) {
    this.compressAbove = compressAbove;
    this.failOpen = failOpen;
    this.maxValueBytes = maxValueBytes;
  }

  /**
   * Opens stored bytes; undecodable bytes read as absent and count a decode error.
   *
   * @param raw the stored bytes, not {@code null}
   * @param owned whether no one else holds {@code raw} (a store's copy, not a scope's or an
   *     in-process store's array), so that a byte-array value may be the very array
   */
  <T> Entry<T> open(Keys.StoreKey k, byte[] raw, Codec<T> codec, boolean owned,
      StatsCounter stats) {
    try {
      if (!k.hashed() && Envelope.bare(raw)) {
        // the codec's bytes as they are, the commonest case: nothing to take apart
        return new Entry<>(true, decode(raw, codec, owned), Envelope.Meta.NONE);
      }
      Envelope.Opened opened = Envelope.unseal(raw,
          uncheckedCounter(k, raw) ? null : k.checkedKey());
      if (opened.meta().nullValue()) {
        return new Entry<>(true, null, opened.meta());
      }
      byte[] payload = opened.payload();
      // a payload behind a header is always a new array
      return new Entry<>(true, decode(payload, codec, owned || payload != raw), opened.meta());
    } catch (Throwable e) {
      return undecodable(k.full(), stats, e);
    }
  }

  /**
   * Opens stored bytes, not owned, under a key that is its own store key and never hashed (an
   * unprefixed view over a store that takes any key), as {@link #open} does; a
   * {@link Keys.StoreKey} is made only for bytes in an envelope.
   */
  <T> Entry<T> openPlain(String key, byte[] raw, Codec<T> codec, StatsCounter stats) {
    if (!Envelope.bare(raw)) {
      return open(new Keys.StoreKey(key, key, key, false), raw, codec, false, stats);
    }
    T value = openBare(key, raw, codec, stats);
    return value == null ? Entry.absent() : new Entry<>(true, value, Envelope.Meta.NONE);
  }

  /**
   * Decodes stored bytes in no envelope ({@link Envelope#bare}), not owned, under a key that is
   * its own store key, as {@link #openPlain} does, making no {@link Entry}: their metadata is
   * {@link Envelope.Meta#NONE}.
   *
   * @return the value, or {@code null} if the bytes cannot be decoded (counted as
   *     {@link #open} counts it)
   */
  <T> T openBare(String key, byte[] raw, Codec<T> codec, StatsCounter stats) {
    return openBare(key, raw, codec, false, stats);
  }

  /**
   * Decodes stored bytes in no envelope under a key that is not hashed, as {@link #openBare}
   * does; {@code owned} as {@link #open} takes it.
   */
  <T> T openBare(String key, byte[] raw, Codec<T> codec, boolean owned, StatsCounter stats) {
    try {
      return decode(raw, codec, owned);
    } catch (Throwable e) {
      return this.<T>undecodable(key, stats, e).value();
    }
  }

  /** Decodes a payload; {@code owned}: no one else holds it, so a byte-array codec may keep it. */
  private static <T> T decode(byte[] payload, Codec<T> codec, boolean owned) {
    T value = owned && codec instanceof BuiltinCodecs.Adopting<T> adopting
        ? adopting.adopt(payload) : codec.decode(payload);
    if (value == null) {
      throw new CacheCodecException(codec + " returned null");
    }
    return value;
  }

  /**
   * What a read of an entry whose bytes cannot be made returns (a by-reference value read
   * with another codec): absent, counted as a decode error.
   */
  <T> Entry<T> unencodable(String full, StatsCounter stats, RuntimeException e) {
    return undecodable(full, stats, e);
  }

  /**
   * What a read of bytes that cannot be decoded returns: absent, counted as a decode error;
   * fail-closed, a failure other than a {@link RuntimeException} (an {@link OutOfMemoryError}
   * or {@link StackOverflowError} from a codec given hostile bytes) is thrown instead.
   */
  private <T> Entry<T> undecodable(String full, StatsCounter stats, Throwable e) {
    if (!failOpen && !(e instanceof RuntimeException)) {
      throw new CacheCodecException("decoding the value under " + full + " failed", e);
    }
    stats.inc(StatsCounter.Kind.DECODE_ERROR);
    LOG.log(Level.DEBUG, () -> "undecodable value under " + full + " read as a miss", e);
    return Entry.absent();
  }

  /**
   * Seals a value, or a cached {@code null} when {@code meta} says so.
   *
   * @throws ValueTooLargeException if the codec's bytes exceed {@link Envelope#MAX_INFLATED}
   *     or the sealed bytes exceed what the store holds: stored, the value could not be read
   * @throws CacheCodecException if the codec fails
   */
  <T> byte[] seal(Keys.StoreKey k, T value, Codec<T> codec, Envelope.Meta meta) {
    if (meta.nullValue()) {
      return Envelope.seal(new byte[0], 0, k.checkedKey(), meta);
    }
    byte[] payload = payload(k.userKey(), value, codec);
    byte[] sealed = meta.equals(Envelope.Meta.NONE) && uncheckedCounter(k, payload)
        ? Envelope.seal(payload, 0, null)
        : Envelope.seal(payload, compressAbove, k.checkedKey(), meta);
    return fitting(k.userKey(), sealed);
  }

  /**
   * Seals a value with no metadata under a key that is its own store key, never hashed, as
   * {@link #seal} does, making no {@link Keys.StoreKey}.
   *
   * @throws ValueTooLargeException as {@link #seal} throws it
   * @throws CacheCodecException if the codec fails
   */
  <T> byte[] sealOwn(String key, T value, Codec<T> codec) {
    return fitting(key, Envelope.seal(payload(key, value, codec), compressAbove, null));
  }

  /**
   * Whether a string sealed with no metadata is stored as its UTF-8 as it is: this cache
   * compresses no payload as short as its UTF-8 can be (at most 3 bytes a char).
   */
  boolean sealsPlain(String value) {
    return compressAbove == 0 || 3L * value.length() < compressAbove;
  }

  /** The codec's bytes of a value, refused above {@link Envelope#MAX_INFLATED}. */
  private static <T> byte[] payload(String userKey, T value, Codec<T> codec) {
    Objects.requireNonNull(value, "value");
    byte[] payload = codec.encode(value);
    if (payload == null) {
      throw new CacheCodecException(codec + " encoded a value as null");
    }
    if (payload.length > Envelope.MAX_INFLATED) {
      throw new ValueTooLargeException(refusal(userKey, payload.length + " bytes",
          "Larder's cap of " + Envelope.MAX_INFLATED + " bytes"));
    }
    return payload;
  }

  /** Returns sealed bytes, refused when over what the store holds. */
  private byte[] fitting(String userKey, byte[] sealed) {
    if (sealed.length > maxValueBytes) {
      throw new ValueTooLargeException(refusal(userKey, sealed.length + " stored bytes",
          "the store's limit of " + maxValueBytes + " bytes"));
    }
    return sealed;
  }

  /** A refusal's message: a write's value is not stored; a value {@link #KEPT} stays kept. */
  private static String refusal(String userKey, String size, String limit) {
    return userKey == KEPT
        ? "value of " + size + ", kept as an object, is over " + limit
            + "; its bytes are never stored"
        : "value of " + size + " for key '" + userKey + "' is over " + limit + "; not stored";
  }

  /**
   * Counters live as plain decimal text even under hashed keys, with no key check: a server
   * must be able to increment them.
   */
  private static boolean uncheckedCounter(Keys.StoreKey k, byte[] bytes) {
    if (!k.hashed() || bytes.length == 0 || bytes.length > 21) {
      return false;
    }
    try {
      Counters.parse(null, bytes);
      return true;
    } catch (CacheCodecException e) {
      return false;
    }
  }
}

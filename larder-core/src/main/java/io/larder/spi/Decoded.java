package io.larder.spi;

import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * An entry as a {@link DecodedValues} store keeps it: the stored bytes, and beside them, where
 * the facade left one, the entry it decoded (its value with its metadata: tags, compute time,
 * freshness) and its reader: the codec that decoded it, or a token of the facade's that stands
 * for that codec.
 *
 * <p>The decoded entry and its reader are opaque to the store: it keeps them and hands them
 * back, and never looks inside; the reader is only matched by {@code equals} in
 * {@link #entryFor}. The bytes may not exist yet: an entry written {@link #lazy lazily} is encoded the first
 * time someone asks for {@link #bytes()} (a byte read, {@code getVersioned}, a compare-and-set),
 * and never if no one does.
 *
 * <p>Instances are immutable but for that one-time encoding, and safe to share between threads.
 */
public final class Decoded {
  private final @Nullable Object entry;
  private final @Nullable Object codec;
  private final long weight;
  private volatile byte @Nullable [] bytes;
  private volatile @Nullable Supplier<byte[]> encoder;

  private Decoded(@Nullable Object entry, @Nullable Object codec, long weight,
      byte @Nullable [] bytes, @Nullable Supplier<byte[]> encoder) {
    if (weight < 0) {
      throw new IllegalArgumentException("weight must not be negative, was " + weight);
    }
    this.entry = entry;
    this.codec = codec;
    this.weight = weight;
    this.bytes = bytes;
    this.encoder = encoder;
  }

  /**
   * Returns an entry of bytes only, not decoded: what a store hands out for a key written
   * through {@link Store#set}.
   *
   * @param bytes the stored bytes; not copied, and modified by no one
   * @return the entry, weighing {@code bytes.length}
   * @throws NullPointerException if {@code bytes} is null
   */
  public static Decoded ofBytes(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    return new Decoded(null, null, bytes.length, bytes, null);
  }

  /**
   * Returns a decoded entry whose bytes are already known.
   *
   * @param entry what the facade decoded; opaque to the store
   * @param codec the codec that decoded it, or a token of the facade's that stands for it;
   *     matched by {@code equals}, never looked into by the store
   * @param weight the estimated heap bytes of the entry, bytes included: the decoded entry's
   *     estimate plus {@code bytes.length}
   * @param bytes the stored bytes of the same entry; not copied, and modified by no one
   * @return the entry
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code weight} is negative
   */
  public static Decoded of(Object entry, Object codec, long weight, byte[] bytes) {
    return new Decoded(Objects.requireNonNull(entry, "entry"),
        Objects.requireNonNull(codec, "codec"), weight, Objects.requireNonNull(bytes, "bytes"),
        null);
  }

  /**
   * Returns a decoded entry whose bytes are made by {@code encoder} when first asked for.
   *
   * @param entry what the facade decoded; opaque to the store
   * @param codec the codec that decoded it, or a token of the facade's that stands for it;
   *     matched by {@code equals}, never looked into by the store
   * @param weight the estimated heap bytes of the decoded entry, without the bytes: a store
   *     weighs an entry once, when it takes it, so bytes made later are not charged
   * @param encoder makes the stored bytes; may run more than once when threads race, and must
   *     then give equal bytes; it may throw, and then {@link #bytes()} throws the same
   * @return the entry
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code weight} is negative
   */
  public static Decoded lazy(Object entry, Object codec, long weight, Supplier<byte[]> encoder) {
    return new Decoded(Objects.requireNonNull(entry, "entry"),
        Objects.requireNonNull(codec, "codec"), weight, null,
        Objects.requireNonNull(encoder, "encoder"));
  }

  /**
   * Returns the decoded entry if {@code reader} is the reader it was made with (the same
   * instance, or one equal to it): the codec that decoded it, or the facade's token for it.
   *
   * @param reader the codec of the read, or the facade's token for it
   * @return the entry, or {@code null} if this holds bytes only or was made with another
   *     reader
   */
  public @Nullable Object entryFor(Object reader) {
    return reader == codec || codec != null && reader.equals(codec) ? entry : null;
  }

  /**
   * Tells whether this carries a decoded entry.
   *
   * @return {@code true} unless this holds bytes only
   */
  public boolean isDecoded() {
    return entry != null;
  }

  /**
   * Returns the stored bytes, encoding them first if this entry was written lazily.
   *
   * @return the bytes; shared, so never to be modified
   * @throws RuntimeException whatever the encoder throws (the value cannot be stored as
   *     bytes); it is thrown again on the next call
   */
  public byte[] bytes() {
    byte[] b = bytes;
    if (b == null) {
      Supplier<byte[]> e = encoder;
      if (e == null) {
        // another thread encoded between our two reads
        return bytes;
      }
      b = Objects.requireNonNull(e.get(), "encoder returned null");
      bytes = b;
      encoder = null;
    }
    return b;
  }

  /**
   * Tells whether the bytes exist yet, so that asking for them costs nothing.
   *
   * @return {@code true} if {@link #bytes()} will not encode
   */
  public boolean isEncoded() {
    return bytes != null;
  }

  /**
   * Returns the estimated heap bytes this entry takes, which a bounded store charges for it.
   *
   * @return the weight given at creation, or the length of the bytes of {@link #ofBytes}
   */
  public long weight() {
    return weight;
  }

  @Override
  public String toString() {
    return "Decoded[" + (entry == null ? "bytes" : "entry by " + codec) + ", weight " + weight
        + "]";
  }
}

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
  /** The bytes known when this was made ({@link #ofBytes}, {@link #of}), else {@code null}. */
  private final byte @Nullable [] given;
  /** A {@link Supplier} or an {@link Encoder} of a lazy entry, else {@code null}. */
  private final @Nullable Object encoder;
  /** The bytes {@link #encoder} made, once someone asked. */
  private volatile byte @Nullable [] made;

  // every field set here is final: a write makes no volatile store (a fence on most CPUs), and
  // the fields are safely published however the instance is
  private Decoded(@Nullable Object entry, @Nullable Object codec, long weight,
      byte @Nullable [] given, @Nullable Object encoder) {
    if (weight < 0) {
      throw new IllegalArgumentException("weight must not be negative, was " + weight);
    }
    this.entry = entry;
    this.codec = codec;
    this.weight = weight;
    this.given = given;
    this.encoder = encoder;
  }

  /**
   * Makes the stored bytes of a lazy entry from the entry and its reader, so that one encoder
   * may serve every entry a writer makes (a {@link Supplier} per entry would be one more object
   * per write).
   */
  @FunctionalInterface
  public interface Encoder {
    /**
     * Encodes an entry.
     *
     * @param entry the decoded entry, as given to {@link Decoded#lazy(Object, Object, long,
     *     Encoder)}
     * @param codec the codec or token given with it
     * @return the stored bytes, never {@code null}
     * @throws RuntimeException if the entry cannot be stored as bytes
     */
    byte[] encode(Object entry, Object codec);
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
   *     then give equal bytes; it may throw, and then {@link #bytes()} throws the same; it stays
   *     reachable, with all it captures, as long as the entry, after its bytes are made too
   *     (neither it nor the bytes are charged to {@code weight})
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
   * Returns a decoded entry whose bytes {@code encoder} makes from it when first asked for, as
   * {@link #lazy(Object, Object, long, Supplier)} does; {@code encoder} is given the entry and
   * its codec, so that one encoder may serve every entry.
   *
   * @param entry what the facade decoded; opaque to the store
   * @param codec the codec that decoded it, or a token of the facade's that stands for it
   * @param weight the estimated heap bytes of the decoded entry, without the bytes
   * @param encoder makes the stored bytes from {@code entry} and {@code codec}; as for
   *     {@link #lazy(Object, Object, long, Supplier)}
   * @return the entry
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code weight} is negative
   */
  public static Decoded lazy(Object entry, Object codec, long weight, Encoder encoder) {
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
  @SuppressWarnings("unchecked")
  public byte[] bytes() {
    byte[] b = given;
    if (b != null) {
      return b;
    }
    b = made;
    if (b == null) {
      // threads that race here each encode (the encoder's bytes are equal), and one's are kept
      b = Objects.requireNonNull(encoder instanceof Encoder e ? e.encode(entry, codec)
          : ((Supplier<byte[]>) encoder).get(), "encoder returned null");
      made = b;
    }
    return b;
  }

  /**
   * Tells whether the bytes exist yet, so that asking for them costs nothing.
   *
   * @return {@code true} if {@link #bytes()} will not encode
   */
  public boolean isEncoded() {
    return given != null || made != null;
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

package io.larder;

import java.io.Serializable;
import java.util.Objects;

/**
 * Turns values into bytes for a store and back.
 *
 * <p>Codecs are tiny, thread-safe and composable, in the manner of Lettuce's
 * {@code RedisCodec}:
 *
 * <pre>{@code
 * Codec<String> text = Codec.utf8();
 * Codec<String> big = Codec.compressed(Codec.utf8(), 256);   // deflate above 256 bytes
 * Codec<Order> orders = Codec.serialized(Order.class, LineItem.class);
 * }</pre>
 *
 * <p>A codec must throw (any {@link RuntimeException}; {@link CacheCodecException} is
 * preferred) from {@link #decode} when the bytes are not something it wrote: the cache turns
 * that into a miss and counts it in {@link CacheStats#decodeErrors()}. It must never return
 * a wrong value for foreign bytes when it can tell.
 *
 * @param <T> the type of value
 */
public interface Codec<T> {

  /**
   * Encodes a value.
   *
   * @param value the value, never {@code null}
   * @return the bytes to store
   * @throws CacheCodecException if the value cannot be encoded
   */
  byte[] encode(T value);

  /**
   * Decodes bytes that {@link #encode} produced.
   *
   * @param bytes the stored bytes, never {@code null}
   * @return the value, never {@code null}
   * @throws CacheCodecException if the bytes are not a value of this codec
   */
  T decode(byte[] bytes);

  /**
   * Returns the codec for strings as strict UTF-8; malformed bytes fail to decode.
   *
   * @return the UTF-8 codec
   */
  static Codec<String> utf8() {
    return BuiltinCodecs.UTF8;
  }

  /**
   * Returns the codec that stores byte arrays as they are (copying on both sides, except where
   * an array no one else holds can be handed over: a store's fresh read, or a preload scope's
   * bulk read the first time a key is read; see {@link Preload}). The array a read returns is
   * always the caller's own.
   *
   * @return the byte-array codec
   */
  static Codec<byte[]> bytes() {
    return BuiltinCodecs.BYTES;
  }

  /**
   * Returns the codec for longs as plain decimal ASCII ({@code "-42"}), the form that
   * {@link Cache#incr} and other languages' server-side increments use. Decoding accepts
   * surrounding spaces (memcached pads decremented counters) and nothing else.
   *
   * @return the decimal long codec
   */
  static Codec<Long> longs() {
    return BuiltinCodecs.LONGS;
  }

  /**
   * Returns a Java-serialization codec that reads only allow-listed classes.
   *
   * <p>Java deserialization of bytes from a shared server is a remote-code-execution hole,
   * so every stream gets an {@link java.io.ObjectInputFilter} that accepts only
   * {@code type}, the classes in {@code alsoAllowed} and their serializable superclasses,
   * {@link String}, the boxed primitives, {@link Number} and {@link Enum}, and arrays (whose
   * elements are checked one by one); it limits depth (20), references (100,000), and array
   * lengths (1,000,000, and never more than the stream's length). Encoding checks every
   * object in the graph against the same list, so a value that could not be read back is
   * refused at write.
   *
   * @param type the value type
   * @param alsoAllowed other classes that appear in the object graph (field types,
   *     collection implementations such as {@code java.util.ArrayList})
   * @param <T> the value type
   * @return the codec
   * @throws NullPointerException if any class is null
   * @throws IllegalArgumentException if a class is not {@link Serializable}
   */
  static <T> Codec<T> serialized(Class<T> type, Class<?>... alsoAllowed) {
    return new SerializedCodec<>(type, alsoAllowed);
  }

  /**
   * Returns a codec that deflates the output of {@code codec} when it is at least
   * {@code thresholdBytes} long and the result is smaller; a flag in the bytes says which.
   *
   * <p>The cache does this by itself for every value when configured with
   * {@code compress=N}; use this to compress only some values.
   *
   * @param codec the codec to wrap
   * @param thresholdBytes the smallest encoded size to compress; at least 1
   * @param <T> the value type
   * @return the compressing codec
   * @throws IllegalArgumentException if {@code thresholdBytes} is below 1
   */
  static <T> Codec<T> compressed(Codec<T> codec, int thresholdBytes) {
    Objects.requireNonNull(codec, "codec");
    if (thresholdBytes < 1) {
      throw new IllegalArgumentException("thresholdBytes must be at least 1, was " + thresholdBytes);
    }
    return new Codec<>() {
      @Override
      public byte[] encode(T value) {
        return Envelope.seal(codec.encode(value), thresholdBytes, null);
      }

      @Override
      public T decode(byte[] bytes) {
        return codec.decode(Envelope.open(bytes, null));
      }

      @Override
      public String toString() {
        return "compressed(" + codec + ", " + thresholdBytes + ")";
      }
    };
  }
}

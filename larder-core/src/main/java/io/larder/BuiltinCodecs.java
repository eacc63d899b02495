package io.larder;

import io.larder.spi.Counters;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** The codecs behind {@link Codec#utf8()}, {@link Codec#bytes()} and {@link Codec#longs()}. */
final class BuiltinCodecs {
  private BuiltinCodecs() {}

  /**
   * Tells whether a codec is one of these, which encode every value of their type: a write
   * through one may leave the encoding for later.
   */
  static boolean neverRefuses(Codec<?> codec) {
    return codec == UTF8 || codec == LONGS || codec == INTS;
  }

  static final Codec<String> UTF8 = new Codec<>() {
    @Override
    public byte[] encode(String value) {
      return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(byte[] bytes) {
      if (isAscii(bytes)) {
        return new String(bytes, StandardCharsets.US_ASCII); // valid UTF-8 by definition
      }
      try {
        return StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes))
            .toString();
      } catch (CharacterCodingException e) {
        throw new CacheCodecException("bytes are not valid UTF-8", e);
      }
    }

    @Override
    public String toString() {
      return "utf8";
    }
  };

  /**
   * A codec that can adopt the array it decodes when no one else holds it, sparing a copy; the
   * facade calls {@link #adopt} only for an array the store returned as the caller's own.
   */
  interface Adopting<T> extends Codec<T> {
    T adopt(byte[] owned);
  }

  static final Adopting<byte[]> BYTES = new Adopting<>() {
    @Override
    public byte[] encode(byte[] value) {
      return value.clone();
    }

    @Override
    public byte[] decode(byte[] bytes) {
      return bytes.clone();
    }

    @Override
    public byte[] adopt(byte[] owned) {
      return owned;
    }

    @Override
    public String toString() {
      return "bytes";
    }
  };

  static final Codec<Long> LONGS = new Codec<>() {
    @Override
    public byte[] encode(Long value) {
      return Counters.format(value);
    }

    @Override
    public Long decode(byte[] bytes) {
      return Counters.parse(null, bytes);
    }

    @Override
    public String toString() {
      return "longs";
    }
  };

  static final Codec<Integer> INTS = new Codec<>() {
    @Override
    public byte[] encode(Integer value) {
      return Integer.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public Integer decode(byte[] bytes) {
      long v = Counters.parse(null, bytes);
      if (v != (int) v) {
        throw new CacheCodecException("counter " + v + " does not fit in an int");
      }
      return (int) v;
    }

    @Override
    public String toString() {
      return "ints";
    }
  };

  /** Most cached text is ASCII: it needs no strict decoder (which is costly to create). */
  private static boolean isAscii(byte[] bytes) {
    for (byte b : bytes) {
      if (b < 0) {
        return false;
      }
    }
    return true;
  }
}

package io.larder.spring;

import io.larder.CacheCodecException;
import io.larder.Codec;
import java.io.Serializable;
import java.util.Arrays;

/**
 * The codec of a Spring cache given none: strings as UTF-8 text (readable by other clients and
 * by {@code Cache.get(key, String.class)}), everything else with Java serialization limited to
 * an allow-list ({@link Codec#serialized}). The two never meet: a Java serialization stream
 * starts with {@code 0xAC 0xED}, and no UTF-8 text starts with {@code 0xAC}.
 */
final class DefaultCodec implements Codec<Object> {
  private final Codec<Serializable> serialized;
  private final Class<?>[] allowed;

  DefaultCodec(Class<?>... allowed) {
    this.allowed = allowed.clone();
    this.serialized = Codec.serialized(Serializable.class, allowed);
  }

  @Override
  public byte[] encode(Object value) {
    if (value instanceof String s) {
      return Codec.utf8().encode(s);
    }
    if (!(value instanceof Serializable s)) {
      throw new CacheCodecException(value.getClass().getName() + " is not Serializable");
    }
    return serialized.encode(s);
  }

  @Override
  public Object decode(byte[] bytes) {
    if (bytes.length >= 2 && bytes[0] == (byte) 0xAC && bytes[1] == (byte) 0xED) {
      return serialized.decode(bytes);
    }
    return Codec.utf8().decode(bytes);
  }

  @Override
  public String toString() {
    return "text or serialized(allowing " + (allowed.length == 0 ? "strings and boxed primitives"
        : Arrays.stream(allowed).map(Class::getName).toList() + ", strings and boxed primitives")
        + ")";
  }
}

package io.larder;

/**
 * The codec of a cache kept by reference ({@link Larder.Builder#byReference}) for a class with
 * no codec of its own: its values are kept as the very objects written and have no bytes.
 * Every reference codec reads what any other wrote (they are equal), provided the value is an
 * instance of its class.
 *
 * @param <T> the value type
 */
final class ReferenceCodec<T> implements Codec<T> {
  private final Class<?> type;

  ReferenceCodec(Class<T> type) {
    this.type = type.isPrimitive() ? java.lang.invoke.MethodType.methodType(type).wrap()
        .returnType() : type;
  }

  /** Whether a kept value is what a reader of this codec's class may be given. */
  boolean accepts(Object value) {
    return type.isInstance(value);
  }

  @Override
  public byte[] encode(T value) {
    throw new CacheCodecException("a " + value.getClass().getName() + " kept by reference has no"
        + " bytes: give a codec for it to read or write it as bytes");
  }

  @Override
  public T decode(byte[] bytes) {
    throw new CacheCodecException("bytes cannot be read as a value kept by reference to a "
        + type.getName() + ": give a codec for it");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReferenceCodec;
  }

  @Override
  public int hashCode() {
    return ReferenceCodec.class.hashCode();
  }

  @Override
  public String toString() {
    return "byReference(" + type.getName() + ")";
  }
}

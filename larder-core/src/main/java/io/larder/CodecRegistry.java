package io.larder;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the codec for a class: the built-ins, Java serialization for allow-listed classes, and
 * in a cache kept by reference a {@link ReferenceCodec} for any other class.
 */
final class CodecRegistry {
  private static final Map<Class<?>, Codec<?>> BUILT_IN = Map.of(
      String.class, BuiltinCodecs.UTF8,
      byte[].class, BuiltinCodecs.BYTES,
      Long.class, BuiltinCodecs.LONGS,
      long.class, BuiltinCodecs.LONGS,
      Integer.class, BuiltinCodecs.INTS,
      int.class, BuiltinCodecs.INTS);

  private final Set<Class<?>> serializable;
  private final Map<Class<?>, Codec<?>> serializedCodecs = new ConcurrentHashMap<>();
  private final boolean byReference;
  private final ObjectTier objectTier;

  CodecRegistry(Set<Class<?>> serializable) {
    this(serializable, Set.of(), false);
  }

  /**
   * @param immutable classes the user declared immutable, kept and shared in an object tier
   * @param byReference whether a class without a codec gets a {@link ReferenceCodec}, and every
   *     value is kept as it is
   */
  CodecRegistry(Set<Class<?>> serializable, Set<Class<?>> immutable, boolean byReference) {
    this.serializable = Set.copyOf(serializable);
    this.byReference = byReference;
    this.objectTier = new ObjectTier(immutable, byReference);
  }

  /** Which values a store's object tier may keep and share, by what the user declared. */
  ObjectTier objectTier() {
    return objectTier;
  }

  @SuppressWarnings("unchecked")
  <T> Codec<T> forClass(Class<T> type) {
    // the two commonest, by identity: every get(key, type) and set(key, value) asks
    if (type == String.class) {
      return (Codec<T>) BuiltinCodecs.UTF8;
    }
    if (type == byte[].class) {
      return (Codec<T>) BuiltinCodecs.BYTES;
    }
    Codec<?> codec = BUILT_IN.get(type);
    if (codec == null && serializable.contains(type)) {
      codec = serializedCodecs.computeIfAbsent(type,
          t -> new SerializedCodec<>(t, serializable.toArray(new Class<?>[0])));
    }
    if (codec == null && byReference) {
      codec = serializedCodecs.computeIfAbsent(type, ReferenceCodec::new);
    }
    if (codec == null) {
      throw new IllegalArgumentException("no codec for " + type.getName()
          + ": pass a Codec, or allow-list the class with Larder.builder().allowSerialized("
          + type.getSimpleName() + ".class)");
    }
    return (Codec<T>) codec;
  }

  @SuppressWarnings("unchecked")
  <T> Codec<T> forValue(T value) {
    return (Codec<T>) forClass(value.getClass());
  }
}

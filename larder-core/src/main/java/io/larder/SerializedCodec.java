package io.larder;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/** Java serialization restricted to allow-listed classes; see {@link Codec#serialized}. */
final class SerializedCodec<T> implements Codec<T> {
  static final int MAX_DEPTH = 20;
  static final int MAX_REFERENCES = 100_000;
  static final int MAX_ARRAY_LENGTH = 1_000_000;

  private static final Set<Class<?>> ALWAYS_ALLOWED = Set.of(
      String.class, Boolean.class, Byte.class, Character.class, Short.class, Integer.class,
      Long.class, Float.class, Double.class, Number.class, Enum.class);

  private final Class<T> type;
  private final Set<Class<?>> allowed;

  SerializedCodec(Class<T> type, Class<?>... alsoAllowed) {
    this.type = Objects.requireNonNull(type, "type");
    Set<Class<?>> set = new HashSet<>(ALWAYS_ALLOWED);
    allowWithSuperclasses(set, checkSerializable(type));
    for (Class<?> c : alsoAllowed) {
      allowWithSuperclasses(set, checkSerializable(Objects.requireNonNull(c, "alsoAllowed")));
    }
    this.allowed = Set.copyOf(set);
  }

  /**
   * Allows a class and its serializable superclasses: the stream describes those too
   * (a LinkedHashMap carries a HashMap), and trusting a class means trusting the code it
   * inherits.
   */
  private static void allowWithSuperclasses(Set<Class<?>> set, Class<?> c) {
    for (Class<?> k = c; k != null && Serializable.class.isAssignableFrom(k); k = k.getSuperclass()) {
      set.add(k);
    }
    if (c.isPrimitive() || c.isArray()) {
      set.add(c);
    }
  }

  private static Class<?> checkSerializable(Class<?> c) {
    if (!c.isPrimitive() && !c.isArray() && !Serializable.class.isAssignableFrom(c)) {
      throw new IllegalArgumentException(c.getName() + " is not Serializable");
    }
    return c;
  }

  private boolean isAllowed(Class<?> c) {
    // an array is a bare container: creating one runs no code, its length is limited by the
    // filter, and each element is checked as it is read (HashMap's Map.Entry[] included)
    return c.isArray() || allowed.contains(c);
  }

  /**
   * Judges one step of a stream of {@code streamLength} bytes. An array can be no longer
   * than the stream that holds it (every element takes at least a byte), which stops a few
   * hundred hostile bytes from allocating megabytes.
   */
  private ObjectInputFilter.Status check(ObjectInputFilter.FilterInfo info, int streamLength) {
    if (info.depth() > MAX_DEPTH || info.references() > MAX_REFERENCES
        || info.arrayLength() > Math.min(MAX_ARRAY_LENGTH, streamLength)
        || info.streamBytes() > streamLength) {
      return ObjectInputFilter.Status.REJECTED;
    }
    Class<?> c = info.serialClass();
    if (c == null) {
      return ObjectInputFilter.Status.UNDECIDED;
    }
    return isAllowed(c) ? ObjectInputFilter.Status.ALLOWED : ObjectInputFilter.Status.REJECTED;
  }

  @Override
  public byte[] encode(T value) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (CheckingOutput out = new CheckingOutput(bytes)) {
      out.writeObject(value);
    } catch (IOException e) {
      throw new CacheCodecException("cannot serialize " + value.getClass().getName() + ": "
          + e.getMessage(), e);
    }
    return bytes.toByteArray();
  }

  @Override
  public T decode(byte[] bytes) {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      in.setObjectInputFilter(info -> check(info, bytes.length));
      Object o = in.readObject();
      if (!type.isInstance(o)) {
        throw new CacheCodecException("stored object is a " + (o == null ? "null" : o.getClass().getName())
            + ", not a " + type.getName());
      }
      return type.cast(o);
    } catch (IOException | ClassNotFoundException e) {
      throw new CacheCodecException("cannot deserialize a " + type.getName() + ": " + e, e);
    }
  }

  @Override
  public String toString() {
    return "serialized(" + type.getName() + ", allowing "
        + allowed.stream().map(Class::getSimpleName).sorted().collect(Collectors.joining(", "))
        + ")";
  }

  /** Refuses, at write time, any object the read filter would reject. */
  private final class CheckingOutput extends ObjectOutputStream {
    CheckingOutput(ByteArrayOutputStream out) throws IOException {
      super(out);
      enableReplaceObject(true);
    }

    @Override
    protected Object replaceObject(Object obj) {
      if (obj != null && !isAllowed(obj.getClass()) && !(obj instanceof Enum<?> e
          && isAllowed(e.getDeclaringClass()))) {
        // unchecked on purpose: an IOException here would make the stream try to write the
        // exception itself, which this check would then reject in turn
        throw new CacheCodecException(obj.getClass().getName() + " is not allow-listed; allowed: "
            + Arrays.toString(allowed.stream().map(Class::getName).sorted().toArray()));
      }
      return obj;
    }
  }
}

package io.larder;

import io.larder.internal.MemoryStore;
import io.larder.spi.Decoded;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The facade's side of a store's object tier ({@link io.larder.spi.DecodedValues}): which
 * values may be kept decoded and handed to every reader as they are, and what a kept value is
 * estimated to weigh.
 *
 * <p>Immutable, and so shared: strings, boxed primitives, {@link BigInteger} and
 * {@link BigDecimal} (exactly those classes, not subclasses), enums, {@link UUID},
 * {@code java.time} values, records whose components are all of these types (or such records),
 * the classes the user declared immutable, and, in by-reference mode, everything. Any other
 * value (a byte array, a collection, a serializable object) is mutable: it is stored as bytes and
 * decoded afresh for every read, so that no caller can change what another reads. A value
 * shared only because a cache declared its class immutable, or runs by reference, is handed as
 * it is only to caches over the same store that share alike (see {@link Policy}); any other
 * cache decodes a copy of its own.
 *
 * <p>The weight estimate, in bytes of heap: a string 40 plus 2 per char (an upper bound: a
 * Latin-1 string takes 1); a boxed number, enum, UUID or {@code java.time} value 32; a record
 * 16 plus 8 per component plus the estimate of each component's value (strings by length, nested
 * records likewise, to a depth of 4); an array (declared immutable, or kept by reference) 16
 * plus its length times its element's size (a reference 8, the objects it refers to not
 * counted); any other object 64. It is an estimate, made without encoding, so that a write of
 * an object costs no encoding; the memory store adds the key and its fixed per-entry overhead.
 * An entry kept beside its bytes (a value decoded by a read, or written with a codec that may
 * refuse it, and so encoded at once) is charged their length on top; one written lazily is
 * charged the value alone, and not re-weighed if its bytes are made later.
 * A value estimated above 64 KiB is stored as its bytes (which the cache may compress), never
 * kept as an object, whether written or decoded by a read.
 */
final class ObjectTier {
  static final long SMALL = 32;
  static final long OTHER = 64;
  /** An array's header, before its elements. */
  static final long ARRAY = 16;
  /** A value estimated above this many bytes is stored as bytes, never kept as an object. */
  static final long KEPT_UP_TO = 64 << 10;
  private static final int MAX_DEPTH = 4;

  private static final Set<Class<?>> SCALARS = Set.of(String.class, Boolean.class,
      Character.class, Byte.class, Short.class, Integer.class, Long.class, Float.class,
      Double.class, BigInteger.class, BigDecimal.class, UUID.class);

  /** Whether instances of a class are immutable by the rules above (declared ones aside). */
  private static final ClassValue<Boolean> IMMUTABLE = new ClassValue<>() {
    @Override
    protected Boolean computeValue(Class<?> type) {
      return immutable(type, 0);
    }
  };

  private final Set<Class<?>> declared;
  private final boolean byReference;
  /** What {@link #shared} answers for a {@code byte[]}: no, unless declared or by reference. */
  private final boolean bytesShared;
  /**
   * What this tier shares beyond the values immutable by themselves, or {@code null} when it
   * shares no more (nothing declared, not by reference): the commonest tier, whose readers are
   * the codecs themselves (see {@link #reader}).
   */
  private final Policy policy;
  /**
   * The last reader {@link #policyReader} made for a write, reused while the codec is the same;
   * reads use it and never replace it ({@link #readerOf}).
   */
  private Shared lastReader;

  /**
   * @param declared classes the user declared immutable
   * @param byReference whether every value is kept and handed out as it is
   */
  ObjectTier(Set<Class<?>> declared, boolean byReference) {
    this.declared = Set.copyOf(declared);
    this.byReference = byReference;
    this.bytesShared = byReference || this.declared.contains(byte[].class);
    this.policy = byReference ? new Policy(Set.of(), true)
        : this.declared.isEmpty() ? null : new Policy(this.declared, false);
  }

  /**
   * What a tier shares beyond the values immutable by themselves: the classes declared
   * immutable, or everything (by reference). Two caches over one store that share the same
   * way read each other's kept values; any other cache decodes its own copy.
   */
  record Policy(Set<Class<?>> declared, boolean byReference) {}

  /**
   * The reader of a value kept only because a cache's {@link Policy} shares it (a class
   * declared immutable, or by reference): the codec's reader with the policy, so that a cache
   * that does not share such values never finds it kept, and decodes a copy of its own.
   */
  record Shared(Object reader, Policy policy) {}

  /** Whether every value is kept as it is, with no codec. */
  boolean byReference() {
    return byReference;
  }

  /**
   * Whether a kept value may be given to a reader with {@code codec}: always, but for a reader
   * by reference of a class the value is not an instance of.
   */
  boolean fits(Codec<?> codec, Object value) {
    return !byReference || value == null || !(codec instanceof ReferenceCodec<?> r)
        || r.accepts(value);
  }

  /** Whether a value may be kept and handed to every reader as it is. */
  boolean shared(Object value) {
    if (value instanceof byte[]) {
      // the commonest mutable value, answered without the class lookup: every byte[] get and
      // put of mem: asks (a ClassValue lookup showed as 3.7 % of a 16-thread put's samples)
      return bytesShared;
    }
    return byReference || IMMUTABLE.get(value.getClass()) || declared.contains(value.getClass());
  }

  private static boolean immutable(Class<?> type, int depth) {
    if (type.isPrimitive() || SCALARS.contains(type) || type.isEnum()
        || type.getSuperclass() != null && type.getSuperclass().isEnum()
        || CacheKeys.isTime(type) && java.lang.reflect.Modifier.isFinal(type.getModifiers())) {
      return true;
    }
    if (!type.isRecord() || depth >= MAX_DEPTH) {
      return false;
    }
    for (RecordComponent c : type.getRecordComponents()) {
      Class<?> t = c.getType();
      // a component of a non-final type may hold a mutable subclass
      if (!t.isPrimitive() && !java.lang.reflect.Modifier.isFinal(t.getModifiers())
          && !t.isEnum() || !immutable(t, depth + 1)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Makes the {@link Decoded} the object tier keeps for an entry whose bytes are known. This
   * and {@link #decodedLazily} are the only places a facade's {@code Decoded} is made, so that
   * what it carries and the reader it names always go together (see {@link #reader}).
   *
   * @param entry the decoded entry
   * @param codec the codec of the entry's value
   * @param weight the estimated heap bytes of the value; the entry weighs that plus the bytes,
   *     which it holds too
   * @param bytes the stored bytes of the same entry
   * @return the decoded entry
   * @throws NullPointerException if {@code bytes} is null
   */
  Decoded decoded(Entry<?> entry, Codec<?> codec, long weight, byte[] bytes) {
    Object kept = kept(entry);
    return Decoded.of(kept, reader(kept, codec), weight + bytes.length, bytes);
  }

  /**
   * Makes the {@link Decoded} the object tier keeps for an entry whose bytes {@code encoder}
   * makes when first asked for; see {@link #decoded}. It weighs the value alone: a store weighs
   * an entry once, when it takes it, so the bytes made later for someone who asks are not
   * charged.
   *
   * @param entry the decoded entry
   * @param codec the codec of the entry's value
   * @param weight the estimated heap bytes of the value
   * @param encoder makes the stored bytes of the same entry
   * @return the decoded entry
   * @throws NullPointerException if {@code encoder} is null
   */
  Decoded decodedLazily(Entry<?> entry, Codec<?> codec, long weight,
      Supplier<byte[]> encoder) {
    Object kept = kept(entry);
    return Decoded.lazy(kept, reader(kept, codec), weight, encoder);
  }

  /**
   * Makes the {@link Decoded} {@link #decodedLazily} makes for a value with no metadata,
   * without the {@link Entry} around it: the memory store's write of a shared value. Its
   * encoder is given the value and the reader made here, which {@link #codecOf} turns back into
   * {@code codec}, so that one encoder serves every such write.
   *
   * @param value the value, not {@code null}
   * @param codec the codec of the value
   * @param weight the estimated heap bytes of the value
   * @param encoder makes the stored bytes of the value
   * @return the decoded entry
   * @throws NullPointerException if {@code value} or {@code encoder} is null
   */
  Decoded decodedLazily(Object value, Codec<?> codec, long weight, Decoded.Encoder encoder) {
    return Decoded.lazy(value, reader(value, codec), weight, encoder);
  }

  /**
   * The codec a reader {@link #reader} named a bare value by stands for: the codec itself, or
   * the one inside a {@link Shared} token.
   */
  static Codec<?> codecOf(Object reader) {
    return (Codec<?>) (reader instanceof Shared s ? s.reader() : reader);
  }

  /**
   * What a {@link Decoded} carries for an entry: the value itself when it is present with no
   * metadata (the commonest), so that a read follows one reference less; else the entry. Users
   * never hold an {@link Entry}, so a value is never taken for one.
   */
  private static Object kept(Entry<?> entry) {
    return entry.value() != null && entry.meta().equals(Envelope.Meta.NONE) ? entry.value()
        : entry;
  }

  /**
   * What a {@link Decoded} names as its reader for what {@link #kept} returned: the codec
   * itself for a bare value, a {@link WithMeta} of it for an {@link Entry}. A read asking with
   * the codec itself thus finds only a bare value, and hands it out without reading its class;
   * one asking with {@link WithMeta} finds the entry. A value this tier shares only by its
   * {@link Policy} (declared immutable, or by reference) is named by a {@link Shared} reader
   * instead, which only a cache of the same policy asks with.
   */
  private Object reader(Object kept, Codec<?> codec) {
    Object reader = kept instanceof Entry<?> ? new WithMeta(codec) : codec;
    if (policy == null) {
      // the tier shares only values immutable by themselves, which every cache may share
      return reader;
    }
    Object value = kept instanceof Entry<?> e ? e.value() : kept;
    if (value == null || !(value instanceof byte[]) && IMMUTABLE.get(value.getClass())) {
      return reader;
    }
    // a bare value is named by the very reader a read asks with (policyReader), so that a hit
    // matches it by identity rather than by the records' equals
    return reader == codec ? policyReader(codec) : new Shared(reader, policy);
  }

  /**
   * Returns the value {@code read} keeps bare (with no metadata) for a reader with
   * {@code codec} that this tier may hand it to, or {@code null}: over the commonest tier, no
   * more than {@code read.entryFor(codec)}.
   */
  Object bareFor(Decoded read, Codec<?> codec) {
    Object kept = read.entryFor(codec);
    return kept != null || policy == null ? kept : read.entryFor(readerOf(codec));
  }

  /**
   * Returns what {@code read} keeps (a bare value or an {@link Entry}) for a reader with
   * {@code codec} that this tier may hand it to, or {@code null}.
   */
  Object keptFor(Decoded read, Codec<?> codec) {
    if (!read.isDecoded()) {
      return null;
    }
    Object found = bareFor(read, codec);
    if (found == null) {
      WithMeta withMeta = new WithMeta(codec);
      found = read.entryFor(withMeta);
      if (found == null && policy != null) {
        found = read.entryFor(new Shared(withMeta, policy));
      }
    }
    return found;
  }

  /**
   * This tier's {@link Shared} reader of a bare value kept for {@code codec}, for a read: the
   * one the last write made when its codec is the same (a hit then matches by identity), else
   * a new one (matching by {@code equals}). A read never stores it: a field every thread's
   * reads load is written only by writes that change codec.
   */
  private Shared readerOf(Codec<?> codec) {
    Shared last = lastReader;
    return last != null && last.reader() == codec ? last : new Shared(codec, policy);
  }

  /** This tier's {@link Shared} reader of a bare value kept for {@code codec}, for a write. */
  private Shared policyReader(Codec<?> codec) {
    // racy but safe: a record's fields are final, and a lost update only makes one more
    Shared last = lastReader;
    if (last == null || last.reader() != codec) {
      last = new Shared(codec, policy);
      lastReader = last;
    }
    return last;
  }

  /** The reader of an {@link Entry} kept for {@code codec} (see {@link #reader}). */
  record WithMeta(Codec<?> codec) {}

  /** The entry that what {@link #kept} returned stands for. */
  @SuppressWarnings("unchecked")
  static <T> Entry<T> entryOf(Object kept) {
    return kept instanceof Entry<?> e ? (Entry<T>) e
        : new Entry<>(true, (T) kept, Envelope.Meta.NONE);
  }

  /** The bytes an element of an array of {@code type} takes: a reference counts 8. */
  private static long elementBytes(Class<?> type) {
    if (type == byte.class || type == boolean.class) {
      return 1;
    }
    if (type == char.class || type == short.class) {
      return 2;
    }
    return type == int.class || type == float.class ? 4 : 8;
  }

  /** Estimates the heap bytes a kept value takes; see the class comment. */
  static long weight(Object value) {
    return weight(value, 0);
  }

  private static long weight(Object value, int depth) {
    if (value instanceof String s) {
      return MemoryStore.stringWeight(s);
    }
    if (value instanceof byte[] b) {
      return ARRAY + b.length;
    }
    Class<?> type = value.getClass();
    if (type.isArray()) {
      return ARRAY
          + elementBytes(type.getComponentType()) * java.lang.reflect.Array.getLength(value);
    }
    if (!type.isRecord()) {
      return SCALARS.contains(type) || type.isEnum() || CacheKeys.isTime(type) ? SMALL : OTHER;
    }
    Method[] accessors = CacheKeys.recordAccessors(type);
    long total = 16 + 8L * accessors.length;
    if (depth >= MAX_DEPTH) {
      return total;
    }
    for (Method accessor : accessors) {
      if (accessor.getReturnType().isPrimitive()) {
        continue;
      }
      try {
        Object component = accessor.invoke(value);
        total += component == null ? 0 : weight(component, depth + 1);
      } catch (ReflectiveOperationException | RuntimeException e) {
        total += OTHER;
      }
    }
    return total;
  }
}

package io.larder;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.Objects;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * A canonical, collision-free text for values used as keys — memoized functions' arguments,
 * fragment vary values, Spring's key objects: equal values give equal text, different
 * values different text.
 *
 * <pre>{@code
 * String key = "books:" + CacheKeys.encode(List.of(312L, "en"));   // books:L2[l312;S2:en]
 * }</pre>
 *
 * <p>Every value is written with a type tag and is self-delimiting (strings and names carry
 * their length, containers their size), so no concatenation of encodings is ambiguous.
 * Sets and maps are written in the order of their elements' encodings, so iteration order
 * does not matter. Supported: {@code null}, strings, characters, booleans, the boxed and big
 * numbers, enums, UUIDs, locales, {@code java.time} values, records of supported types, lists,
 * sets, maps, arrays and {@link Optional}. Anything else is refused: a {@code toString()}
 * key would silently merge different arguments.
 */
public final class CacheKeys {
  private CacheKeys() {}

  private static final Set<Class<?>> SCALARS = Set.of(String.class, Character.class,
      Boolean.class, Byte.class, Short.class, Integer.class, Long.class, Float.class,
      Double.class, BigInteger.class, BigDecimal.class, UUID.class, char.class, boolean.class,
      byte.class, short.class, int.class, long.class, float.class, double.class,
      java.util.Locale.class);

  /**
   * Checks that values of a declared type can be encoded; element types of collections, and
   * {@code Object}, can only be checked when encoded.
   *
   * @param type the declared type
   * @throws IllegalArgumentException naming the type if it can never be encoded
   */
  public static void checkSupported(Class<?> type) {
    if (!supported(type, new ArrayList<>())) {
      throw unsupported(type);
    }
  }

  /**
   * How each record class is written, worked out once per class rather than on every key: one
   * method handle that reads the components and builds the record's whole text in a single
   * exactly sized string ({@link RecordText}), called through {@link RecordSite}.
   */
  private static final ClassValue<RecordShape> RECORD_SHAPES = new ClassValue<>() {
    @Override
    protected RecordShape computeValue(Class<?> type) {
      RecordComponent[] components = type.getRecordComponents();
      Method[] accessors = new Method[components.length];
      for (int i = 0; i < components.length; i++) {
        accessors[i] = components[i].getAccessor();
      }
      StringBuilder head = new StringBuilder().append('R');
      text(head, type.getName());
      head.append(components.length).append('(');
      return new RecordShape(RecordText.of(head.toString(), accessors), accessors);
    }
  };

  /**
   * A record class's text, as a handle of type {@code (Writer, Object)String}, and its
   * component accessors in declaration order.
   */
  static final class RecordShape {
    private final MethodHandle text;
    private final Method[] accessors;
    /**
     * Records written through {@link RecordSite}'s lookup, up to
     * {@link RecordSite#LINK_AFTER}; a racy count, as only its reaching that matters.
     */
    private int lookups;

    RecordShape(MethodHandle text, Method[] accessors) {
      this.text = text;
      this.accessors = accessors;
    }

    MethodHandle text() {
      return text;
    }

    Method[] accessors() {
      return accessors;
    }

    /**
     * Counts a lookup (racily: a count lost between threads only delays it); returns true when
     * the class should be linked, once, or more than once under a race, which
     * {@link RecordSite#link} ignores since the class is linked already.
     */
    boolean linkDue() {
      return lookups < RecordSite.LINK_AFTER && ++lookups == RecordSite.LINK_AFTER;
    }
  }

  /** Returns a record class's shape, worked out once per class. */
  static RecordShape recordShape(Class<?> type) {
    return RECORD_SHAPES.get(type);
  }

  /**
   * Returns a record class's component accessors in declaration order, looked up once per
   * class (for the object tier's weight estimate).
   */
  static Method[] recordAccessors(Class<?> type) {
    return RECORD_SHAPES.get(type).accessors().clone();
  }

  private static boolean supported(Class<?> type, List<Class<?>> seen) {
    if (SCALARS.contains(type) || type.isEnum() || type == Object.class
        || Collection.class.isAssignableFrom(type) || Map.class.isAssignableFrom(type)
        || type == Optional.class || isTime(type)) {
      return true;
    }
    if (type.isArray()) {
      return supported(type.getComponentType(), seen);
    }
    if (type.isRecord()) {
      if (seen.contains(type)) {
        return true;
      }
      seen.add(type);
      for (RecordComponent c : type.getRecordComponents()) {
        if (!supported(c.getType(), seen)) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  static boolean isTime(Class<?> type) {
    return TemporalAccessor.class.isAssignableFrom(type) && type.getName().startsWith("java.time.")
        || type == java.time.Duration.class || type == java.time.Period.class
        || type == java.time.ZoneOffset.class;
  }

  private static IllegalArgumentException unsupported(Class<?> type) {
    return new IllegalArgumentException("cannot derive a cache key from a " + type.getName()
        + ": use strings, numbers, booleans, enums, UUIDs, java.time values, records, lists,"
        + " sets, maps or arrays of them, or give a key function");
  }

  /**
   * Encodes a value.
   *
   * @param value the value; may be {@code null}
   * @return its canonical text
   * @throws IllegalArgumentException if the value holds an unsupported type
   */
  public static String encode(Object value) {
    // kept small, so that the JIT may inline it, and a record's text with it, into the caller
    return value instanceof Record r ? PLAIN.recordText(r) : PLAIN.encoded(value);
  }

  /**
   * Encodes a value, letting {@code adapter} replace values of types Larder cannot encode by
   * ones it can, wherever they occur in the value: a key class with private state becomes a
   * record of that state, for example. Use a record of your own for the replacement, so that
   * it cannot equal the encoding of a plain list or string.
   *
   * @param value the value; may be {@code null}
   * @param adapter maps an unsupported value to a supported one, or returns it unchanged
   * @return its canonical text
   * @throws IllegalArgumentException if the value holds a type neither Larder nor the adapter
   *     can encode
   */
  public static String encode(Object value, UnaryOperator<Object> adapter) {
    Objects.requireNonNull(adapter, "adapter");
    Writer writer = adapter == IDENTITY ? PLAIN : new Writer(adapter);
    // the commonest argument of a memoized function, a record, has its text made in one piece
    return value instanceof Record r ? writer.recordText(r) : writer.encoded(value);
  }

  private static final UnaryOperator<Object> IDENTITY = UnaryOperator.identity();
  private static final Writer PLAIN = new Writer(IDENTITY);

  private static void text(StringBuilder sb, String s) {
    sb.append(s.length()).append(':').append(s);
  }

  /** Writes values, with the adapter for types Larder cannot encode itself. */
  static final class Writer {
    private final UnaryOperator<Object> adapter;

    Writer(UnaryOperator<Object> adapter) {
      this.adapter = adapter;
    }

    /**
     * Writes a record as {@code R<len>:<class><n>(<components>)}; a primitive component is
     * written as its boxed value would be, without boxing it.
     */
    private void writeRecord(StringBuilder sb, Record r) {
      sb.append(recordText(r));
    }

    /** Returns a record's text, as {@link #writeRecord} writes it. */
    String recordText(Record r) {
      try {
        return (String) RecordSite.TEXT.invokeExact(this, (Object) r);
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable e) {
        // the handle wraps what an accessor throws; nothing else in it throws a checked one
        throw new IllegalArgumentException("cannot write a " + r.getClass().getName()
            + " as a cache key", e);
      }
    }

    /** Returns a value's text. */
    String encoded(Object value) {
      StringBuilder sb = new StringBuilder(64);
      write(sb, value);
      return sb.toString();
    }

    /** Writes one value as text of its own: a record component of a type without a slot. */
    String nested(Object v) {
      StringBuilder sb = new StringBuilder();
      write(sb, v);
      return sb.toString();
    }

    void write(StringBuilder sb, Object v) {
      if (v == null) {
        sb.append('N');
      } else if (v instanceof String s) {
        sb.append('S');
        text(sb, s);
      } else if (v instanceof Character c) {
        sb.append('C').append((int) c).append(';');
      } else if (v instanceof Boolean b) {
        sb.append(b ? 'T' : 'F');
      } else if (v instanceof Byte n) {
        sb.append('b').append(n).append(';');
      } else if (v instanceof Short n) {
        sb.append('h').append(n).append(';');
      } else if (v instanceof Integer n) {
        sb.append('i').append(n).append(';');
      } else if (v instanceof Long n) {
        sb.append('l').append(n).append(';');
      } else if (v instanceof Float n) {
        sb.append('f').append(n).append(';');
      } else if (v instanceof Double n) {
        sb.append('d').append(n).append(';');
      } else if (v instanceof BigInteger n) {
        sb.append('I').append(n).append(';');
      } else if (v instanceof BigDecimal n) {
        sb.append('D').append(n).append(';');
      } else if (v instanceof java.util.Locale locale) {
        sb.append('G');
        text(sb, locale.toLanguageTag());
      } else if (v instanceof UUID u) {
        sb.append('U').append(u);
      } else if (v instanceof Enum<?> e) {
        sb.append('E');
        text(sb, e.getDeclaringClass().getName());
        text(sb, e.name());
      } else if (v instanceof Record r) {
        writeRecord(sb, r);
      } else if (isTime(v.getClass())) {
        sb.append('t');
        text(sb, v.getClass().getName());
        text(sb, v.toString());
      } else if (v instanceof Optional<?> o) {
        sb.append('O');
        write(sb, o.orElse(null));
      } else if (v instanceof List<?> list) {
        sb.append('L').append(list.size()).append('[');
        for (Object e : list) {
          write(sb, e);
        }
        sb.append(']');
      } else if (v instanceof Set<?> set) {
        List<String> parts = new ArrayList<>(set.size());
        for (Object e : set) {
          parts.add(nested(e));
        }
        parts.sort(null);
        sb.append('Z').append(parts.size()).append('[');
        parts.forEach(sb::append);
        sb.append(']');
      } else if (v instanceof Map<?, ?> map) {
        List<String> parts = new ArrayList<>(map.size());
        for (Map.Entry<?, ?> e : map.entrySet()) {
          parts.add(nested(e.getKey()) + nested(e.getValue()));
        }
        parts.sort(null);
        sb.append('M').append(parts.size()).append('{');
        parts.forEach(sb::append);
        sb.append('}');
      } else if (v.getClass().isArray()) {
        int n = java.lang.reflect.Array.getLength(v);
        sb.append('A').append(n).append('[');
        for (int i = 0; i < n; i++) {
          write(sb, java.lang.reflect.Array.get(v, i));
        }
        sb.append(']');
      } else if (v instanceof Collection<?> other) {
        // other collections (queues, ...) by iteration order
        sb.append('L').append(other.size()).append('[');
        for (Object e : other) {
          write(sb, e);
        }
        sb.append(']');
      } else {
        Object replaced = adapter.apply(v);
        if (replaced == v || replaced == null) {
          throw unsupported(v.getClass());
        }
        write(sb, replaced);
      }
    }
  }
}

package io.larder.spring;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Array;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.cache.interceptor.SimpleKey;

/**
 * Turns Spring cache keys into Larder keys: equal keys give equal strings, different keys
 * different strings.
 *
 * <p>A non-empty string not starting with {@code ~} is its own key, so that
 * {@code @Cacheable(key = "#isbn")} stores under the ISBN as it is and other code can read it.
 * Every other key is {@code ~} followed by a type-tagged, self-delimiting encoding (strings and
 * names carry their length, containers their size; sets and maps are sorted by their
 * elements' encodings), the scheme of Larder's memoized-function keys: {@code 312L} is
 * {@code ~l312;}, {@code SimpleKey("a", 1)} is {@code ~K2[S1:ai1;]}, and a string key
 * {@code "~x"} is {@code ~S2:~x}. Supported: {@code null}, strings, characters, booleans,
 * the boxed and big numbers, enums, UUIDs, {@code java.time} values, records of supported
 * types, lists, sets, maps, arrays, {@link Optional} and {@link SimpleKey} of them. Anything
 * else is refused: a {@code toString()} key would silently merge different keys.
 */
final class SpringKeys {
  static final char MARK = '~';

  /** SimpleKey keeps its parameters private; its equality is theirs, so the key is too. */
  private static final VarHandle SIMPLE_KEY_PARAMS = simpleKeyParams();

  private SpringKeys() {}

  private static VarHandle simpleKeyParams() {
    try {
      return MethodHandles.privateLookupIn(SimpleKey.class, MethodHandles.lookup())
          .findVarHandle(SimpleKey.class, "params", Object[].class);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Returns the Larder key of a Spring key.
   *
   * @throws IllegalArgumentException if the key holds a type no key can be made of
   */
  static String toKey(Object key) {
    if (key instanceof String s && !s.isEmpty() && s.charAt(0) != MARK) {
      return s;
    }
    StringBuilder sb = new StringBuilder().append(MARK);
    write(sb, key);
    return sb.toString();
  }

  private static String encode(Object v) {
    StringBuilder sb = new StringBuilder();
    write(sb, v);
    return sb.toString();
  }

  private static void text(StringBuilder sb, String s) {
    sb.append(s.length()).append(':').append(s);
  }

  private static void write(StringBuilder sb, Object v) {
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
    } else if (v instanceof UUID u) {
      sb.append('U').append(u);
    } else if (v instanceof Enum<?> e) {
      sb.append('E');
      text(sb, e.getDeclaringClass().getName());
      text(sb, e.name());
    } else if (isTime(v.getClass())) {
      sb.append('t');
      text(sb, v.getClass().getName());
      text(sb, v.toString());
    } else if (v instanceof SimpleKey key) {
      Object[] params = params(key);
      sb.append('K').append(params.length).append('[');
      for (Object p : params) {
        write(sb, p);
      }
      sb.append(']');
    } else if (v instanceof Optional<?> o) {
      sb.append('O');
      write(sb, o.orElse(null));
    } else if (v instanceof Record r) {
      sb.append('R');
      text(sb, r.getClass().getName());
      RecordComponent[] components = r.getClass().getRecordComponents();
      sb.append(components.length).append('(');
      for (RecordComponent c : components) {
        try {
          c.getAccessor().setAccessible(true);
          write(sb, c.getAccessor().invoke(r));
        } catch (ReflectiveOperationException | RuntimeException e) {
          throw new IllegalArgumentException("cannot read component " + c.getName() + " of "
              + r.getClass().getName() + " for a cache key", e);
        }
      }
      sb.append(')');
    } else if (v instanceof List<?> list) {
      sb.append('L').append(list.size()).append('[');
      for (Object e : list) {
        write(sb, e);
      }
      sb.append(']');
    } else if (v instanceof Set<?> set) {
      List<String> parts = new ArrayList<>(set.size());
      for (Object e : set) {
        parts.add(encode(e));
      }
      parts.sort(null);
      sb.append('Z').append(parts.size()).append('[');
      parts.forEach(sb::append);
      sb.append(']');
    } else if (v instanceof Map<?, ?> map) {
      List<String> parts = new ArrayList<>(map.size());
      for (Map.Entry<?, ?> e : map.entrySet()) {
        parts.add(encode(e.getKey()) + encode(e.getValue()));
      }
      parts.sort(null);
      sb.append('M').append(parts.size()).append('{');
      parts.forEach(sb::append);
      sb.append('}');
    } else if (v.getClass().isArray()) {
      int n = Array.getLength(v);
      sb.append('A').append(n).append('[');
      for (int i = 0; i < n; i++) {
        write(sb, Array.get(v, i));
      }
      sb.append(']');
    } else if (v instanceof Collection<?> other) {
      sb.append('L').append(other.size()).append('[');
      for (Object e : other) {
        write(sb, e);
      }
      sb.append(']');
    } else {
      throw new IllegalArgumentException("cannot make a cache key of a " + v.getClass().getName()
          + ": use a key expression such as @Cacheable(key = \"#book.id\") that gives strings,"
          + " numbers, booleans, enums, UUIDs, java.time values, records, lists, sets, maps or"
          + " arrays of them");
    }
  }

  private static Object[] params(SimpleKey key) {
    if (SIMPLE_KEY_PARAMS == null) {
      throw new IllegalStateException("this Spring version's SimpleKey has no 'params' field"
          + " Larder can read; give the cached method a key expression (key = \"...\")");
    }
    return (Object[]) SIMPLE_KEY_PARAMS.get(key);
  }

  private static boolean isTime(Class<?> type) {
    return TemporalAccessor.class.isAssignableFrom(type) && type.getName().startsWith("java.time.")
        || type == java.time.Duration.class || type == java.time.Period.class;
  }
}

package io.larder;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.StringConcatException;
import java.lang.invoke.StringConcatFactory;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds, once per record class, the method handle that writes a record's {@link CacheKeys}
 * text: its components read through their accessors and joined by a
 * {@link StringConcatFactory} concatenation, as {@code javac} compiles {@code "a" + x + ";"},
 * so that a key is one exactly sized string with no builder growing and no copy of it.
 *
 * <p>The text is the one {@link CacheKeys} writes for any value: a primitive or string
 * component takes a slot of its own (a string as its {@code S<len>:} head, cached for short
 * strings, and its characters; {@code N} for {@code null}), any other component the text the
 * {@link CacheKeys.Writer} gives it.
 */
final class RecordText {
  private RecordText() {}

  private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();

  /** {@link StringConcatFactory} takes at most 200 argument slots; a string takes two. */
  private static final int MAX_COMPONENTS = 100;

  /** The heads {@code S<len>:} of strings shorter than this are made once. */
  private static final String[] STRING_HEADS = new String[64];

  static {
    for (int i = 0; i < STRING_HEADS.length; i++) {
      STRING_HEADS[i] = "S" + i + ":";
    }
  }

  private static final MethodHandle STRING_HEAD = find("stringHead", String.class, String.class);
  private static final MethodHandle STRING_BODY = find("stringBody", String.class, String.class);
  private static final MethodHandle FLAG = find("flag", char.class, boolean.class);
  private static final MethodHandle NESTED = find("nested", String.class,
      CacheKeys.Writer.class, Object.class);
  private static final MethodHandle INVOKE = find("invoke", Object.class, Method.class,
      Object.class);
  private static final MethodHandle UNREADABLE = find("unreadable", Object.class, Method.class,
      Throwable.class, Object.class);

  /**
   * Returns a handle of type {@code (Writer, Object)String} writing a record of the class
   * whose accessors are given: {@code head}, each component, then {@code )}.
   *
   * @throws IllegalStateException if the JVM cannot make the concatenation (it always can)
   */
  static MethodHandle of(String head, Method[] accessors) {
    List<MethodHandle> parts = new ArrayList<>(accessors.length);
    for (Method accessor : accessors) {
      parts.add(component(accessor));
    }
    return join(head, parts, ")");
  }

  /**
   * Joins parts — each a handle of type {@code (Object)T} for a primitive or string slot, or
   * {@code (Writer, Object)String} for text of its own — between {@code head} and
   * {@code tail}; more than {@link #MAX_COMPONENTS} parts are joined in groups.
   */
  private static MethodHandle join(String head, List<MethodHandle> parts, String tail) {
    if (parts.size() > MAX_COMPONENTS) {
      List<MethodHandle> groups = new ArrayList<>();
      for (int i = 0; i < parts.size(); i += MAX_COMPONENTS) {
        groups.add(join(i == 0 ? head : "", parts.subList(i,
            Math.min(parts.size(), i + MAX_COMPONENTS)), ""));
      }
      return join("", groups, tail);
    }
    StringBuilder recipe = new StringBuilder("\2");
    List<Class<?>> slots = new ArrayList<>();
    for (MethodHandle part : parts) {
      Class<?> type = part.type().returnType();
      if (part.type().parameterCount() == 2) {
        recipe.append('\1');
        slots.add(String.class);
      } else if (type == String.class) {
        recipe.append("\1\1");
        slots.add(String.class);
        slots.add(String.class);
      } else if (type == boolean.class) {
        recipe.append('\1');
        slots.add(char.class);
      } else {
        recipe.append(tag(type)).append("\1;");
        slots.add(type == char.class ? int.class : type);
      }
    }
    recipe.append("\2");
    MethodHandle t;
    try {
      t = StringConcatFactory.makeConcatWithConstants(LOOKUP, "recordText",
          MethodType.methodType(String.class, slots), recipe.toString(), head, tail).getTarget();
    } catch (StringConcatException e) {
      throw new IllegalStateException("cannot build the key text of a record", e);
    }
    // from the last part to the first, so that the slots before each keep their positions
    int slot = slots.size();
    for (int i = parts.size() - 1; i >= 0; i--) {
      MethodHandle part = parts.get(i);
      Class<?> type = part.type().returnType();
      if (part.type().parameterCount() == 2) {
        slot--;
        t = MethodHandles.collectArguments(t, slot, part);
      } else if (type == String.class) {
        slot -= 2;
        t = MethodHandles.filterArguments(t, slot, STRING_HEAD, STRING_BODY);
        // both slots from one read of the component
        int[] reorder = new int[t.type().parameterCount()];
        for (int p = 0; p < reorder.length; p++) {
          reorder[p] = p <= slot ? p : p - 1;
        }
        t = MethodHandles.permuteArguments(t, t.type().dropParameterTypes(slot + 1, slot + 2),
            reorder);
        t = MethodHandles.filterArguments(t, slot, part);
      } else if (type == boolean.class) {
        slot--;
        t = MethodHandles.filterArguments(t, slot, MethodHandles.filterReturnValue(part, FLAG));
      } else {
        slot--;
        t = MethodHandles.filterArguments(t, slot,
            type == char.class ? part.asType(part.type().changeReturnType(int.class)) : part);
      }
    }
    // every parameter is now the writer or the record
    MethodType type = MethodType.methodType(String.class, CacheKeys.Writer.class, Object.class);
    int[] reorder = new int[t.type().parameterCount()];
    for (int p = 0; p < reorder.length; p++) {
      reorder[p] = t.type().parameterType(p) == CacheKeys.Writer.class ? 0 : 1;
    }
    return MethodHandles.permuteArguments(t, type, reorder);
  }

  /** The type tag of a primitive component, as {@link CacheKeys} tags its boxed value. */
  private static char tag(Class<?> type) {
    if (type == long.class) {
      return 'l';
    } else if (type == int.class) {
      return 'i';
    } else if (type == short.class) {
      return 'h';
    } else if (type == byte.class) {
      return 'b';
    } else if (type == char.class) {
      return 'C';
    } else if (type == double.class) {
      return 'd';
    } else if (type == float.class) {
      return 'f';
    }
    throw new IllegalArgumentException("no tag for " + type);
  }

  /**
   * One component as a part of {@link #join}: its accessor of type {@code (Object)T} for a
   * primitive or a {@code String}, else {@code (Writer, Object)String} writing its value. An
   * accessor that cannot be made accessible (a record in a module that does not open it) is
   * called reflectively, which reports that for each key; whatever an accessor throws reaches
   * the caller as an {@link IllegalArgumentException} naming the component.
   */
  private static MethodHandle component(Method accessor) {
    Class<?> type = accessor.getReturnType();
    Class<?> slot = type.isPrimitive() || type == String.class ? type : Object.class;
    MethodHandle read;
    try {
      accessor.setAccessible(true);
      read = LOOKUP.unreflect(accessor);
    } catch (RuntimeException | IllegalAccessException e) {
      read = INVOKE.bindTo(accessor);
    }
    read = read.asType(MethodType.methodType(slot, Object.class));
    MethodHandle handler = UNREADABLE.bindTo(accessor)
        .asType(MethodType.methodType(slot, Throwable.class, Object.class));
    read = MethodHandles.catchException(read, Throwable.class, handler);
    return slot == Object.class ? MethodHandles.filterArguments(NESTED, 1, read) : read;
  }

  private static String stringHead(String s) {
    if (s == null) {
      return "N";
    }
    int n = s.length();
    return n < STRING_HEADS.length ? STRING_HEADS[n] : "S" + n + ":";
  }

  private static String stringBody(String s) {
    return s == null ? "" : s;
  }

  private static char flag(boolean b) {
    return b ? 'T' : 'F';
  }

  private static String nested(CacheKeys.Writer writer, Object v) {
    return writer.nested(v);
  }

  private static Object invoke(Method accessor, Object record) throws ReflectiveOperationException {
    return accessor.invoke(record);
  }

  private static Object unreadable(Method accessor, Throwable e, Object record) {
    if (e instanceof Error error) {
      throw error;
    }
    Throwable cause = e instanceof java.lang.reflect.InvocationTargetException i
        && i.getCause() != null ? i.getCause() : e;
    throw new IllegalArgumentException("cannot read component " + accessor.getName()
        + " of " + record.getClass().getName() + " for a cache key", cause);
  }

  private static MethodHandle find(String name, Class<?> returns, Class<?>... parameters) {
    try {
      return LOOKUP.findStatic(RecordText.class, name,
          MethodType.methodType(returns, parameters));
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}

package io.larder.spring;

import io.larder.CacheKeys;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;
import org.springframework.cache.interceptor.SimpleKey;

/**
 * Turns Spring cache keys into Larder keys: equal keys give equal strings, different keys
 * different strings.
 *
 * <p>A non-empty string not starting with {@code ~} is its own key, so that
 * {@code @Cacheable(key = "#isbn")} stores under the ISBN as it is and other code can read it.
 * Every other key is {@code ~} followed by Larder's canonical encoding ({@link CacheKeys},
 * the scheme of memoized-function keys): {@code 312L} is {@code ~l312;}, and a string key
 * {@code "~x"} is {@code ~S2:~x}. A {@link SimpleKey} is encoded as a record of its
 * parameters, so {@code SimpleKey("a", "b")} never meets {@code List.of("a", "b")} nor
 * {@code SimpleKey("a,b")}. Anything {@link CacheKeys} cannot encode is refused: a
 * {@code toString()} key would silently merge different keys.
 */
final class SpringKeys {
  static final char MARK = '~';

  /** SimpleKey keeps its parameters private; its equality is theirs, so the key is too. */
  private static final VarHandle SIMPLE_KEY_PARAMS = simpleKeyParams();

  /** What a SimpleKey is encoded as. */
  private record SimpleKeyParams(List<Object> params) {}

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
    try {
      return MARK + CacheKeys.encode(key, SpringKeys::adapt);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage()
          + "; or use a key expression such as @Cacheable(key = \"#book.id\")", e);
    }
  }

  private static Object adapt(Object value) {
    if (value instanceof SimpleKey key) {
      return new SimpleKeyParams(Arrays.asList(params(key)));
    }
    return value;
  }

  private static Object[] params(SimpleKey key) {
    if (SIMPLE_KEY_PARAMS == null) {
      throw new IllegalStateException("this Spring version's SimpleKey has no 'params' field"
          + " Larder can read; give the cached method a key expression (key = \"...\")");
    }
    return (Object[]) SIMPLE_KEY_PARAMS.get(key);
  }
}

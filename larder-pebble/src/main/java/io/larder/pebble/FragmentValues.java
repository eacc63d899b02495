package io.larder.pebble;

import java.lang.reflect.Array;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the values a template varies a fragment on into arguments Larder's memoize keys
 * can encode: integers of any width become {@code Long} (or {@code BigInteger}), floats
 * {@code Double}, containers are converted element by element. Other values go to Larder as they are, which refuses what it cannot key.
 */
final class FragmentValues {
  private FragmentValues() {}

  static List<Object> of(List<?> values) {
    List<Object> out = new ArrayList<>(values.size());
    for (Object v : values) {
      out.add(convert(v));
    }
    return out;
  }

  private static Object convert(Object v) {
    if (v instanceof Byte || v instanceof Short || v instanceof Integer || v instanceof Long) {
      return ((Number) v).longValue();
    }
    if (v instanceof BigInteger big) {
      return big.bitLength() < 64 ? (Object) big.longValue() : big;
    }
    if (v instanceof Float f) {
      return f.doubleValue();
    }
    if (v instanceof List<?> list) {
      return of(list);
    }
    if (v instanceof Set<?> set) {
      Set<Object> out = new LinkedHashSet<>();
      for (Object e : set) {
        out.add(convert(e));
      }
      return out;
    }
    if (v instanceof Map<?, ?> map) {
      Map<Object, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        out.put(convert(e.getKey()), convert(e.getValue()));
      }
      return out;
    }
    if (v instanceof Collection<?> other) {
      return of(new ArrayList<>(other));
    }
    if (v != null && v.getClass().isArray()) {
      List<Object> out = new ArrayList<>();
      for (int i = 0, n = Array.getLength(v); i < n; i++) {
        out.add(convert(Array.get(v, i)));
      }
      return out;
    }
    return v;
  }
}

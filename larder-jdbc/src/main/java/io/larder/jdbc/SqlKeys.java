package io.larder.jdbc;

import java.util.Collection;
import java.util.Objects;
import java.util.Optional;

/** Pure functions over keys: validation, prefix ranges and bulk parameters. */
final class SqlKeys {

  private SqlKeys() {}

  /**
   * Checks that a key can be stored without colliding with another.
   *
   * <p>Keys are stored as UTF-8, which replaces an unpaired surrogate with
   * {@code '?'}, so {@code "a\uD800"} would silently share a row with {@code "a?"}; such
   * keys are refused instead.
   *
   * @param key the key or key prefix
   * @param name what it is, for the messages: {@code "key"} or {@code "prefix"}
   * @return the key
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if {@code key} holds an unpaired surrogate
   */
  static String check(String key, String name) {
    Objects.requireNonNull(key, name);
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c)
            && i + 1 < key.length()
            && Character.isLowSurrogate(key.charAt(i + 1))) {
          i++;
        } else {
          throw new IllegalArgumentException(
              name + " holds an unpaired surrogate at index " + i + ", which UTF-8 cannot encode");
        }
      }
    }
    return key;
  }

  /**
   * Returns the smallest string greater than every string that starts with {@code prefix},
   * in code point order (which is UTF-8 byte order, SQLite's {@code BINARY} collation).
   *
   * <p>It drops trailing U+10FFFF code points (nothing follows them) and increments the
   * last remaining code point, skipping the surrogate block, which no valid key contains.
   *
   * @param prefix a non-empty, well-formed prefix
   * @return the exclusive upper bound of the prefix's range, or empty if the prefix is all
   *     U+10FFFF and the range has no upper bound
   */
  static Optional<String> successor(String prefix) {
    int end = prefix.length();
    while (end > 0) {
      int last = prefix.codePointBefore(end);
      int start = end - Character.charCount(last);
      if (last != Character.MAX_CODE_POINT) {
        int next = last + 1 == Character.MIN_SURROGATE ? Character.MAX_SURROGATE + 1 : last + 1;
        return Optional.of(
            new StringBuilder(start + 2).append(prefix, 0, start).appendCodePoint(next).toString());
      }
      end = start;
    }
    return Optional.empty();
  }

  /**
   * Writes keys as a JSON array of strings, the parameter of a {@code json_each} bulk query.
   *
   * @param keys well-formed keys
   * @return for example {@code ["a","b\"c"]}
   */
  static String jsonArray(Collection<String> keys) {
    StringBuilder json = new StringBuilder(keys.size() * 24 + 2).append('[');
    for (String key : keys) {
      if (json.length() > 1) {
        json.append(',');
      }
      json.append('"');
      for (int i = 0; i < key.length(); i++) {
        char c = key.charAt(i);
        if (c == '"' || c == '\\') {
          json.append('\\').append(c);
        } else if (c < 0x20) {
          json.append(String.format("\\u%04x", (int) c));
        } else {
          json.append(c);
        }
      }
      json.append('"');
    }
    return json.append(']').toString();
  }
}

package io.larder.web;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The directives of {@code Cache-Control} header fields (RFC 9111, section 5.2): names in
 * lower case, values unquoted; several fields are read as one list.
 */
final class CacheControl {
  private final Map<String, String> directives;

  private CacheControl(Map<String, String> directives) {
    this.directives = directives;
  }

  static CacheControl parse(List<String> fieldValues) {
    Map<String, String> directives = new HashMap<>();
    for (String value : fieldValues) {
      int i = 0;
      int n = value.length();
      while (i < n) {
        while (i < n && (value.charAt(i) == ',' || value.charAt(i) == ' ' || value.charAt(i) == '\t')) {
          i++;
        }
        int start = i;
        while (i < n && value.charAt(i) != '=' && value.charAt(i) != ',') {
          i++;
        }
        String name = value.substring(start, i).trim().toLowerCase(Locale.ROOT);
        String arg = null;
        if (i < n && value.charAt(i) == '=') {
          i++;
          if (i < n && value.charAt(i) == '"') {
            StringBuilder sb = new StringBuilder();
            i++;
            while (i < n && value.charAt(i) != '"') {
              if (value.charAt(i) == '\\' && i + 1 < n) {
                i++;
              }
              sb.append(value.charAt(i++));
            }
            i++; // the closing quote
            arg = sb.toString();
            while (i < n && value.charAt(i) != ',') {
              i++;
            }
          } else {
            int argStart = i;
            while (i < n && value.charAt(i) != ',') {
              i++;
            }
            arg = value.substring(argStart, i).trim();
          }
        }
        if (!name.isEmpty()) {
          directives.putIfAbsent(name, arg == null ? "" : arg);
        }
      }
    }
    return new CacheControl(directives);
  }

  boolean has(String directive) {
    return directives.containsKey(directive);
  }

  /**
   * Returns a delta-seconds directive's value; a value that is not a non-negative integer
   * reads as 0 (RFC 9111 says to treat an invalid freshness value as stale).
   */
  OptionalLong seconds(String directive) {
    String v = directives.get(directive);
    if (v == null) {
      return OptionalLong.empty();
    }
    try {
      long s = Long.parseLong(v);
      return OptionalLong.of(Math.max(0, s));
    } catch (NumberFormatException e) {
      return v.matches("\\d+") ? OptionalLong.of(Integer.MAX_VALUE) : OptionalLong.of(0);
    }
  }
}

package io.larder.web;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The cache keys of pages: collision-free, because every part is written with its length
 * (or its count) in a fixed order, so no two different requests can spell the same key.
 *
 * <p>The base key covers the method class (GET and HEAD share pages), scheme, host, port,
 * path and the query parameters sorted by name (parameters of the same name keep their
 * order, which applications may depend on). A {@link QueryRule} leaves parameters out of the
 * key (tracking parameters by default); names and values are percent-decoded first, so every
 * spelling of the same query is one key. A variant key adds the values of the request
 * headers a response listed in {@code Vary}.
 */
final class PageKeys {
  private PageKeys() {}

  /** Returns the base key of a request's page, with every query parameter in it. */
  static String base(PageRequest r) {
    return base(r, QueryRule.ALL);
  }

  /** Returns the base key of a request's page, with the parameters the rule keys. */
  static String base(PageRequest r, QueryRule rule) {
    StringBuilder sb = new StringBuilder("page1 ");
    // GET and HEAD are one class: a HEAD is answered from the page a GET stored
    part(sb, "GET");
    part(sb, r.scheme().toLowerCase(Locale.ROOT));
    part(sb, r.host().toLowerCase(Locale.ROOT));
    sb.append(r.port()).append(';');
    part(sb, r.path());
    query(sb, r.query(), rule);
    return sb.toString();
  }

  /**
   * Returns the key of the variant of a page selected by the request's values of
   * {@code headerNames} (lower case, sorted, as stored in {@link StoredPage.Variants}).
   */
  static String variant(String base, List<String> headerNames, PageRequest r) {
    StringBuilder sb = new StringBuilder(base);
    sb.append(" v").append(headerNames.size()).append(';');
    for (String name : headerNames) {
      part(sb, name);
      List<String> values = r.headers(name);
      sb.append(values.size()).append(';');
      for (String value : values) {
        part(sb, value);
      }
    }
    return sb.toString();
  }

  private static void part(StringBuilder sb, String s) {
    sb.append(s.length()).append(':').append(s);
  }

  private static void query(StringBuilder sb, String query, QueryRule rule) {
    if (query == null || query.isEmpty()) {
      sb.append("q0;");
      return;
    }
    List<String[]> params = new ArrayList<>();
    for (String piece : query.split("&")) {
      if (piece.isEmpty()) {
        continue;
      }
      int eq = piece.indexOf('=');
      try {
        String[] p = eq < 0
            ? new String[] {decode(piece), null}
            : new String[] {decode(piece.substring(0, eq)), decode(piece.substring(eq + 1))};
        if (rule.keys(p[0])) {
          params.add(p);
        }
      } catch (IllegalArgumentException malformed) {
        // a query that does not decode is keyed as it was sent
        sb.append('Q');
        part(sb, query);
        return;
      }
    }
    params.sort(Comparator.comparing(p -> p[0])); // stable: same-name values keep their order
    sb.append('q').append(params.size()).append(';');
    for (String[] p : params) {
      part(sb, p[0]);
      if (p[1] == null) {
        sb.append('-');
      } else {
        sb.append('=');
        part(sb, p[1]);
      }
    }
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }
}

package io.larder.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** Page keys: equal for the same request, different for any difference, with no separators to forge. */
class PageKeysTest {

  private static PageRequest req(String scheme, String host, int port, String path, String query) {
    return new PageRequest("GET", scheme, host, port, path, query, Map.of(), false);
  }

  private static String key(String path, String query) {
    return PageKeys.base(req("http", "h", 80, path, query));
  }

  @Test
  void getAndHeadShareAKey() {
    PageRequest head = new PageRequest("HEAD", "http", "h", 80, "/a", null, Map.of(), false);
    assertThat(PageKeys.base(head)).isEqualTo(key("/a", null));
  }

  @Test
  void queryParametersAreSortedByName() {
    assertThat(key("/a", "b=2&a=1")).isEqualTo(key("/a", "a=1&b=2"));
    assertThat(key("/a", "a=1&b=2&")).isEqualTo(key("/a", "a=1&b=2"));
  }

  @Test
  void sameNameParametersKeepTheirOrder() {
    assertThat(key("/a", "x=1&x=2")).isNotEqualTo(key("/a", "x=2&x=1"));
  }

  @Test
  void separatorsInsideValuesCannotForgeAnotherKey() {
    assertThat(key("/a", "a=1%26b%3D2")).isNotEqualTo(key("/a", "a=1&b=2"));
    assertThat(key("/a", "a")).isNotEqualTo(key("/a", "a="));
    assertThat(key("/a", null)).isEqualTo(key("/a", ""));
    assertThat(key("/a?b", null)).isNotEqualTo(key("/a", "b"));
    assertThat(PageKeys.base(req("http", "h1", 80, "/", null)))
        .isNotEqualTo(PageKeys.base(req("http", "h", 180, "/", null)));
  }

  @Test
  void aMalformedQueryIsKeyedAsSent() {
    assertThat(key("/a", "a=%zz")).isNotEqualTo(key("/a", "a=%25zz")).isNotEqualTo(key("/a", null));
  }

  @Test
  void variantsCoverHeaderValuesAbsentEmptyAndRepeated() {
    String base = key("/a", null);
    List<String> names = List.of("accept-language");
    String absent = PageKeys.variant(base, names, headers(List.of()));
    String empty = PageKeys.variant(base, names, headers(List.of("")));
    String en = PageKeys.variant(base, names, headers(List.of("en")));
    String two = PageKeys.variant(base, names, headers(List.of("en", "fr")));
    String joined = PageKeys.variant(base, names, headers(List.of("en1;2:fr")));
    assertThat(List.of(absent, empty, en, two, joined)).doesNotHaveDuplicates();
    assertThat(PageKeys.variant(base, names, headers(List.of("en")))).isEqualTo(en);
  }

  private static PageRequest headers(List<String> acceptLanguage) {
    return new PageRequest("GET", "http", "h", 80, "/a", null,
        acceptLanguage.isEmpty() ? Map.of() : Map.of("accept-language", acceptLanguage), false);
  }

  // ---- properties ---------------------------------------------------------------------------

  /** A request reduced to what its key must distinguish. */
  record Parts(String scheme, String host, int port, String path, List<List<String>> params) {
    String query() {
      if (params.isEmpty()) {
        return null;
      }
      List<String> pieces = new ArrayList<>();
      for (List<String> p : params) {
        pieces.add(enc(p.get(0)) + "=" + enc(p.get(1)));
      }
      return String.join("&", pieces);
    }

    /** The canonical form: parameters stably sorted by name. */
    Parts canonical() {
      List<List<String>> sorted = new ArrayList<>(params);
      sorted.sort((a, b) -> a.get(0).compareTo(b.get(0)));
      return new Parts(scheme, host.toLowerCase(java.util.Locale.ROOT), port, path, sorted);
    }

    PageRequest request() {
      return new PageRequest("GET", scheme, host, port, path, query(), Map.of(), false);
    }
  }

  private static String enc(String s) {
    return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
  }

  @Provide
  Arbitrary<Parts> parts() {
    Arbitrary<String> text = Arbitraries.strings().withChars("ab:;=&%/?1 ").ofMaxLength(4);
    Arbitrary<List<List<String>>> params = Combinators.combine(
            Arbitraries.strings().withChars("ab=&").ofMinLength(1).ofMaxLength(2), text)
        .as(List::of).list().ofMaxSize(3);
    return Combinators.combine(Arbitraries.of("http", "https"),
        Arbitraries.strings().withChars("ab:1").ofMinLength(1).ofMaxLength(3),
        Arbitraries.of(80, 8080, 1), text.map(s -> "/" + s), params).as(Parts::new);
  }

  @Property(tries = 2000)
  void keysAreEqualExactlyWhenRequestsAreTheSame(@ForAll("parts") Parts a, @ForAll("parts") Parts b) {
    boolean same = a.canonical().equals(b.canonical());
    assertThat(PageKeys.base(a.request()).equals(PageKeys.base(b.request()))).isEqualTo(same);
  }

  @Property(tries = 500)
  void reorderingParametersOfDifferentNamesKeepsTheKey(@ForAll("parts") Parts a) {
    // reverse the order of the names, keeping same-name parameters in their order
    java.util.LinkedHashMap<String, List<List<String>>> byName = new java.util.LinkedHashMap<>();
    for (List<String> p : a.params()) {
      byName.computeIfAbsent(p.get(0), k -> new ArrayList<>()).add(p);
    }
    List<String> names = new ArrayList<>(byName.keySet());
    Collections.reverse(names);
    List<List<String>> reordered = new ArrayList<>();
    names.forEach(n -> reordered.addAll(byName.get(n)));
    Parts b = new Parts(a.scheme(), a.host(), a.port(), a.path(), reordered);
    assertThat(PageKeys.base(b.request())).isEqualTo(PageKeys.base(a.request()));
  }
}

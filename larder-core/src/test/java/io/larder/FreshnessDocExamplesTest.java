package io.larder;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The examples of docs/freshness.md, compiled and run. */
class FreshnessDocExamplesTest {
  record Report(String body) implements java.io.Serializable {}

  private Report buildReport() {
    return new Report("sales");
  }

  private static String markdown(long id) {
    return "<p>note " + id + "</p>";
  }

  private static Map<Long, String> titlesById(Set<Long> ids) {
    return ids.stream().collect(Collectors.toMap(id -> id, id -> "title " + id));
  }

  @Test
  void examples() {
    try (Cache cache = Larder.builder().url("mem:").allowSerialized(Report.class).build()) {
      // getOrCompute: one computation per key per JVM
      Report today = cache.getOrCompute("report:today", Report.class, Duration.ofMinutes(10),
          this::buildReport);

      // the full set of protections
      Freshness careful = Freshness.of(Duration.ofMinutes(10))
          .lease(Duration.ofSeconds(30))       // one computation in the whole fleet
          .staleFor(Duration.ofMinutes(1))     // serve stale at once while one caller refreshes
          .earlyRecompute(1.0);                // XFetch's beta (1 is the default)
      Report again = cache.getOrCompute("report:today", Report.class, careful, this::buildReport);

      // memoize, with a bust
      Memoized<Long, String> markup = cache.memoize("Notes.markup", Long.class, String.class,
          id -> markdown(id), Duration.ofMinutes(5));
      String html = markup.apply(312L);
      markup.bust(312L);

      // options: cached nulls, stale-while-revalidate
      Memoized<String, String> avatar = cache.memoizer("Users.avatar", String.class, Codec.utf8())
          .freshness(Freshness.of(Duration.ofHours(1)).staleFor(Duration.ofMinutes(5)))
          .cacheNulls()
          .of(login -> null);
      avatar.apply("nobody");

      // the bulk form: one read, one call with the missing keys, one write
      MemoizedAll<Long, String> titles = cache.memoizeAll("Books.titles", Long.class, String.class,
          ids -> titlesById(ids), Duration.ofMinutes(10));
      Map<Long, String> page = titles.getAll(List.of(1L, 2L, 3L));

      // tags
      cache.tagged("note:312", "user:7").set("note:312:html", html);
      cache.invalidateTag("note:312");

      // learned preload
      try (Preload scope = cache.learnedPreload("GET /notes/{id}")) {
        cache.get("note:312:html", String.class);
      }

      assertThat(today).isEqualTo(again).isEqualTo(new Report("sales"));
      assertThat(html).isEqualTo("<p>note 312</p>");
      assertThat(page).hasSize(3);
      assertThat(cache.get("note:312:html", String.class)).isNull();
    }
  }
}

package io.larder.pebble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Cache;
import io.larder.CacheStats;
import io.larder.Larder;
import io.larder.Preload;
import io.larder.testkit.ManualClock;
import io.pebbletemplates.pebble.PebbleEngine;
import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.loader.StringLoader;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The {% cache %} tag, rendered by a real Pebble engine over a real cache. */
class LarderExtensionTest {
  private final ManualClock clock = new ManualClock();
  private final Cache cache = Larder.builder().url("mem:").clock(clock).build();
  private final Cache fragments = cache.namespace("fragments");
  private final LarderExtension extension = new LarderExtension(fragments);
  private final PebbleEngine engine = new PebbleEngine.Builder().loader(new StringLoader())
      .extension(extension).cacheActive(false).build();

  /** Counts how often the template evaluated the cached body. */
  public static final class Counter {
    private final AtomicInteger n = new AtomicInteger();

    public int next() {
      return n.incrementAndGet();
    }

    int count() {
      return n.get();
    }
  }

  /** A template value nobody can key on. */
  public record Note(long id, String text) {}

  /** A class that is not a value. */
  public static final class Author {
    public String getName() {
      return "Ann";
    }
  }

  @AfterEach
  void close() {
    cache.close();
  }

  private String render(String template, Object... vars) throws IOException {
    Map<String, Object> context = new HashMap<>();
    for (int i = 0; i < vars.length; i += 2) {
      context.put((String) vars[i], vars[i + 1]);
    }
    StringWriter out = new StringWriter();
    engine.getTemplate(template).evaluate(out, context);
    return out.toString();
  }

  @Test
  void theBodyIsRenderedOnceThenServedFromTheCache() throws IOException {
    Counter counter = new Counter();
    String t = "<{% cache \"comments\" 60 id %}c{{ counter.next() }}{% endcache %}>";
    assertThat(render(t, "counter", counter, "id", 1)).isEqualTo("<c1>");
    assertThat(render(t, "counter", counter, "id", 1)).isEqualTo("<c1>");
    assertThat(counter.count()).isEqualTo(1);
  }

  @Test
  void varyValuesKeepTheirOwnCopies() throws IOException {
    Counter counter = new Counter();
    String t = "{% cache \"comments\" 60 id locale %}{{ id }}/{{ counter.next() }}{% endcache %}";
    assertThat(render(t, "counter", counter, "id", 1L, "locale", Locale.ENGLISH)).isEqualTo("1/1");
    assertThat(render(t, "counter", counter, "id", 2L, "locale", Locale.ENGLISH)).isEqualTo("2/2");
    assertThat(render(t, "counter", counter, "id", 1L, "locale", Locale.FRENCH)).isEqualTo("1/3");
    assertThat(render(t, "counter", counter, "id", 1L, "locale", Locale.ENGLISH)).isEqualTo("1/1");
  }

  @Test
  void integersOfAnyWidthKeyAlike() throws IOException {
    Counter counter = new Counter();
    String t = "{% cache \"c\" 60 id %}{{ counter.next() }}{% endcache %}";
    render(t, "counter", counter, "id", 7);
    assertThat(render(t, "counter", counter, "id", 7L)).isEqualTo("1");
    assertThat(render(t, "counter", counter, "id", "7")).isEqualTo("2");
  }

  @Test
  void keysAreCollisionFree() {
    assertThat(List.of(extension.key("a", "b:c"), extension.key("a", "b", "c"),
        extension.key("a:b", "c"), extension.key("a", "b", ":c"), extension.key("a"),
        extension.key("a", (Object) null), extension.key("a", ""), extension.key("a", "en"),
        extension.key("a", Locale.ENGLISH), extension.key("a", 1), extension.key("a", "1"),
        extension.key("a", List.of("b", "c")))).doesNotHaveDuplicates();
    assertThat(extension.key("a", 1)).isEqualTo(extension.key("a", 1L));
  }

  @Test
  void theTtlExpires() throws IOException {
    Counter counter = new Counter();
    String t = "{% cache \"c\" 60 %}{{ counter.next() }}{% endcache %}";
    render(t, "counter", counter);
    clock.advance(Duration.ofSeconds(59));
    assertThat(render(t, "counter", counter)).isEqualTo("1");
    clock.advance(Duration.ofSeconds(2));
    assertThat(render(t, "counter", counter)).isEqualTo("2");
  }

  @Test
  void aDurationIsATtlToo() throws IOException {
    Counter counter = new Counter();
    String t = "{% cache \"c\" ttl %}{{ counter.next() }}{% endcache %}";
    render(t, "counter", counter, "ttl", Duration.ofSeconds(5));
    clock.advance(Duration.ofSeconds(6));
    assertThat(render(t, "counter", counter, "ttl", Duration.ofSeconds(5))).isEqualTo("2");
  }

  @Test
  void withoutATtlTheCachesDefaultApplies() throws IOException {
    Counter counter = new Counter();
    String t = "{% cache \"menu\" %}{{ counter.next() }}{% endcache %}";
    render(t, "counter", counter);
    clock.advance(Duration.ofDays(400));
    assertThat(render(t, "counter", counter)).isEqualTo("1");
  }

  @Test
  void aTtlOfZeroBustsTheStoredCopyAndRendersAfresh() throws IOException {
    Counter counter = new Counter();
    String cached = "{% cache \"c\" 60 id %}{{ counter.next() }}{% endcache %}";
    String bust = "{% cache \"c\" 0 id %}{{ counter.next() }}{% endcache %}";
    render(cached, "counter", counter, "id", 1);
    assertThat(render(bust, "counter", counter, "id", 1)).isEqualTo("2");
    assertThat(render(cached, "counter", counter, "id", 1)).isEqualTo("3");
  }

  @Test
  void theDeleteFormBustsAndRendersNothing() throws IOException {
    Counter counter = new Counter();
    String cached = "{% cache \"c\" 60 id lang %}{{ counter.next() }}{% endcache %}";
    render(cached, "counter", counter, "id", 1, "lang", "en");
    render(cached, "counter", counter, "id", 2, "lang", "en");
    assertThat(render("[{% cache delete \"c\" id lang %}]", "id", 1, "lang", "en")).isEqualTo("[]");
    assertThat(render(cached, "counter", counter, "id", 1, "lang", "en")).isEqualTo("3");
    assertThat(render(cached, "counter", counter, "id", 2, "lang", "en")).isEqualTo("2");
  }

  @Test
  void javaCodeCanDeleteAFragment() throws IOException {
    Counter counter = new Counter();
    String cached = "{% cache \"c\" 60 id locale %}{{ counter.next() }}{% endcache %}";
    render(cached, "counter", counter, "id", 1L, "locale", Locale.ENGLISH);
    assertThat(extension.delete("c", 1, Locale.ENGLISH)).isTrue();
    assertThat(render(cached, "counter", counter, "id", 1L, "locale", Locale.ENGLISH)).isEqualTo("2");
  }

  @Test
  void aTaggedFragmentGoesWhenItsTagIsInvalidated() throws IOException {
    Counter counter = new Counter();
    String t = "{% cache \"c\" 60 id tagged \"note:\" + id %}{{ counter.next() }}{% endcache %}";
    render(t, "counter", counter, "id", 1);
    assertThat(render(t, "counter", counter, "id", 1)).isEqualTo("1");
    cache.invalidateTag("note:1");
    assertThat(render(t, "counter", counter, "id", 1)).isEqualTo("2");
    String many = "{% cache \"d\" 60 tagged [\"a\", \"b\"] %}{{ counter.next() }}{% endcache %}";
    render(many, "counter", counter);
    cache.invalidateTag("b");
    assertThat(render(many, "counter", counter)).isEqualTo("4");
  }

  @Test
  @SuppressWarnings("try")
  void allFragmentsOfAPageComeInOneRoundTripInALearnedScope() throws IOException {
    String page = "{% cache \"head\" 60 id %}H{% endcache %}{% cache \"body\" 60 id %}B{% endcache %}"
        + "{% cache \"comments\" 60 id tagged \"note:\" + id %}C{% endcache %}";
    try (Preload scope = cache.learnedPreload("/notes/1")) {
      render(page, "id", 1);
    }
    CacheStats before = cache.stats();
    try (Preload scope = cache.learnedPreload("/notes/1")) {
      assertThat(render(page, "id", 1)).isEqualTo("HBC");
    }
    CacheStats delta = cache.stats().minus(before);
    assertThat(delta.roundTrips()).isEqualTo(1);
    assertThat(delta.hits()).isEqualTo(3);
  }

  @Test
  void autoescapedOutputIsStoredOnceEscaped() throws IOException {
    String t = "{% cache \"c\" 60 %}{{ text }}{% endcache %}";
    assertThat(render(t, "text", "<b>&")).isEqualTo("&lt;b&gt;&amp;");
    assertThat(render(t, "text", "other")).isEqualTo("&lt;b&gt;&amp;");
  }

  @Test
  void nestedFragmentsAndLoopsWork() throws IOException {
    Counter counter = new Counter();
    String t = "{% cache \"outer\" 60 %}{% for i in [1, 2] %}"
        + "{% cache \"inner\" 60 i %}{{ i }}:{{ counter.next() }} {% endcache %}{% endfor %}{% endcache %}";
    assertThat(render(t, "counter", counter)).isEqualTo("1:1 2:2 ");
    extension.delete("outer");
    assertThat(render(t, "counter", counter)).isEqualTo("1:1 2:2 ");
  }

  @Test
  void macrosWorkInsideAFragment() throws IOException {
    String t = "{% macro shout(x) %}{{ x | upper }}!{% endmacro %}"
        + "{% cache \"c\" 60 %}{{ shout(word) }}{% endcache %}";
    assertThat(render(t, "word", "hi")).isEqualTo("HI!");
    assertThat(render(t, "word", "bye")).isEqualTo("HI!");
  }

  @Test
  void aValueThatCannotBeKeyedIsRefusedWithAClearMessage() {
    assertThatThrownBy(() -> render("{% cache \"c\" 60 author %}x{% endcache %}", "author", new Author()))
        .isInstanceOf(PebbleException.class)
        .hasMessageContaining("cannot cache fragment 'c'")
        .hasMessageContaining(Author.class.getName())
        .hasMessageContaining("note.id, not on note");
  }

  @Test
  void recordsOfValuesAreKeyed() throws IOException {
    Counter counter = new Counter();
    String t = "{% cache \"c\" 60 note %}{{ counter.next() }}{% endcache %}";
    render(t, "counter", counter, "note", new Note(1, "a"));
    assertThat(render(t, "counter", counter, "note", new Note(1, "a"))).isEqualTo("1");
    assertThat(render(t, "counter", counter, "note", new Note(1, "b"))).isEqualTo("2");
  }

  @Test
  void badNamesTtlsAndTagsAreReported() {
    assertThatThrownBy(() -> render("{% cache 5 60 %}x{% endcache %}"))
        .isInstanceOf(PebbleException.class).hasMessageContaining("needs a fragment name");
    assertThatThrownBy(() -> render("{% cache \"c\" \"soon\" %}x{% endcache %}"))
        .isInstanceOf(PebbleException.class).hasMessageContaining("number of seconds or a Duration");
    assertThatThrownBy(() -> render("{% cache \"c\" 60 tagged \"\" %}x{% endcache %}"))
        .isInstanceOf(PebbleException.class).hasMessageContaining("non-empty strings");
    assertThatThrownBy(() -> render("{% cache \"c\" 60 tagged \"t\" id %}x{% endcache %}"))
        .isInstanceOf(PebbleException.class).hasMessageContaining("must come last");
  }

  @Test
  void aVariableNamedDeleteCanNameAFragment() throws IOException {
    assertThat(render("{% cache delete %}x{% endcache %}", "delete", "d")).isEqualTo("x");
  }

  @Test
  void anAdmittedFragmentIsStoredFromItsSecondMissAndAnotherOptsOut() throws IOException {
    Counter counter = new Counter();
    String t = "{% cache \"related\" 60 id admit true tagged \"t\" %}r{{ counter.next() }}{% endcache %}";
    assertThat(render(t, "counter", counter, "id", 1)).isEqualTo("r1");
    assertThat(render(t, "counter", counter, "id", 1)).isEqualTo("r2");
    assertThat(render(t, "counter", counter, "id", 1)).isEqualTo("r2");
    assertThat(cache.admissionStats().rejected()).isEqualTo(1);
    try (Cache admitting = Larder.builder().url("mem:?admit=on").clock(clock).build()) {
      PebbleEngine other = new PebbleEngine.Builder().loader(new StringLoader())
          .extension(new LarderExtension(admitting)).cacheActive(false).build();
      StringWriter out = new StringWriter();
      Counter c = new Counter();
      for (int i = 0; i < 2; i++) {
        other.getTemplate("{% cache \"menu\" 60 admit false %}m{{ c.next() }}{% endcache %}")
            .evaluate(out, Map.of("c", c));
      }
      assertThat(out.toString()).isEqualTo("m1m1");
    }
    assertThatThrownBy(() -> render("{% cache \"c\" 60 admit \"yes\" %}x{% endcache %}"))
        .isInstanceOf(PebbleException.class).hasMessageContaining("must be true or false");
  }
}

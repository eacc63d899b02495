package io.larder.facade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Cache;
import io.larder.Codec;
import io.larder.Memoized;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Memoize's key derivation and busts, and tags' generations, on the memory store. Moved from
 * the store contract, which keeps a tagged read's single round trip and memoizeAll's bulk
 * read and write.
 */
class MemoizeAndTagsTest {
  private final MemoryCaches caches = new MemoryCaches();
  private final Cache cache = caches.cache("memo");

  @AfterEach
  void close() {
    caches.close();
  }

  @Test
  void memoizeComputesOncePerArgumentAndBustsOneArgument() {
    AtomicInteger calls = new AtomicInteger();
    Memoized<Long, String> markup = cache.memoize("Notes.markup", Long.class, String.class,
        id -> {
          calls.incrementAndGet();
          return "<p>note " + id + "</p>";
        }, Duration.ofSeconds(60));
    assertThat(markup.apply(312L)).isEqualTo("<p>note 312</p>");
    assertThat(markup.apply(312L)).isEqualTo("<p>note 312</p>");
    assertThat(markup.apply(7L)).isEqualTo("<p>note 7</p>");
    assertThat(calls).hasValue(2);
    assertThat(markup.key(312L)).isNotEqualTo(markup.key(7L));
    assertThat(markup.bust(312L)).isTrue();
    markup.apply(312L);
    markup.apply(7L);
    assertThat(calls).hasValue(3);

    Memoized<Long, String> other = cache.memoize("Users.markup", Long.class, String.class,
        id -> "user " + id, Duration.ofSeconds(60));
    assertThat(other.apply(312L)).as("another function, same argument").isEqualTo("user 312");
  }

  @Test
  void memoizeCachesNullsOnlyWhenAskedAndTellsThemFromMisses() {
    AtomicInteger calls = new AtomicInteger();
    java.util.function.Function<String, String> lookup = name -> {
      calls.incrementAndGet();
      return null;
    };
    Memoized<String, String> plain = cache.memoizer("lookup", String.class, Codec.utf8())
        .ttl(Duration.ofSeconds(60)).of(lookup);
    plain.apply("x");
    plain.apply("x");
    assertThat(calls).as("nulls not cached by default").hasValue(2);
    Memoized<String, String> nulls = cache.memoizer("lookupNulls", String.class, Codec.utf8())
        .ttl(Duration.ofSeconds(60)).cacheNulls().of(lookup);
    assertThat(nulls.apply("x")).isNull();
    assertThat(nulls.apply("x")).isNull();
    assertThat(calls).as("a cached null is not a miss").hasValue(3);
  }

  @Test
  void anInvalidatedTagHidesEveryEntryWrittenWithIt() {
    Cache note = cache.tagged("note:312", "user:7");
    note.set("html", "<p>312</p>");
    cache.tagged("note:313").set("other", "<p>313</p>");
    cache.set("plain", "untagged");
    assertThat(note.get("html", String.class)).isEqualTo("<p>312</p>");
    assertThat(cache.get("html", String.class)).isEqualTo("<p>312</p>");

    cache.invalidateTag("user:7");

    assertThat(note.get("html", String.class)).isNull();
    assertThat(cache.get("html", String.class)).as("invisible to every view").isNull();
    assertThat(cache.get("other", String.class)).isEqualTo("<p>313</p>");
    assertThat(cache.get("plain", String.class)).isEqualTo("untagged");
    note.set("html", "<p>312 v2</p>");
    assertThat(note.get("html", String.class)).isEqualTo("<p>312 v2</p>");
  }

  @Test
  void tagsAlsoGuardGetOrComputeAndMemoize() {
    AtomicInteger calls = new AtomicInteger();
    Cache tagged = cache.tagged("book:1");
    java.util.function.Supplier<String> loader = () -> "v" + calls.incrementAndGet();
    assertThat(tagged.getOrCompute("k", String.class, Duration.ofSeconds(60), loader)).isEqualTo("v1");
    assertThat(tagged.getOrCompute("k", String.class, Duration.ofSeconds(60), loader)).isEqualTo("v1");
    cache.invalidateTag("book:1");
    assertThat(tagged.getOrCompute("k", String.class, Duration.ofSeconds(60), loader)).isEqualTo("v2");
    assertThatThrownBy(() -> tagged.incr("n")).isInstanceOf(IllegalStateException.class);
  }
}

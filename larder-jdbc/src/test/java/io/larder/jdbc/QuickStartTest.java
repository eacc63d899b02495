package io.larder.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.Cache;
import io.larder.CacheStats;
import io.larder.Larder;
import io.larder.Preload;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's quick start, line for line, with its results checked. */
class QuickStartTest {
  @TempDir
  Path dir;

  @Test
  void theReadmeQuickStartWorks() {
    String url = "sqlite:" + dir.resolve("data/cache.db") + "?prefix=shop&ttl=60s";
    try (Cache cache = Larder.open(url)) {
      cache.set("greeting", "hello");
      String greeting = cache.get("greeting", String.class);
      cache.set("book:312", "<h1>Dune</h1>", Duration.ofMinutes(5));
      assertThat(greeting).isEqualTo("hello");

      CacheStats before = cache.stats();
      try (Preload scope = cache.preload("book:312", "book:312:reviews")) {
        String book = cache.get("book:312", String.class);
        String reviews = cache.get("book:312:reviews", String.class);
        assertThat(book).isEqualTo("<h1>Dune</h1>");
        assertThat(reviews).isNull();
      }
      assertThat(cache.stats().minus(before).roundTrips()).isEqualTo(1);

      long hits = cache.incr("hits:/books/312");
      Long left = cache.update("stock:312", Long.class, n -> n == null ? 9L : n - 1);
      assertThat(hits).isEqualTo(1);
      assertThat(left).isEqualTo(9L);

      Cache notes = cache.namespace("notes");
      notes.set("1", "first note");
      notes.clear();
      assertThat(notes.get("1", String.class)).isNull();
      assertThat(cache.get("greeting", String.class)).isEqualTo("hello");
      System.out.println(cache.stats());
    }
  }
}

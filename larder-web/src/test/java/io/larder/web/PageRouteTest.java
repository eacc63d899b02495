package io.larder.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PageRouteTest {

  @Test
  void matchesSegmentsVariablesAndRests() {
    PageRoute books = PageRoute.of("/books/{id}");
    assertThat(books.match("/books/312")).isEqualTo(Map.of("id", "312"));
    assertThat(books.match("/books/")).isNull();
    assertThat(books.match("/books/312/edit")).isNull();
    assertThat(PageRoute.of("/static/**").match("/static/a/b.css")).isEmpty();
    assertThat(PageRoute.of("/static/**").match("/static")).isEmpty();
    assertThat(PageRoute.of("/*/x").match("/a/x")).isEmpty();
    assertThat(PageRoute.of("/").match("/")).isEmpty();
    assertThat(PageRoute.of("/").match("/a")).isNull();
  }

  @Test
  void tagsUseTheVariables() {
    PageRoute r = PageRoute.of("/books/{id}/{part}").tags("book:{id}", "part:{part}:{id}", "books");
    assertThat(r.tagsFor(r.match("/books/7/reviews"))).containsExactly("book:7", "part:reviews:7", "books");
  }

  @Test
  void badPatternsAndOptionsAreRefusedByName() {
    assertThatThrownBy(() -> PageRoute.of("books")).hasMessageContaining("starts with '/'");
    assertThatThrownBy(() -> PageRoute.of("/**/x")).hasMessageContaining("'**' may only end");
    assertThatThrownBy(() -> PageRoute.of("/{a}/{a}")).hasMessageContaining("{a} appears twice");
    assertThatThrownBy(() -> PageRoute.of("/{a").tags()).hasMessageContaining("bad variable");
    assertThatThrownBy(() -> PageRoute.of("/{a}").tags("x:{b}")).hasMessageContaining("{b}");
    assertThatThrownBy(() -> PageRoute.of("/").ttl(Duration.ZERO)).hasMessageContaining("positive");
    assertThatThrownBy(() -> PageRoute.of("/").ttl(Duration.ofSeconds(1)).ttl(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("ttl was already set");
  }

  @Test
  void queryOptionsAreSetOnceAndKeepTheOtherOptions() {
    PageRoute r = PageRoute.of("/search").ttl(Duration.ofSeconds(5)).ignoreParams("ref");
    assertThat(r.ttl()).contains(Duration.ofSeconds(5));
    assertThat(r.query().keys("ref")).isFalse();
    assertThat(r.query().keys("utm_source")).isFalse();
    assertThat(r.tags("t").query().keys("ref")).isFalse();
    assertThat(r.keepTrackingParams().query().keys("utm_source")).isTrue();
    assertThat(PageRoute.of("/").onlyParams("q").query().keys("page")).isFalse();
    assertThat(PageRoute.TRACKING_PARAMS).contains("utm_*", "fbclid", "gclid", "msclkid", "_ga");
    assertThatThrownBy(() -> r.ignoreParams("x")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("ignoreParams was already set");
    assertThatThrownBy(() -> r.onlyParams("x")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> PageRoute.of("/").keepTrackingParams().keepTrackingParams())
        .isInstanceOf(IllegalStateException.class);
  }
}

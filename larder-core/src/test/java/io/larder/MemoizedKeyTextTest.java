package io.larder;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Pins memoized functions' keys: entries written by an earlier version must still be found. */
class MemoizedKeyTextTest {
  record BookQuery(long id, String lang) {}

  @Test
  void aMemoizedKeyIsTheNamespaceTheFunctionsNameAndTheArgumentsCanonicalText() {
    try (Cache cache = Larder.open("mem:")) {
      BookQuery q = new BookQuery(312L, "en");
      String record = "R" + BookQuery.class.getName().length() + ":" + BookQuery.class.getName()
          + "2(l312;S2:en)";
      assertThat(cache.memoizer("books", BookQuery.class, Codec.utf8()).of(a -> "x").key(q))
          .isEqualTo("~%!memo::5:books" + record);
      Cache shop = cache.namespace("shop");
      assertThat(shop.memoizer("books", Long.class, Codec.utf8()).of(a -> "x").key(312L))
          .isEqualTo("~shop:%!memo::5:booksl312;");
      assertThat(shop.memoizer("books", BookQuery.class, Codec.utf8()).keyedBy(BookQuery::lang)
          .of(a -> "x").key(q)).isEqualTo("~shop:%!memo::5:booksKen");
    }
  }
}

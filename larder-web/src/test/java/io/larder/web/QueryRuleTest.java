package io.larder.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Normalised page keys: which parameters a key ignores, and spellings that are one key. */
class QueryRuleTest {

  private static String key(QueryRule rule, String query) {
    return PageKeys.base(new PageRequest("GET", "http", "h", 80, "/a", query, Map.of(), false),
        rule);
  }

  @Test
  void trackingParametersAreLeftOutByDefault() {
    String plain = key(QueryRule.DEFAULT, "id=3");
    assertThat(key(QueryRule.DEFAULT, "id=3&utm_source=news&utm_medium=mail")).isEqualTo(plain);
    assertThat(key(QueryRule.DEFAULT, "fbclid=IwAR1x&id=3&gclid=Cj0&msclkid=9&_ga=2.1"))
        .isEqualTo(plain);
    assertThat(key(QueryRule.DEFAULT, "mc_cid=a&mc_eid=b&id=3")).isEqualTo(plain);
    assertThat(key(QueryRule.DEFAULT, "utm_source=x")).isEqualTo(key(QueryRule.DEFAULT, null));
  }

  @Test
  void otherParametersStillMakeTheirOwnKeys() {
    assertThat(key(QueryRule.DEFAULT, "id=3&utm_source=a"))
        .isNotEqualTo(key(QueryRule.DEFAULT, "id=4&utm_source=a"));
    // a name that merely resembles a tracking one is kept
    assertThat(key(QueryRule.DEFAULT, "utm=1")).isNotEqualTo(key(QueryRule.DEFAULT, null));
    assertThat(key(QueryRule.DEFAULT, "xfbclid=1")).isNotEqualTo(key(QueryRule.DEFAULT, null));
  }

  @Test
  void trackingParametersCanBeKept() {
    QueryRule keep = QueryRule.DEFAULT.ignoringTracking(false);
    assertThat(key(keep, "id=3&utm_source=a")).isNotEqualTo(key(keep, "id=3"));
    assertThat(key(QueryRule.ALL, "id=3&utm_source=a")).isNotEqualTo(key(QueryRule.ALL, "id=3"));
  }

  @Test
  void ignoredNamesAndPrefixes() {
    QueryRule rule = QueryRule.DEFAULT.ignoring(List.of("ref", "debug_*"));
    assertThat(key(rule, "q=a&ref=home&debug_sql=1&debug_x=2")).isEqualTo(key(rule, "q=a"));
    assertThat(key(rule, "q=a&referrer=x")).isNotEqualTo(key(rule, "q=a"));
  }

  @Test
  void onlyListedParametersKey() {
    QueryRule rule = QueryRule.DEFAULT.only(List.of("page", "f_*"));
    assertThat(key(rule, "page=2&sort=x&f_color=red&utm_source=y"))
        .isEqualTo(key(rule, "f_color=red&page=2"));
    assertThat(key(rule, "page=2")).isNotEqualTo(key(rule, "page=3"));
    QueryRule none = QueryRule.DEFAULT.only(List.of());
    assertThat(key(none, "anything=1&x=2")).isEqualTo(key(none, null));
  }

  @Test
  void spellingsOfTheSameQueryAreOneKey() {
    QueryRule r = QueryRule.DEFAULT;
    assertThat(key(r, "q=a%20b")).isEqualTo(key(r, "q=a+b"));
    assertThat(key(r, "q=%7Euser")).isEqualTo(key(r, "q=~user")).isEqualTo(key(r, "%71=%7euser"));
    assertThat(key(r, "q=caf%C3%A9")).isEqualTo(key(r, "q=caf%c3%a9"));
    assertThat(key(r, "b=2&a=1&utm_campaign=z")).isEqualTo(key(r, "a=1&b=2"));
    // an encoded tracking name is still a tracking name
    assertThat(key(r, "a=1&%75tm_source=x")).isEqualTo(key(r, "a=1"));
  }

  @Test
  void badPatternsAndConflictsAreRefused() {
    assertThatThrownBy(() -> QueryRule.DEFAULT.ignoring(List.of(""))).hasMessageContaining("''");
    assertThatThrownBy(() -> QueryRule.DEFAULT.ignoring(List.of("a*b")))
        .hasMessageContaining("'a*b'");
    assertThatThrownBy(() -> QueryRule.DEFAULT.ignoring(List.of("*"))).hasMessageContaining("'*'");
    assertThatThrownBy(() -> QueryRule.DEFAULT.only(List.of("a")).ignoring(List.of("b")))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> QueryRule.DEFAULT.ignoring(List.of("a")).only(List.of("b")))
        .isInstanceOf(IllegalStateException.class);
  }
}

package io.larder.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SqlKeysTest {

  @Test
  void successorIncrementsTheLastCodePoint() {
    assertThat(SqlKeys.successor("notes:")).hasValue("notes;");
    assertThat(SqlKeys.successor("a%")).hasValue("a&");
    assertThat(SqlKeys.successor("\u00fc")).hasValue("\u00fd");
    assertThat(SqlKeys.successor("x\u007f")).hasValue("x\u0080");
  }

  @Test
  void successorSkipsTheSurrogateBlock() {
    assertThat(SqlKeys.successor("a\uD7FF")).hasValue("a\uE000");
  }

  @Test
  void successorOfTheLastBmpCharIsTheFirstSupplementaryOne() {
    assertThat(SqlKeys.successor("a\uFFFF")).hasValue("a" + new String(Character.toChars(0x10000)));
  }

  @Test
  void successorIncrementsSurrogatePairsAsOneCodePoint() {
    String grinning = new String(Character.toChars(0x1F600));
    String next = new String(Character.toChars(0x1F601));
    assertThat(SqlKeys.successor("a" + grinning)).hasValue("a" + next);
  }

  @Test
  void successorDropsTrailingMaxCodePoints() {
    String max = new String(Character.toChars(Character.MAX_CODE_POINT));
    assertThat(SqlKeys.successor("ab" + max + max)).hasValue("ac");
    assertThat(SqlKeys.successor(max + max)).isEmpty();
  }

  @Test
  void unpairedSurrogatesAreRefused() {
    assertThatThrownBy(() -> SqlKeys.check("a\uD800", "key"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unpaired surrogate at index 1");
    assertThatThrownBy(() -> SqlKeys.check("\uDC00a", "prefix"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("prefix");
    assertThat(SqlKeys.check("a\uD83D\uDE00", "key")).isEqualTo("a\uD83D\uDE00");
  }

  @Test
  void jsonArrayEscapesQuotesBackslashesAndControlCharacters() {
    assertThat(SqlKeys.jsonArray(List.of("a\"b", "c\\d", "e\u0000f\n", "\u00e9")))
        .isEqualTo("[\"a\\\"b\",\"c\\\\d\",\"e\\u0000f\\u000a\",\"\u00e9\"]");
    assertThat(SqlKeys.jsonArray(List.of())).isEqualTo("[]");
  }
}

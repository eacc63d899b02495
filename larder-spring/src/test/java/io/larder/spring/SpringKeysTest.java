package io.larder.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.springframework.cache.interceptor.SimpleKey;

class SpringKeysTest {
  enum Shelf { TOP, BOTTOM }

  record Isbn(String prefix, long number) {}

  @Provide
  Arbitrary<Object> keys() {
    return Arbitraries.lazyOf(
        () -> Arbitraries.strings().withChars("ab~:;[]N0S1K").ofMaxLength(4).map(s -> (Object) s),
        () -> Arbitraries.integers().between(-3, 12).map(i -> (Object) i),
        () -> Arbitraries.longs().between(-3, 12).map(l -> (Object) l),
        () -> Arbitraries.of(Shelf.class).map(c -> (Object) c),
        () -> Arbitraries.just(null),
        () -> keys().list().ofMaxSize(3).map(l -> (Object) l),
        () -> keys().set().ofMaxSize(3).map(s -> (Object) s),
        () -> keys().list().ofMaxSize(3).map(l -> (Object) new SimpleKey(l.toArray())));
  }

  @Property(tries = 5000)
  void differentKeysNeverShareAStringAndEqualOnesAlways(@ForAll("keys") Object a,
      @ForAll("keys") Object b) {
    assertThat(SpringKeys.toKey(a).equals(SpringKeys.toKey(b)))
        .as("%s vs %s", a, b).isEqualTo(Objects.equals(a, b));
  }

  @Test
  void stringsAreTheirOwnKeysUnlessTheyLookEncoded() {
    assertThat(SpringKeys.toKey("978-0441013593")).isEqualTo("978-0441013593");
    assertThat(SpringKeys.toKey("~l312;")).isEqualTo("~S6:~l312;");
    assertThat(SpringKeys.toKey(312L)).isEqualTo("~l312;");
    assertThat(SpringKeys.toKey("")).isEqualTo("~S0:");
    assertThat(SpringKeys.toKey(null)).isEqualTo("~N");
  }

  @Test
  void simpleKeysAreEncodedByTheirParameters() {
    assertThat(SpringKeys.toKey(SimpleKey.EMPTY)).isNotEqualTo(SpringKeys.toKey(List.of()));
    assertThat(SpringKeys.toKey(new SimpleKey("a", 1))).endsWith("1(L2[S1:ai1;])");
    // their toString() is "SimpleKey [a,b]" for both
    assertThat(SpringKeys.toKey(new SimpleKey("a,b")))
        .isNotEqualTo(SpringKeys.toKey(new SimpleKey("a", "b")));
    assertThat(SpringKeys.toKey(new SimpleKey("a", "b")))
        .isEqualTo(SpringKeys.toKey(new SimpleKey("a", "b")))
        .isNotEqualTo(SpringKeys.toKey(List.of("a", "b")));
    assertThat(SpringKeys.toKey(new SimpleKey(new int[] {1, 2}, null)))
        .isEqualTo(SpringKeys.toKey(new SimpleKey(new int[] {1, 2}, null)));
  }

  @Test
  void lookalikesStayApart() {
    assertThat(SpringKeys.toKey(1)).isNotEqualTo(SpringKeys.toKey(1L));
    assertThat(SpringKeys.toKey("1")).isNotEqualTo(SpringKeys.toKey(1));
    assertThat(SpringKeys.toKey(new BigDecimal("1.0"))).isNotEqualTo(SpringKeys.toKey(new BigDecimal("1.00")));
    assertThat(SpringKeys.toKey(new Isbn("978", 1))).isEqualTo(SpringKeys.toKey(new Isbn("978", 1)))
        .isNotEqualTo(SpringKeys.toKey(new Isbn("978", 2)));
    assertThat(SpringKeys.toKey(Set.of(1, 2, 3)))
        .isEqualTo(SpringKeys.toKey(new LinkedHashSet<>(List.of(3, 2, 1))));
    UUID id = UUID.randomUUID();
    assertThat(SpringKeys.toKey(id)).isEqualTo("~U" + id);
    assertThat(SpringKeys.toKey(LocalDate.of(2025, 1, 2))).isEqualTo("~t19:java.time.LocalDate10:2025-01-02");
  }

  @Test
  void objectsWithoutACanonicalFormAreRefused() {
    assertThatThrownBy(() -> SpringKeys.toKey(new Object()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.lang.Object")
        .hasMessageContaining("key = \"#book.id\"");
    assertThatThrownBy(() -> SpringKeys.toKey(new SimpleKey("a", new StringBuilder("b"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.lang.StringBuilder");
  }
}

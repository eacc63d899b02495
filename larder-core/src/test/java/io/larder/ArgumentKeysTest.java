package io.larder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class ArgumentKeysTest {
  enum Color { RED, GREEN }

  record Pair(Object left, Object right) {}

  @Provide
  Arbitrary<Object> values() {
    return values(2);
  }

  /** Values nested at most {@code depth} containers deep: unbounded recursion can explode. */
  private Arbitrary<Object> values(int depth) {
    Arbitrary<Object> scalars = Arbitraries.oneOf(
        Arbitraries.strings().withChars("ab:;[]()N0S1").ofMaxLength(4).map(s -> (Object) s),
        Arbitraries.integers().between(-3, 12).map(i -> (Object) i),
        Arbitraries.longs().between(-3, 12).map(l -> (Object) l),
        Arbitraries.of(true, false).map(b -> (Object) b),
        Arbitraries.of(Color.class).map(c -> (Object) c),
        Arbitraries.just(null));
    if (depth == 0) {
      return scalars;
    }
    Arbitrary<Object> inner = values(depth - 1);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, scalars),
        net.jqwik.api.Tuple.of(1, inner.list().ofMaxSize(3).map(l -> (Object) l)),
        net.jqwik.api.Tuple.of(1, inner.set().ofMaxSize(3).map(x -> (Object) x)),
        net.jqwik.api.Tuple.of(1, Arbitraries.maps(inner, inner).ofMaxSize(2).map(m -> (Object) m)),
        net.jqwik.api.Tuple.of(1, inner.tuple2().map(t -> (Object) new Pair(t.get1(), t.get2()))));
  }

  @Property(tries = 5000)
  void differentArgumentsNeverShareAKeyAndEqualOnesAlways(@ForAll("values") Object a,
      @ForAll("values") Object b) {
    assertThat(ArgumentKeys.encode(a).equals(ArgumentKeys.encode(b)))
        .as("%s vs %s", a, b).isEqualTo(java.util.Objects.equals(a, b));
  }

  @Property(tries = 2000)
  void argumentListsNeverCollide(@ForAll("values") Object a1, @ForAll("values") Object a2,
      @ForAll("values") Object b1, @ForAll("values") Object b2) {
    List<Object> a = new ArrayList<>();
    a.add(a1);
    a.add(a2);
    List<Object> b = new ArrayList<>();
    b.add(b1);
    b.add(b2);
    assertThat(ArgumentKeys.encode(a).equals(ArgumentKeys.encode(b))).isEqualTo(a.equals(b));
  }

  @Test
  void lookalikesStayApart() {
    assertThat(ArgumentKeys.encode(1)).isNotEqualTo(ArgumentKeys.encode(1L));
    assertThat(ArgumentKeys.encode("1")).isNotEqualTo(ArgumentKeys.encode(1));
    assertThat(ArgumentKeys.encode(List.of("a", "b"))).isNotEqualTo(ArgumentKeys.encode(List.of("ab")));
    assertThat(ArgumentKeys.encode(new BigDecimal("1.0"))).isNotEqualTo(ArgumentKeys.encode(new BigDecimal("1.00")));
    assertThat(ArgumentKeys.encode(null)).isNotEqualTo(ArgumentKeys.encode(java.util.Optional.empty()));
    assertThat(ArgumentKeys.encode(new int[] {1, 2})).isEqualTo(ArgumentKeys.encode(new int[] {1, 2}));
  }

  @Test
  void orderOfSetsAndMapsDoesNotMatter() {
    Map<String, Integer> a = new LinkedHashMap<>();
    a.put("x", 1);
    a.put("y", 2);
    assertThat(ArgumentKeys.encode(a)).isEqualTo(ArgumentKeys.encode(new TreeMap<>(Map.of("y", 2, "x", 1))));
    assertThat(ArgumentKeys.encode(Set.of(1, 2, 3))).isEqualTo(ArgumentKeys.encode(new java.util.TreeSet<>(List.of(3, 2, 1))));
  }

  @Test
  void supportedTypesAreCheckedUpFrontAndOthersRefused() {
    ArgumentKeys.checkSupported(Long.class);
    ArgumentKeys.checkSupported(UUID.class);
    ArgumentKeys.checkSupported(LocalDate.class);
    ArgumentKeys.checkSupported(Pair.class);
    ArgumentKeys.checkSupported(List.class);
    assertThatThrownBy(() -> ArgumentKeys.checkSupported(StringBuilder.class))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.StringBuilder");
    record Holder(Thread t) {}
    assertThatThrownBy(() -> ArgumentKeys.checkSupported(Holder.class))
        .hasMessageContaining("Holder");
    assertThatThrownBy(() -> ArgumentKeys.encode(List.of(new StringBuilder("x"))))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

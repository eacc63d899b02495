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

class CacheKeysTest {
  enum Color { RED, GREEN }

  record Pair(Object left, Object right) {}

  record Primitives(long l, int i, boolean z, double d, float f, short s, byte b, char c) {}

  record Boxed(Long l, Integer i, Boolean z, Double d, Float f, Short s, Byte b, Character c) {}

  @Test
  void primitiveRecordComponentsAreWrittenAsTheirBoxedValues() {
    String name = Primitives.class.getName();
    String prims = CacheKeys.encode(new Primitives(-312L, 7, true, 3.5, 4.5f, (short) 6,
        (byte) -7, 'A'));
    assertThat(prims).isEqualTo("R" + name.length() + ":" + name
        + "8(l-312;i7;Td3.5;f4.5;h6;b-7;C65;)");
    String boxed = CacheKeys.encode(new Boxed(-312L, 7, true, 3.5, 4.5f, (short) 6, (byte) -7,
        'A'));
    assertThat(boxed.substring(boxed.indexOf("8(")))
        .isEqualTo(prims.substring(prims.indexOf("8(")));
    assertThat(CacheKeys.encode(List.of(new Boxed(null, null, false, null, null, null, null,
        null)))).endsWith("8(NNFNNNNN)]");
  }

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
    assertThat(CacheKeys.encode(a).equals(CacheKeys.encode(b)))
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
    assertThat(CacheKeys.encode(a).equals(CacheKeys.encode(b))).isEqualTo(a.equals(b));
  }

  @Test
  void lookalikesStayApart() {
    assertThat(CacheKeys.encode(1)).isNotEqualTo(CacheKeys.encode(1L));
    assertThat(CacheKeys.encode("1")).isNotEqualTo(CacheKeys.encode(1));
    assertThat(CacheKeys.encode(List.of("a", "b"))).isNotEqualTo(CacheKeys.encode(List.of("ab")));
    assertThat(CacheKeys.encode(new BigDecimal("1.0"))).isNotEqualTo(CacheKeys.encode(new BigDecimal("1.00")));
    assertThat(CacheKeys.encode(null)).isNotEqualTo(CacheKeys.encode(java.util.Optional.empty()));
    assertThat(CacheKeys.encode(new int[] {1, 2})).isEqualTo(CacheKeys.encode(new int[] {1, 2}));
  }

  @Test
  void orderOfSetsAndMapsDoesNotMatter() {
    Map<String, Integer> a = new LinkedHashMap<>();
    a.put("x", 1);
    a.put("y", 2);
    assertThat(CacheKeys.encode(a)).isEqualTo(CacheKeys.encode(new TreeMap<>(Map.of("y", 2, "x", 1))));
    assertThat(CacheKeys.encode(Set.of(1, 2, 3))).isEqualTo(CacheKeys.encode(new java.util.TreeSet<>(List.of(3, 2, 1))));
  }

  record Wrapped(String state) {}

  @Test
  void anAdapterTurnsUnsupportedValuesIntoSupportedOnesWhereverTheyOccur() {
    java.util.function.UnaryOperator<Object> adapter =
        v -> v instanceof StringBuilder sb ? new Wrapped(sb.toString()) : v;
    String nested = CacheKeys.encode(List.of(new StringBuilder("x"), 1), adapter);
    assertThat(nested).isEqualTo(CacheKeys.encode(List.of(new Wrapped("x"), 1)));
    assertThat(nested).isNotEqualTo(CacheKeys.encode(List.of("x", 1)));
    assertThatThrownBy(() -> CacheKeys.encode(new Thread(), adapter))
        .hasMessageContaining("java.lang.Thread");
    assertThatThrownBy(() -> CacheKeys.encode(new Pair(1, new Thread())))
        .as("the unsupported type inside a record is named").hasMessageContaining("java.lang.Thread");
  }

  @Test
  void theJavadocExampleHolds() {
    assertThat(CacheKeys.encode(List.of(312L, "en"))).isEqualTo("L2[l312;S2:en]");
    assertThat(CacheKeys.encode(java.util.Locale.CANADA_FRENCH)).isEqualTo("G5:fr-CA")
        .isNotEqualTo(CacheKeys.encode("fr-CA"));
  }

  @Test
  void supportedTypesAreCheckedUpFrontAndOthersRefused() {
    CacheKeys.checkSupported(Long.class);
    CacheKeys.checkSupported(UUID.class);
    CacheKeys.checkSupported(LocalDate.class);
    CacheKeys.checkSupported(Pair.class);
    CacheKeys.checkSupported(List.class);
    assertThatThrownBy(() -> CacheKeys.checkSupported(StringBuilder.class))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.StringBuilder");
    record Holder(Thread t) {}
    assertThatThrownBy(() -> CacheKeys.checkSupported(Holder.class))
        .hasMessageContaining("Holder");
    assertThatThrownBy(() -> CacheKeys.encode(List.of(new StringBuilder("x"))))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

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

  record Texts(String a, String b, String c, Object d, boolean e, char f, Long g) {}

  @Test
  void stringAndNestedRecordComponentsAreWrittenAsAloneInAList() {
    String name = Texts.class.getName();
    String longText = "x".repeat(70);
    Texts texts = new Texts(null, "", longText, new Pair(1L, "1"), false, 'z', null);
    assertThat(CacheKeys.encode(texts)).isEqualTo("R" + name.length() + ":" + name + "7(N"
        + CacheKeys.encode("") + CacheKeys.encode(longText) + CacheKeys.encode(new Pair(1L, "1"))
        + "FC122;N)");
    assertThat(CacheKeys.encode(texts, v -> v)).as("an adapter writes records alike")
        .isEqualTo(CacheKeys.encode(texts));
  }

  record Wide(int c0, int c1, int c2, int c3, int c4, int c5, int c6, int c7, int c8, int c9,
      int c10, int c11, int c12, int c13, int c14, int c15, int c16, int c17, int c18, int c19,
      int c20, int c21, int c22, int c23, int c24, int c25, int c26, int c27, int c28, int c29,
      int c30, int c31, int c32, int c33, int c34, int c35, int c36, int c37, int c38, int c39,
      int c40, int c41, int c42, int c43, int c44, int c45, int c46, int c47, int c48, int c49,
      int c50, int c51, int c52, int c53, int c54, int c55, int c56, int c57, int c58, int c59,
      int c60, int c61, int c62, int c63, int c64, int c65, int c66, int c67, int c68, int c69,
      int c70, int c71, int c72, int c73, int c74, int c75, int c76, int c77, int c78, int c79,
      int c80, int c81, int c82, int c83, int c84, int c85, int c86, int c87, int c88, int c89,
      int c90, int c91, int c92, int c93, int c94, int c95, int c96, int c97, int c98, int c99,
      int c100, int c101, int c102, int c103, int c104, int c105, int c106, int c107, int c108,
      int c109, int c110, int c111, int c112, int c113, int c114, int c115, int c116, int c117,
      int c118, int c119) {}

  @Test
  void aRecordOfMoreComponentsThanOneConcatenationTakesIsWrittenWhole() throws Exception {
    int[] c = new int[120];
    for (int i = 0; i < c.length; i++) {
      c[i] = i;
    }
    Object[] boxed = java.util.Arrays.stream(c).boxed().toArray();
    Wide wide = (Wide) Wide.class.getDeclaredConstructors()[0].newInstance(boxed);
    String name = Wide.class.getName();
    StringBuilder expected = new StringBuilder("R" + name.length() + ":" + name + "120(");
    for (int i : c) {
      expected.append('i').append(i).append(';');
    }
    assertThat(CacheKeys.encode(wide)).isEqualTo(expected.append(')').toString());
  }

  record Failing(long id) {
    @Override
    public long id() {
      throw new IllegalStateException("no id");
    }
  }

  @Test
  void aComponentWhoseAccessorThrowsIsNamed() {
    assertThatThrownBy(() -> CacheKeys.encode(new Failing(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("component id of " + Failing.class.getName())
        .hasRootCauseMessage("no id");
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

package io.larder.memcached.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.spi.KeyLayout;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NamespaceKeysTest {

  private static String fold(String key, long... gens) {
    return NamespaceKeys.fold(key, KeyLayout.namespacePrefixes(key), gens);
  }

  @Test
  void foldsEachGenerationAfterItsSegment() {
    assertThat(fold("~shop:notes::312", 7, 35)).isEqualTo("~shop~7:notes~z::312");
    assertThat(fold("~shop::312", 36)).isEqualTo("~shop~10::312");
    assertThat(fold("~a::b::c", 1)).isEqualTo("~a~1::b::c");
  }

  @Test
  void differentGenerationsGiveDifferentKeys() {
    assertThat(fold("~a:b::k", 1, 2)).isNotEqualTo(fold("~a:b::k", 2, 1));
    assertThat(fold("~a::k", 1)).isNotEqualTo(fold("~a::k", 2));
  }

  @Test
  void foldingIsInjectiveOverAwkwardSegments() {
    List<String> keys = List.of("~a::k", "~a~1::k", "~a:b::k", "~a~1:b::k", "~a:b~1::k",
        "~ab::k", "~a::bk", "~a::b:k", "~a:b:c::k", "~a~1~2::k", "~a%7E1::k", "~#x::k");
    Set<String> folded = new HashSet<>();
    for (long g1 : new long[] {1, 2, 37}) {
      for (String key : keys) {
        long[] gens = new long[KeyLayout.namespacePrefixes(key).size()];
        java.util.Arrays.fill(gens, g1);
        folded.add(fold(key, gens));
      }
    }
    assertThat(folded).hasSize(keys.size() * 3);
  }

  @Test
  void aFoldedKeyTooLongForMemcachedIsHashedIntoAFormNoOtherKeyTakes() {
    String prefix = "~" + "n".repeat(120) + ":" + "m".repeat(110) + ":";
    String key = prefix + ":" + "k".repeat(5);
    assertThat(key.length()).isLessThanOrEqualTo(250);
    String folded = fold(key, 1L << 47, 1L << 47);
    assertThat(folded).startsWith("~#").endsWith("::").hasSize(2 + 43 + 2);
    assertThat(WireKey.isPlain(folded)).isTrue();
    assertThat(KeyLayout.namespacePrefixes(folded)).as("its first segment has no generation")
        .containsExactly(folded.substring(0, folded.length() - 1));
    assertThat(fold(key, 1L << 47, (1L << 47) + 1)).isNotEqualTo(folded);
  }

  @Test
  void aFoldedNamespacePathFollowedByTheRestIsTheFoldedKey() {
    long[] g = {7, 9};
    for (String key : List.of("~shop:notes::312", "~shop:notes::" + "x".repeat(300),
        "~shop:notes::caf\u00e9", "~shop:notes::")) {
      KeyLayout.Namespaced n = KeyLayout.split(key);
      List<String> prefixes = KeyLayout.namespacePrefixes(key);
      assertThat(NamespaceKeys.onWire(NamespaceKeys.foldNames("~" + n.path(), prefixes, g)
          + n.rest())).as(key).isEqualTo(NamespaceKeys.fold(key, prefixes, g));
    }
  }

  @Test
  void generationKeysAreApartFromDataKeys() {
    assertThat(NamespaceKeys.generationKey("~shop:notes:")).isEqualTo("~@~shop:notes:");
    String longPrefix = "~" + "p".repeat(260) + ":";
    assertThat(NamespaceKeys.generationKey(longPrefix)).startsWith("~@#").hasSize(3 + 43);
    // a generation key never holds "::", which every data key of a namespace does
    assertThat(NamespaceKeys.generationKey("~a:b:")).doesNotContain("::");
    assertThat(KeyLayout.namespacePrefixes(NamespaceKeys.generationKey("~a:b:"))).isEmpty();
  }

  @Test
  void recognisesNamespacePrefixes() {
    assertThat(io.larder.spi.KeyLayout.isNamespacePrefix("~shop:")).isTrue();
    assertThat(io.larder.spi.KeyLayout.isNamespacePrefix("~shop:notes:")).isTrue();
    assertThat(io.larder.spi.KeyLayout.isNamespacePrefix("shop:")).isFalse();
    assertThat(io.larder.spi.KeyLayout.isNamespacePrefix("~~shop:")).isFalse();
    assertThat(io.larder.spi.KeyLayout.isNamespacePrefix("~shop")).isFalse();
    assertThat(io.larder.spi.KeyLayout.isNamespacePrefix("~shop::")).isFalse();
    assertThat(io.larder.spi.KeyLayout.isNamespacePrefix("~:")).isFalse();
  }
}

package io.larder;

import io.larder.spi.KeyLayout;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.spi.KeyRules;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class KeysTest {
  private static final KeyRules MEMCACHED = new KeyRules(250, true);

  @Provide
  Arbitrary<List<String>> paths() {
    // few distinct characters, so that lookalike paths and keys are common
    return Arbitraries.strings().withChars("ab:%#~:\u00e4 ").ofMinLength(1).ofMaxLength(4)
        .list().ofMaxSize(3);
  }

  @Provide
  Arbitrary<String> keys() {
    return Arbitraries.oneOf(
        Arbitraries.strings().withChars("ab:%#~:\u00e4 ").ofMinLength(1).ofMaxLength(6),
        Arbitraries.strings().ofMinLength(1).ofMaxLength(300)
            .filter(s -> s.chars().noneMatch(c -> Character.isSurrogate((char) c))));
  }

  @Provide
  Arbitrary<String> surrogateMixes() {
    // high and low surrogates, alone, paired and reversed, among ordinary characters and the
    // namespace mark (so that isOwnStoreKey's mark test is exercised too)
    return Arbitraries.strings().withChars("ab~\u00e4\ud800\udbff\udc00\udfff\uffff")
        .ofMaxLength(8);
  }

  @Property(tries = 3000)
  void unpairedSurrogateFindsTheFirstCharThatIsNotValidUnicode(
      @ForAll("surrogateMixes") String s) {
    int expected = -1;
    for (int i = 0; i < s.length(); i += Character.charCount(s.codePointAt(i))) {
      if (Character.isSurrogate(s.charAt(i))
          && !Character.isSupplementaryCodePoint(s.codePointAt(i))) {
        expected = i;
        break;
      }
    }
    assertThat(KeyLayout.unpairedSurrogate(s)).isEqualTo(expected);
    assertThat(KeyLayout.isOwnStoreKey(s))
        .isEqualTo(!s.isEmpty() && expected < 0 && s.charAt(0) != KeyLayout.NAMESPACE_MARK);
  }

  @Property(tries = 3000)
  void differentPathsOrKeysNeverShareAStoreKey(@ForAll("paths") List<String> p1,
      @ForAll("keys") String k1, @ForAll("paths") List<String> p2, @ForAll("keys") String k2) {
    Assume.that(!p1.equals(p2) || !k1.equals(k2));
    for (KeyRules rules : List.of(KeyRules.ANY, MEMCACHED)) {
      Keys.StoreKey a = Keys.resolve(KeyLayout.prefix(p1), k1, rules);
      Keys.StoreKey b = Keys.resolve(KeyLayout.prefix(p2), k2, rules);
      assertThat(a.full()).isNotEqualTo(b.full());
      if (!a.hashed() && !b.hashed()) {
        assertThat(a.store()).isNotEqualTo(b.store());
      }
      if (a.hashed() != b.hashed()) {
        // a raw key can never take the form of a hashed one
        assertThat(a.store()).isNotEqualTo(b.store());
      }
    }
  }

  @Property(tries = 3000)
  void aNamespacePrefixCoversItsKeysAndItsChildrenOnly(@ForAll("paths") List<String> ns,
      @ForAll("paths") List<String> other, @ForAll("keys") String key) {
    String prefix = KeyLayout.prefix(ns);
    boolean descendant = other.size() >= ns.size() && other.subList(0, ns.size()).equals(ns);
    for (KeyRules rules : List.of(KeyRules.ANY, MEMCACHED)) {
      String storeKey = Keys.resolve(KeyLayout.prefix(other), key, rules).store();
      assertThat(storeKey.startsWith(prefix)).as("%s under %s", other, ns).isEqualTo(descendant);
    }
  }

  @Property(tries = 2000)
  void keyLayoutFindsEveryEnclosingNamespace(@ForAll("paths") List<String> ns,
      @ForAll("keys") String key) {
    List<String> expected = new java.util.ArrayList<>();
    for (int n = 1; n <= ns.size(); n++) {
      expected.add(KeyLayout.prefix(ns.subList(0, n)));
    }
    for (KeyRules rules : List.of(KeyRules.ANY, MEMCACHED)) {
      String storeKey = Keys.resolve(KeyLayout.prefix(ns), key, rules).store();
      assertThat(io.larder.spi.KeyLayout.namespacePrefixes(storeKey)).isEqualTo(expected);
    }
  }

  @Property(tries = 1000)
  void keysForRestrictiveStoresAlwaysFitTheRules(@ForAll("paths") List<String> ns,
      @ForAll("keys") String key) {
    assertThat(MEMCACHED.accepts(Keys.resolve(KeyLayout.prefix(ns), key, MEMCACHED).store())).isTrue();
  }

  @Test
  void keysAreReadableWhereTheStoreAllows() {
    assertThat(Keys.resolve(KeyLayout.prefix(List.of("shop", "notes")), "312", KeyRules.ANY).store())
        .isEqualTo("~shop:notes::312");
    assertThat(Keys.resolve("", "hits:/books/312", KeyRules.ANY).store()).isEqualTo("hits:/books/312");
    assertThat(KeyLayout.prefix(List.of("a:b", "100%", "~"))).isEqualTo("~a%3Ab:100%25:%7E:");
    assertThat(Keys.resolve("", "~tilde", KeyRules.ANY).store()).isEqualTo("~~tilde");
  }

  @Test
  void keysTheStoreCannotTakeAreHashedUnderTheirNamespace() {
    String shop = KeyLayout.prefix(List.of("shop"));
    Keys.StoreKey k = Keys.resolve(shop, "has space", MEMCACHED);
    assertThat(k.hashed()).isTrue();
    assertThat(k.store()).startsWith("~shop::#").hasSize("~shop::#".length() + 43);
    assertThat(k.checkedKey()).isEqualTo("~shop::has space");
    assertThat(Keys.resolve(shop, "#looks-hashed", MEMCACHED).hashed()).isTrue();
    assertThat(Keys.resolve(shop, "fine", MEMCACHED).hashed()).isFalse();
  }

  @Test
  void badKeysAndNamesAreRejectedWithAClearMessage() {
    assertThatThrownBy(() -> Keys.checkKey(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("key");
    assertThatThrownBy(() -> Keys.checkKey("")).hasMessageContaining("empty");
    assertThatThrownBy(() -> Keys.checkKey("a\udc00b")).hasMessageContaining("index 1");
    assertThatThrownBy(() -> Keys.encodeSegment("")).hasMessageContaining("namespace");
    assertThat(Keys.checkKey("\ud83c\udf5e")).isEqualTo("\ud83c\udf5e");
  }

  @Test
  void aPrefixTooLongForTheStoreIsRefused() {
    String longPrefix = KeyLayout.prefix(List.of("x".repeat(240)));
    assertThatThrownBy(() -> Keys.resolve(longPrefix, "k k", MEMCACHED))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too long");
  }
}
